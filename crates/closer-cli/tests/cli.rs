//! The real `closer` binary: help, settings precedence, migrate, and serve with the demo
//! workspace on SQLite and on PostgreSQL.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use sqlx::Connection;

fn closer(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_closer"));
    command
        .current_dir(dir)
        .env("RUST_BACKTRACE", "0")
        .env("CLOSER_LOG", "warn");
    for (name, _) in std::env::vars() {
        if name.starts_with("CLOSER_") && name != "CLOSER_LOG" {
            command.env_remove(name);
        }
    }
    command
}

fn run(command: &mut Command) -> (Output, String) {
    let output = command.output().expect("closer runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output, text)
}

/// A `closer serve` child process, killed and reaped when dropped.
struct Server {
    child: Child,
    base: String,
    banner: Vec<String>,
    /// The session cookie requests carry once signed in, and the session's CSRF token.
    cookie: Option<String>,
    csrf: Option<String>,
}

/// The administrator's password printed on first start.
fn admin_password(output: &str) -> Option<String> {
    output.lines().find_map(|line| {
        line.strip_prefix("administrator created: admin@closer.local with password ")
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_owned)
    })
}

impl Server {
    fn start(mut command: Command) -> Server {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("closer serve starts");
        let stdout = child.stdout.take();
        // Owned by the guard from here on, so a failed start still kills and reaps the child.
        let mut server = Server {
            child,
            base: String::new(),
            banner: Vec::new(),
            cookie: None,
            csrf: None,
        };
        let stdout = stdout.expect("stdout");
        let (lines, received) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        loop {
            let line = received
                .recv_timeout(Duration::from_secs(60))
                .expect("closer serve prints its address");
            server.banner.push(line.clone());
            if let Some(address) = line.strip_prefix("Closer listening on ") {
                server.base = address.to_owned();
                return server;
            }
        }
    }

    /// Signs in and keeps the session cookie for the following requests.
    async fn sign_in(&mut self, email: &str, password: &str) {
        let response = reqwest::Client::new()
            .post(format!("{}/api/v1/session", self.base))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("sign-in request");
        assert_eq!(response.status(), 201, "sign-in as {email}");
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .expect("a session cookie");
        self.cookie = cookie.split(';').next().map(str::to_owned);
        let body: Value = response.json().await.expect("the session");
        self.csrf = body["csrf_token"].as_str().map(str::to_owned);
    }

    /// A signed-in POST; its status and body.
    async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie.as_deref().unwrap_or_default())
            .header("x-csrf-token", self.csrf.as_deref().unwrap_or_default())
            .json(body)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> Value {
        let mut request = reqwest::Client::new().get(format!("{}{path}", self.base));
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.expect("JSON")
    }

    async fn all(&self, path: &str) -> Vec<Value> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut after = String::new();
        loop {
            let cursor = if after.is_empty() {
                String::new()
            } else {
                format!("&after={after}")
            };
            let page = self.get(&format!("{path}{separator}limit=200{cursor}")).await;
            items.extend(page["items"].as_array().cloned().unwrap_or_default());
            match page["next_after"].as_str() {
                Some(next) => after = next.to_owned(),
                None => return items,
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn help_names_every_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (output, text) = run(closer(dir.path()).arg("--help"));
    assert!(output.status.success());
    for command in ["serve", "migrate", "demo", "import"] {
        assert!(text.contains(command), "--help mentions {command}: {text}");
        let (output, text) = run(closer(dir.path()).args([command, "--help"]));
        assert!(output.status.success(), "{command} --help: {text}");
        assert!(
            text.contains("--database-url"),
            "{command} --help lists the global flags"
        );
    }
}

#[test]
fn settings_come_from_defaults_file_env_and_flags_in_that_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_of = |text: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix("database: "))
            .map(str::to_owned)
    };

    let (output, text) = run(closer(dir.path()).arg("migrate"));
    assert!(output.status.success(), "{text}");
    assert_eq!(database_of(&text).as_deref(), Some("sqlite://closer-data/closer.db"));
    assert!(dir.path().join("closer-data/closer.db").exists());
    assert!(
        text.contains("synchronous=FULL") && text.contains("journal_mode=wal") && text.contains("secure_delete=ON"),
        "{text}"
    );

    std::fs::write(dir.path().join("closer.toml"), "data_dir = \"from-file\"\n").expect("write config");
    let (_, text) = run(closer(dir.path()).arg("migrate"));
    assert_eq!(database_of(&text).as_deref(), Some("sqlite://from-file/closer.db"));
    let (_, text) = run(closer(dir.path()).arg("migrate").env("CLOSER_DATA_DIR", "from-env"));
    assert_eq!(database_of(&text).as_deref(), Some("sqlite://from-env/closer.db"));
    let (_, text) = run(closer(dir.path())
        .args(["migrate", "--data-dir", "from-flag"])
        .env("CLOSER_DATA_DIR", "from-env"));
    assert_eq!(database_of(&text).as_deref(), Some("sqlite://from-flag/closer.db"));

    std::fs::write(dir.path().join("closer.toml"), "data_dri = \"typo\"\n").expect("write config");
    let (output, text) = run(closer(dir.path()).arg("migrate"));
    assert!(!output.status.success());
    assert!(text.contains("data_dri"), "the error names the unknown setting: {text}");
}

fn postgres_admin_url() -> Option<String> {
    match std::env::var("CLOSER_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) => Some(url),
        None => {
            assert!(
                std::env::var("CLOSER_REQUIRE_POSTGRES").map_or(true, |v| v != "1"),
                "CLOSER_REQUIRE_POSTGRES=1 but CLOSER_TEST_POSTGRES_URL is not set"
            );
            eprintln!("PostgreSQL half skipped: set CLOSER_TEST_POSTGRES_URL to run it");
            None
        }
    }
}

/// A fresh PostgreSQL database, dropped at the end of the test.
struct PgDatabase {
    admin_url: String,
    name: String,
}

impl PgDatabase {
    async fn create(admin_url: &str) -> PgDatabase {
        let name = format!("closer_cli_{}", uuid::Uuid::now_v7().simple());
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("connect to PostgreSQL");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create");
        PgDatabase {
            admin_url: admin_url.to_owned(),
            name,
        }
    }

    /// The database URL, with a password that trust authentication ignores.
    fn url_with_password(&self, password: &str) -> String {
        let (scheme, rest) = self.admin_url.split_once("://").expect("a URL");
        let (credentials, host) = rest.rsplit_once('@').expect("a user in CLOSER_TEST_POSTGRES_URL");
        let user = credentials.split(':').next().unwrap_or("postgres");
        let (server, _) = host.rsplit_once('/').expect("a database path");
        format!("{scheme}://{user}:{password}@{server}/{}", self.name)
    }

    async fn drop_database(self) {
        if let Ok(mut admin) = sqlx::PgConnection::connect(&self.admin_url).await {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            )))
            .execute(&mut admin)
            .await;
        }
    }
}

/// Checks the demo workspace as a user would see it over the API; returns its deals.
async fn check_demo(server: &Server) -> Vec<Value> {
    let organisations = server.all("/api/v1/organisations").await;
    let people = server.all("/api/v1/people").await;
    let employments = server.all("/api/v1/employments").await;
    let deals = server.all("/api/v1/deals").await;
    assert!(organisations.len() >= 30, "{} organisations", organisations.len());
    assert!(people.len() >= 200, "{} people", people.len());
    assert_eq!(deals.len(), 60);

    let mut staff: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for employment in &employments {
        staff
            .entry(employment["organisation_id"].as_str().expect("organisation"))
            .or_default()
            .insert(employment["department"].as_str().expect("department"));
    }
    let per_organisation: Vec<usize> = organisations
        .iter()
        .map(|o| employments.iter().filter(|e| e["organisation_id"] == o["id"]).count())
        .collect();
    assert!(
        per_organisation.iter().all(|n| (3..=8).contains(n)),
        "3–8 employees each: {per_organisation:?}"
    );
    assert!(
        staff.values().all(|departments| departments.len() >= 2),
        "employees span departments"
    );

    let chinese = |text: &str| text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    assert!(people.iter().any(|p| chinese(p["name"].as_str().unwrap_or(""))));
    assert!(people.iter().any(|p| !chinese(p["name"].as_str().unwrap_or(""))));
    assert!(organisations.iter().any(|o| chinese(o["name"].as_str().unwrap_or(""))));

    let playbooks = server.get("/api/v1/playbooks").await;
    for playbook in playbooks.as_array().expect("playbooks") {
        for stage in playbook["stages"].as_array().expect("stages") {
            assert!(
                deals.iter().any(|d| d["stage_id"] == stage["id"]),
                "a demo deal sits in stage {} of {}",
                stage["key"],
                playbook["key"]
            );
        }
    }
    for status in ["open", "won", "lost"] {
        assert!(deals.iter().any(|d| d["status"] == status), "a {status} deal");
    }
    for kind in ["b2c", "b2b"] {
        assert_eq!(deals.iter().filter(|d| d["kind"] == kind).count(), 30);
    }
    assert!(!server.all("/api/v1/notes").await.is_empty());
    // B2B deals carry the committee, team and meetings their stage implies.
    let negotiation = playbooks
        .as_array()
        .and_then(|all| {
            all.iter()
                .flat_map(|p| p["stages"].as_array().cloned().unwrap_or_default())
                .find(|s| s["key"] == "b2b_proposal_negotiation")
        })
        .expect("the negotiation stage");
    let deal = deals
        .iter()
        .find(|d| d["stage_id"] == negotiation["id"])
        .expect("a deal in negotiation");
    let committee = server
        .get(&format!(
            "/api/v1/deals/{}/stakeholders",
            deal["id"].as_str().unwrap_or("")
        ))
        .await;
    assert_eq!(committee["coverage"]["decision_maker_met"], true, "{committee}");
    assert_eq!(committee["coverage"]["single_threaded"], false);
    let gates = server
        .get(&format!("/api/v1/deals/{}/gates", deal["id"].as_str().unwrap_or("")))
        .await;
    assert!(gates["criteria"].as_array().is_some_and(|c| !c.is_empty()));
    // A deal in negotiation has given the customer a quote, so that gate is no longer unmet.
    let quote_gate = gates["criteria"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["key"] == "quote_approved"))
        .expect("the quote criterion");
    assert_ne!(quote_gate["verdict"], "unmet", "{gates}");
    let quotes = server
        .get(&format!("/api/v1/deals/{}/quotes", deal["id"].as_str().unwrap_or("")))
        .await;
    let statuses: Vec<&str> = quotes
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|q| q["status"].as_str())
        .collect();
    assert!(statuses.contains(&"sent"), "{quotes}");
    // A won company deal has its signed contract.
    let won = server.all("/api/v1/deals?kind=b2b&status=won").await;
    let signed = won
        .first()
        .map(|d| d["id"].as_str().unwrap_or("").to_owned())
        .unwrap_or_default();
    let contracts = server.get(&format!("/api/v1/deals/{signed}/contracts")).await;
    assert_eq!(contracts[0]["status"], "executed", "{contracts}");
    // It was invoiced on its terms; recent company invoices are still owed.
    let invoices = server.get(&format!("/api/v1/deals/{signed}/invoices")).await;
    assert!(
        invoices[0]["number"].as_str().is_some_and(|n| n.starts_with("INV-")),
        "{invoices}"
    );
    let owed = server.get("/api/v1/receivables").await;
    assert!(owed["currencies"].as_array().is_some_and(|c| !c.is_empty()), "{owed}");
    // Some price talks wait for approval: the founder's inbox shows them.
    let inbox = server.get("/api/v1/approvals").await;
    assert!(
        inbox.as_array().is_some_and(|a| !a.is_empty()),
        "the demo has approvals waiting: {inbox}"
    );
    assert!(!server.all("/api/v1/meetings?status=held").await.is_empty());
    // The festival's automatic discount runs in its campaign, beside a code that ended.
    let promotions = server.all("/api/v1/promotions").await;
    assert!(
        promotions
            .iter()
            .any(|p| p["code"].is_null() && p["campaign_id"].is_string()),
        "{promotions:?}"
    );
    assert_eq!(server.all("/api/v1/promotion-campaigns").await.len(), 1);
    // Who knows whom: the founder has met some customers' leaders, so warm paths lead to them.
    let session = server.get("/api/v1/session").await;
    let founder = session["user"]["id"].as_str().unwrap_or("").to_owned();
    let interactions = server
        .all(&format!("/api/v1/interactions?participant_id={founder}"))
        .await;
    let met = interactions
        .iter()
        .find(|i| i["kind"] == "meeting")
        .and_then(|i| i["participants"].as_array())
        .and_then(|p| p.iter().find_map(|p| p["person_id"].as_str()))
        .unwrap_or("")
        .to_owned();
    let paths = server.get(&format!("/api/v1/warm-paths?to={met}")).await;
    assert_eq!(paths["paths"][0]["via"], "direct", "{paths}");
    // A telemarketing campaign with people to call, consents and do-not-call entries.
    let campaigns = server.all("/api/v1/call-campaigns").await;
    assert_eq!(campaigns.len(), 1, "{campaigns:?}");
    let campaign = campaigns[0]["id"].as_str().expect("campaign id");
    let entries = server.all(&format!("/api/v1/call-campaigns/{campaign}/entries")).await;
    assert!(entries.len() >= 30, "the demo calls its consumers: {}", entries.len());
    assert!(!server.all("/api/v1/do-not-call").await.is_empty());
    // Most accounts have their billing details on file, some still lack them.
    let mut complete = Vec::new();
    for organisation in deals
        .iter()
        .filter(|d| d["kind"] == "b2b")
        .filter_map(|d| d["counterparty_id"].as_str())
        .take(9)
    {
        let profile = server.get(&format!("/api/v1/billing-profiles/{organisation}")).await;
        complete.push(profile["missing"].as_array().is_some_and(Vec::is_empty));
    }
    assert!(complete.contains(&true) && complete.contains(&false), "{complete:?}");
    let health = server
        .get(&format!("/api/v1/deals/{}/health", deal["id"].as_str().unwrap_or("")))
        .await;
    assert!(
        health["cycle_age_days"].as_i64().is_some_and(|days| days > 0),
        "{health}"
    );
    assert!(!server.all("/api/v1/tasks").await.is_empty());
    deals
}

fn fingerprint(deals: &[Value]) -> Vec<(String, String, i64)> {
    deals
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap_or("").to_owned(),
                d["title"].as_str().unwrap_or("").to_owned(),
                d["amount"]["amount_minor"].as_i64().unwrap_or(0),
            )
        })
        .collect()
}

#[tokio::test]
async fn serve_demo_on_sqlite_is_complete_deterministic_and_loaded_once() {
    let first = tempfile::tempdir().expect("temp dir");
    let mut server = Server::start({
        let mut command = closer(first.path());
        command.args(["serve", "--demo", "--listen", "127.0.0.1:0"]);
        command
    });
    let banner = server.banner.join("\n");
    let password = admin_password(&banner).expect("the first start prints the admin password");
    let anonymous = reqwest::get(format!("{}/api/v1/deals", server.base))
        .await
        .expect("request");
    assert_eq!(anonymous.status(), 401, "the API needs a sign-in");
    server.sign_in("admin@closer.local", &password).await;
    assert!(
        server
            .banner
            .iter()
            .any(|l| l.contains("synchronous=FULL") && l.contains("foreign_keys=ON")),
        "{:?}",
        server.banner
    );
    assert!(server.banner.iter().any(|l| l.starts_with("demo data loaded")));
    let deals = check_demo(&server).await;
    drop(server);

    // A restart with --demo keeps the data and does not load it twice.
    let mut again = Server::start({
        let mut command = closer(first.path());
        command.args(["serve", "--demo", "--listen", "127.0.0.1:0"]);
        command
    });
    assert!(
        again.banner.iter().any(|l| l.starts_with("demo data skipped")),
        "{:?}",
        again.banner
    );
    assert!(
        admin_password(&again.banner.join("\n")).is_none(),
        "the password is shown only once"
    );
    again.sign_in("admin@closer.local", &password).await;
    assert_eq!(again.all("/api/v1/deals").await.len(), 60);
    drop(again);

    // Another database gets the very same demo.
    let second = tempfile::tempdir().expect("temp dir");
    let (output, text) = run(closer(second.path()).arg("demo"));
    assert!(output.status.success(), "{text}");
    let second_password = admin_password(&text).expect("closer demo made the admin");
    let demo_password = text
        .lines()
        .find_map(|l| l.split("sign in with password ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("closer demo prints the demo users' password")
        .to_owned();
    let mut other = Server::start({
        let mut command = closer(second.path());
        command.args(["serve", "--listen", "127.0.0.1:0"]);
        command
    });
    other.sign_in("admin@closer.local", &second_password).await;
    assert_eq!(fingerprint(&other.all("/api/v1/deals").await), fingerprint(&deals));
    // A demo rep sees their own and their team's deals, not the other team's.
    other.sign_in("chen.jie@closer.local", &demo_password).await;
    let visible = other.all("/api/v1/deals").await.len();
    assert!(visible > 0 && visible < 60, "a rep sees {visible} of 60 deals");
}

#[tokio::test]
async fn serve_demo_on_postgres_and_keep_the_password_out_of_the_output() {
    let Some(admin_url) = postgres_admin_url() else {
        return;
    };
    let database = PgDatabase::create(&admin_url).await;
    let url = database.url_with_password("s3cret-pw");
    let dir = tempfile::tempdir().expect("temp dir");

    let (output, text) = run(closer(dir.path()).args(["migrate", "--database-url", &url]));
    assert!(output.status.success(), "{text}");
    assert!(!text.contains("s3cret-pw"), "the password leaked: {text}");
    assert!(text.contains("postgres:***@"), "{text}");

    let mut server = Server::start({
        let mut command = closer(dir.path());
        command
            .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
            .env("CLOSER_DATABASE_URL", &url);
        command
    });
    let banner = server.banner.join("\n");
    assert!(!banner.contains("s3cret-pw"));
    let password = admin_password(&banner).expect("the first start prints the admin password");
    server.sign_in("admin@closer.local", &password).await;
    check_demo(&server).await;
    assert!(
        !dir.path().join("closer-data").exists(),
        "no SQLite file when PostgreSQL is configured"
    );
    drop(server);
    database.drop_database().await;
}

#[tokio::test]
async fn users_are_managed_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run_ok = |args: &[&str]| {
        let (output, text) = run(closer(dir.path()).args(args));
        assert!(output.status.success(), "closer {args:?}: {text}");
        text
    };
    let first = run_ok(&["user", "list"]);
    assert!(
        admin_password(&first).is_some(),
        "the first command makes the admin and prints the password once"
    );
    assert!(
        first.contains("admin@closer.local\tAdministrator\tadmin\tactive"),
        "{first}"
    );

    let added = run_ok(&[
        "user",
        "add",
        "--email",
        "Li.Na@Example.com",
        "--name",
        "李娜",
        "--role",
        "manager",
    ]);
    let password = added
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a generated password")
        .to_owned();
    assert!(run_ok(&["user", "list"]).contains("li.na@example.com\t李娜\tmanager\tactive"));

    let (output, text) = run(closer(dir.path()).args([
        "user",
        "add",
        "--email",
        "x@example.com",
        "--name",
        "X",
        "--role",
        "boss",
    ]));
    assert!(!output.status.success() && text.contains("--role"), "{text}");
    let (output, text) = run(closer(dir.path()).args([
        "user",
        "add",
        "--email",
        "y@example.com",
        "--name",
        "Y",
        "--password",
        "password",
    ]));
    assert!(
        !output.status.success() && text.contains("password"),
        "a guessable password is refused: {text}"
    );

    let mut server = Server::start({
        let mut command = closer(dir.path());
        command.args(["serve", "--listen", "127.0.0.1:0"]);
        command
    });
    server.sign_in("li.na@example.com", &password).await;
    assert_eq!(server.get("/api/v1/session").await["user"]["role"], "manager");

    run_ok(&["user", "disable", "li.na@example.com"]);
    let after = reqwest::Client::new()
        .get(format!("{}/api/v1/session", server.base))
        .header("cookie", server.cookie.clone().expect("a cookie"))
        .send()
        .await
        .expect("request");
    assert_eq!(
        after.status(),
        401,
        "a disabled user's session ends on the next request"
    );
    assert!(run_ok(&["user", "list"]).contains("li.na@example.com\t李娜\tmanager\tdisabled"));

    run_ok(&["user", "enable", "li.na@example.com"]);
    let reset = run_ok(&[
        "user",
        "reset-password",
        "li.na@example.com",
        "--password",
        "a much better passphrase",
    ]);
    assert!(reset.contains("password reset"), "{reset}");
    server.sign_in("li.na@example.com", "a much better passphrase").await;
    let (output, text) = run(closer(dir.path()).args(["user", "disable", "nobody@example.com"]));
    assert!(
        !output.status.success() && text.contains("nobody@example.com"),
        "{text}"
    );
}

/// Generates a small benchmark workspace into `url` (SQLite in `dir` when `None`), serves it,
/// and returns its deals as the admin sees them over the API.
async fn generate_and_read(dir: &Path, url: Option<&str>, seed: &str) -> Vec<Value> {
    let mut generate = closer(dir);
    generate.args(["bench", "generate", "--deals", "300", "--people", "400", "--seed", seed]);
    if let Some(url) = url {
        generate.env("CLOSER_DATABASE_URL", url);
    }
    let (output, text) = run(&mut generate);
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("generated: ") && text.contains("300 deals") && text.contains("deals/s"),
        "{text}"
    );
    let password = admin_password(&text).expect("the generator made the admin");

    let (again, text_again) = run(&mut generate);
    assert!(
        !again.status.success(),
        "a second run into the same database is refused"
    );
    assert!(text_again.contains("already has deals"), "{text_again}");

    let mut server = Server::start({
        let mut command = closer(dir);
        command.args(["serve", "--listen", "127.0.0.1:0"]);
        if let Some(url) = url {
            command.env("CLOSER_DATABASE_URL", url);
        }
        command
    });
    server.sign_in("admin@closer.local", &password).await;
    let deals = server.all("/api/v1/deals").await;
    let people = server.all("/api/v1/people").await;
    assert!((350..=450).contains(&people.len()), "{} people", people.len());
    // The board's columns, added up from the totals the database keeps, count every open deal
    // the bulk load wrote.
    for kind in ["b2c", "b2b"] {
        let mut request = reqwest::Client::new().get(format!("{}/board?kind={kind}", server.base));
        if let Some(cookie) = &server.cookie {
            request = request.header("cookie", cookie);
        }
        let html = request.send().await.expect("board").text().await.expect("HTML");
        let on_board: usize = html
            .split("<span class=\"count\">")
            .skip(1)
            .filter_map(|rest| rest.split('<').next()?.replace(',', "").parse::<usize>().ok())
            .sum();
        let open = deals
            .iter()
            .filter(|d| d["kind"] == kind && d["status"] == "open")
            .count();
        assert_eq!(on_board, open, "{kind} board counts every open deal");
    }
    let kinds: BTreeSet<&str> = deals.iter().filter_map(|d| d["kind"].as_str()).collect();
    let statuses: BTreeSet<&str> = deals.iter().filter_map(|d| d["status"].as_str()).collect();
    assert_eq!(kinds, BTreeSet::from(["b2b", "b2c"]));
    assert_eq!(
        statuses,
        BTreeSet::from(["lost", "open", "won"]),
        "every stage, closed ones too"
    );
    let oldest = deals
        .iter()
        .filter_map(|d| d["created_at"].as_str())
        .min()
        .unwrap_or("")
        .to_owned();
    let year_ago = (time::OffsetDateTime::now_utc() - time::Duration::days(200))
        .date()
        .to_string();
    assert!(
        oldest < year_ago,
        "deals spread over the past year: the oldest is from {oldest}"
    );
    deals
}

#[tokio::test]
async fn bench_generate_makes_the_same_data_for_the_same_seed_on_both_databases() {
    let first = tempfile::tempdir().expect("temp dir");
    let deals = generate_and_read(first.path(), None, "7").await;
    assert_eq!(deals.len(), 300);
    let second = tempfile::tempdir().expect("temp dir");
    assert_eq!(
        fingerprint(&generate_and_read(second.path(), None, "7").await),
        fingerprint(&deals),
        "the same seed, the same data"
    );
    let third = tempfile::tempdir().expect("temp dir");
    assert_ne!(
        fingerprint(&generate_and_read(third.path(), None, "8").await),
        fingerprint(&deals)
    );

    let (refused, text) = run(closer(first.path()).args(["bench", "generate", "--deals", "0"]));
    assert!(
        !refused.status.success() && text.contains("at least one deal"),
        "{text}"
    );

    if let Some(admin_url) = postgres_admin_url() {
        let database = PgDatabase::create(&admin_url).await;
        let url = database.url_with_password("pw");
        let dir = tempfile::tempdir().expect("temp dir");
        let on_postgres = generate_and_read(dir.path(), Some(&url), "7").await;
        assert_eq!(
            fingerprint(&on_postgres),
            fingerprint(&deals),
            "PostgreSQL gets the very same data"
        );
        database.drop_database().await;
    }
}

#[tokio::test]
async fn bench_load_measures_a_local_server_and_refuses_others() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start({
        let mut command = closer(dir.path());
        command.args(["serve", "--listen", "127.0.0.1:0"]);
        command
    });
    let url = format!("{}/healthz", server.base);
    let (output, text) =
        run(closer(dir.path()).args(["bench", "load", "--url", &url, "--seconds", "1", "--concurrency", "4"]));
    assert!(output.status.success(), "{text}");
    let report: Value = serde_json::from_str(text.lines().last().unwrap_or("")).expect("one JSON line");
    let requests = report["requests"].as_u64().unwrap_or(0);
    assert!(requests > 10, "{report}");
    assert_eq!(report["errors"], 0, "{report}");
    assert!(
        report["p99_us"].as_u64() >= report["p50_us"].as_u64() && report["p50_us"].as_u64() > Some(0),
        "{report}"
    );
    assert!(report["requests_per_second"].as_f64().unwrap_or(0.0) > 10.0);
    assert!(
        report["server_p50_us"].as_u64() > Some(0),
        "the server's own time comes from Server-Timing: {report}"
    );

    // Answers outside 2xx count as errors: the API without a sign-in says 401.
    let api = format!("{}/api/v1/deals", server.base);
    let (output, text) =
        run(closer(dir.path()).args(["bench", "load", "--url", &api, "--seconds", "1", "--concurrency", "2"]));
    assert!(output.status.success(), "{text}");
    let report: Value = serde_json::from_str(text.lines().last().unwrap_or("")).expect("one JSON line");
    assert_eq!(report["errors"], report["requests"], "{report}");

    let (refused, text) =
        run(closer(dir.path()).args(["bench", "load", "--url", "http://example.com/", "--seconds", "1"]));
    assert!(
        !refused.status.success() && text.contains("only targets this machine"),
        "{text}"
    );
}

#[test]
fn bench_warm_paths_builds_the_index_and_races_the_search() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (output, text) = run(closer(dir.path()).args([
        "bench",
        "warm-paths",
        "--people",
        "5000",
        "--interactions",
        "50000",
        "--sellers",
        "10",
        "--queries",
        "200",
    ]));
    assert!(output.status.success(), "{text}");
    let line = text.lines().find(|l| l.starts_with('{')).expect("a JSON line");
    let report: Value = serde_json::from_str(line).expect("JSON");
    assert_eq!(report["interactions"], 50_000);
    assert!(report["ties"].as_u64().is_some_and(|t| t > 10_000), "{report}");
    assert!(
        report["paths_per_query"].as_f64().is_some_and(|p| p > 0.0),
        "questions find paths: {report}"
    );
    assert!(report["index_p99_us"].as_f64().is_some_and(|us| us > 0.0));
    assert!(report["search_p99_us"].as_f64().is_some_and(|us| us > 0.0));
    let (refused, text) = run(closer(dir.path()).args(["bench", "warm-paths", "--people", "1"]));
    assert!(
        !refused.status.success() && text.contains("at least two people"),
        "{text}"
    );
}

/// The benchmark run as CI's smoke check: a small size on each database, every workload
/// answered without errors and the report written with its baselines.
#[tokio::test]
async fn bench_run_measures_every_workload_against_its_baselines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("BENCHMARKS.md");
    let report_arg = report.display().to_string();
    let mut args = vec![
        "bench",
        "run",
        "--deals",
        "200",
        "--seconds",
        "0.3",
        "--concurrency",
        "2",
        "--report",
        &report_arg,
    ];
    let admin_url = postgres_admin_url();
    if let Some(url) = &admin_url {
        args.extend(["--postgres", url.as_str()]);
    }
    let (output, text) = run(closer(dir.path()).args(&args));
    assert!(output.status.success(), "{text}");
    let written = std::fs::read_to_string(&report).expect("the report is written");
    let backends: &[&str] = if admin_url.is_some() {
        &["SQLite", "PostgreSQL"]
    } else {
        &["SQLite"]
    };
    for backend in backends {
        let section = written
            .split("### ")
            .find(|s| s.starts_with(&format!("{backend} — 200 deals")))
            .unwrap_or_else(|| panic!("a section for {backend}: {written}"));
        for workload in [
            "hello world",
            "GET one deal",
            "list page",
            "board, administrator",
            "board, rep",
            "gates of a deal",
            "next best actions",
            "create a deal",
        ] {
            let row = section
                .lines()
                .find(|line| line.starts_with(&format!("| {workload}")))
                .unwrap_or_else(|| panic!("{backend}: a row for {workload}: {section}"));
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let rate: f64 = cells[3].parse().expect("req/s");
            assert!(rate > 0.0, "{backend} {workload} answered: {row}");
            assert_eq!(cells[9], "0", "{backend} {workload} without errors: {row}");
            let server_p50: f64 = cells[7].parse().expect("server p50");
            assert!(server_p50 > 0.0, "the server's own time is read: {row}");
        }
        for baseline in ["one transaction", "one commit per row"] {
            let row = section
                .lines()
                .find(|line| line.contains(baseline))
                .unwrap_or_else(|| panic!("{backend}: the {baseline} baseline: {section}"));
            let rate: f64 = row
                .split('|')
                .nth(2)
                .map(str::trim)
                .unwrap_or("")
                .parse()
                .expect("rows/s");
            assert!(rate > 0.0, "{row}");
        }
        assert!(section.contains("server RSS idle"), "{section}");
    }
    if let Some(url) = &admin_url {
        let mut admin = sqlx::PgConnection::connect(url).await.expect("postgres");
        let name = text
            .lines()
            .find_map(|line| line.strip_prefix("bench: PostgreSQL database "))
            .expect("the run names its database")
            .trim()
            .to_owned();
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
            .bind(&name)
            .fetch_one(&mut admin)
            .await
            .expect("count");
        assert_eq!(left, 0, "the run drops its databases");
    }

    let (refused, text) = run(closer(dir.path()).args(["bench", "run", "--deals", "0"]));
    assert!(
        !refused.status.success() && text.contains("at least one deal"),
        "{text}"
    );
}

#[test]
fn past_meetings_are_imported_from_a_calendar_file_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run_ok = |args: &[&str]| {
        let (output, text) = run(closer(dir.path()).args(args));
        assert!(output.status.success(), "closer {args:?}: {text}");
        text
    };
    run_ok(&[
        "user",
        "add",
        "--email",
        "li.na@example.com",
        "--name",
        "Li Na",
        "--role",
        "member",
    ]);
    let calendar = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a-1\r\nDTSTART:20260102T090000\r\n\
        LOCATION:Our office\r\nORGANIZER:mailto:admin@closer.local\r\nATTENDEE:mailto:Li.Na@Example.com\r\n\
        ATTENDEE:mailto:someone@elsewhere.cn\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    std::fs::write(dir.path().join("meetings.ics"), calendar).expect("file written");
    let first = run_ok(&[
        "import",
        "--kind",
        "interactions",
        "--timezone",
        "Asia/Shanghai",
        "meetings.ics",
    ]);
    assert!(
        first.contains("meetings.ics: 1 read, 1 created, 0 skipped, 0 failed"),
        "{first}"
    );
    let again = run_ok(&["import", "--kind", "interactions", "meetings.ics"]);
    assert!(
        again.contains("1 read, 0 created, 1 skipped, 0 failed") && again.contains("skipped 1: already imported"),
        "{again}"
    );

    let (output, text) = run(closer(dir.path()).args(["import", "--kind", "interactions", "meetings.txt"]));
    assert!(
        !output.status.success() && text.contains("give a .csv or an .ics file"),
        "{text}"
    );
    let (output, text) = run(closer(dir.path()).args(["import", "--kind", "interactions", "missing.csv"]));
    assert!(
        !output.status.success() && text.contains("cannot read missing.csv"),
        "{text}"
    );
}

#[test]
fn the_demo_exports_as_csv_to_a_file_or_the_standard_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run_ok = |args: &[&str]| {
        let (output, text) = run(closer(dir.path()).args(args));
        assert!(output.status.success(), "closer {args:?}: {text}");
        (output, text)
    };
    // On a fresh installation the new administrator's password is told on the standard error:
    // the standard output is the file alone.
    let (fresh, _) = run_ok(&["export", "--kind", "deals"]);
    let fresh = String::from_utf8(fresh.stdout).expect("UTF-8");
    assert_eq!(fresh.lines().count(), 1, "the header alone: {fresh}");
    run_ok(&["demo"]);
    let (_, said) = run_ok(&["export", "--kind", "deals", "--out", "deals.csv"]);
    assert!(said.contains("deals.csv") && said.contains("bytes written"), "{said}");
    let file = std::fs::read_to_string(dir.path().join("deals.csv")).expect("the file");
    let mut reader = csv::Reader::from_reader(file.trim_start_matches('\u{feff}').as_bytes());
    assert_eq!(
        reader.headers().expect("a header").iter().take(3).collect::<Vec<_>>(),
        ["id", "title", "kind"]
    );
    assert_eq!(reader.records().count(), 60, "every demo deal");
    let (output, _) = run_ok(&["export", "--kind", "people"]);
    let people = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(
        people.starts_with("\u{feff}id,name,emails,phones"),
        "{}",
        &people[..80.min(people.len())]
    );
    assert!(
        people.lines().skip(1).all(|l| !l.starts_with(['=', '+', '-', '@'])),
        "no row starts like a formula"
    );
    let (_, said) = run_ok(&["export", "--kind", "organisations", "--out", "organisations.csv"]);
    assert!(said.contains("organisations.csv"), "{said}");
    let organisations = std::fs::read_to_string(dir.path().join("organisations.csv")).expect("the file");
    assert_eq!(
        organisations.lines().count(),
        33,
        "32 demo organisations and the header"
    );
    let (output, text) = run(closer(dir.path()).args(["export", "--kind", "rumours"]));
    assert!(!output.status.success() && text.contains("rumours"), "{text}");
}

#[tokio::test]
async fn a_backup_under_write_load_restores_every_write_acknowledged_before_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = Server::start({
        let mut command = closer(dir.path());
        command.args(["serve", "--listen", "127.0.0.1:0"]);
        command
    });
    let password = admin_password(&server.banner.join("\n")).expect("the admin password");
    server.sign_in("admin@closer.local", &password).await;
    let server = std::sync::Arc::new(server);
    let writing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let writer = tokio::spawn({
        let (server, writing, acked) = (server.clone(), writing.clone(), acked.clone());
        async move {
            let mut n = 0;
            while writing.load(std::sync::atomic::Ordering::SeqCst) {
                n += 1;
                let (status, body) = server
                    .post("/api/v1/people", &serde_json::json!({ "name": format!("Writer {n}") }))
                    .await;
                assert_eq!(status, 201, "{body}");
                acked
                    .lock()
                    .expect("lock")
                    .push(body["id"].as_str().expect("id").to_owned());
            }
        }
    });
    while acked.lock().expect("lock").len() < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // Every write acknowledged now must be in the copy, however many follow during it.
    let before: Vec<String> = acked.lock().expect("lock").clone();
    let backup = tokio::task::spawn_blocking({
        let dir = dir.path().to_owned();
        move || run(closer(&dir).args(["backup", "backup.db"]))
    })
    .await
    .expect("backup ran");
    assert!(
        backup.0.status.success() && backup.1.contains("integrity ok"),
        "{}",
        backup.1
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    writing.store(false, std::sync::atomic::Ordering::SeqCst);
    writer.await.expect("the writer");
    let written = acked.lock().expect("lock").len();
    assert!(written > before.len(), "writes went on during the backup");
    drop(std::sync::Arc::into_inner(server).expect("the only handle"));

    let (output, text) = run(closer(dir.path()).args(["backup", "backup.db"]));
    assert!(!output.status.success() && text.contains("exists already"), "{text}");
    std::fs::write(dir.path().join("junk.db"), b"not a database").expect("junk");
    let (output, text) = run(closer(dir.path()).args(["restore", "junk.db"]));
    assert!(!output.status.success(), "{text}");
    let (output, text) = run(closer(dir.path()).args(["restore", "backup.db"]));
    assert!(output.status.success() && text.contains("restored"), "{text}");

    let mut again = Server::start({
        let mut command = closer(dir.path());
        command.args(["serve", "--listen", "127.0.0.1:0"]);
        command
    });
    again.sign_in("admin@closer.local", &password).await;
    let people: std::collections::HashSet<String> = again
        .all("/api/v1/people")
        .await
        .iter()
        .map(|p| p["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        before.iter().all(|id| people.contains(id)),
        "every write acknowledged before the backup"
    );
    assert!(people.len() <= written, "nothing that was never written");
}

#[tokio::test]
async fn on_postgres_backup_and_restore_point_to_pg_dump_and_pg_restore() {
    let Some(admin_url) = postgres_admin_url() else {
        return;
    };
    let database = PgDatabase::create(&admin_url).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = database.url_with_password("secret");
    let (output, text) = run(closer(dir.path())
        .env("CLOSER_DATABASE_URL", &url)
        .args(["backup", "b.dump"]));
    assert!(
        !output.status.success() && text.contains("pg_dump --format=custom"),
        "{text}"
    );
    assert!(!text.contains("secret"), "the password stays out of the output");
    assert!(!dir.path().join("b.dump").exists());
    let (output, text) = run(closer(dir.path())
        .env("CLOSER_DATABASE_URL", &url)
        .args(["restore", "b.dump"]));
    assert!(!output.status.success() && text.contains("pg_restore"), "{text}");
    database.drop_database().await;
}

#[test]
fn bench_hopper_gives_every_agent_different_calls_and_times_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (output, text) =
        run(closer(dir.path()).args(["bench", "hopper", "--entries", "3000", "--agents", "6", "--calls", "10"]));
    assert!(output.status.success(), "{text}");
    let line = text.lines().find(|l| l.starts_with('{')).expect("a JSON line");
    let report: Value = serde_json::from_str(line).expect("JSON");
    assert_eq!(report["calls"], 60, "six agents, ten calls each: {report}");
    assert_eq!(report["distinct_entries"], 60, "never the same entry twice");
    assert!(report["next_call_p99_ms"].as_f64().is_some_and(|ms| ms > 0.0));
    assert!(report["baseline_p99_ms"].as_f64().is_some_and(|ms| ms > 0.0));
    let (refused, text) = run(closer(dir.path()).args(["bench", "hopper", "--entries", "3"]));
    assert!(
        !refused.status.success() && text.contains("at least 10 entries"),
        "{text}"
    );
}

/// T9-import on one database: 10,000 rows with one bad row, killed (-9) part-way, resumed with
/// the same import id, then reverted.
fn import_is_killed_resumed_and_reverted(url: Option<&str>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let command = |args: &[&str]| {
        let mut command = closer(dir.path());
        command.args(args);
        if let Some(url) = url {
            command.env("CLOSER_DATABASE_URL", url);
        }
        command
    };
    let mut csv = String::from("Record ID,First Name,Last Name,Email,Phone Number,Company Name\n");
    for i in 0..10_000 {
        let email = if i == 4_321 {
            "broken-address".to_owned()
        } else {
            format!("p{i}@example.com")
        };
        let company = if i % 10 == 0 {
            format!("Company {}", i % 50)
        } else {
            String::new()
        };
        csv.push_str(&format!("{i},Person,{i},{email},+44 20 7946 {i:04},{company}\n"));
    }
    std::fs::write(dir.path().join("contacts.csv"), &csv).expect("file written");

    // Killed after its first batches are written.
    let mut child = command(&["import", "--kind", "people", "contacts.csv"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("closer runs");
    let stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let id = stderr
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            line.strip_prefix("import ")
                .and_then(|rest| rest.split_whitespace().next())
                .map(str::to_owned)
        })
        .expect("the import tells its id");
    std::thread::sleep(Duration::from_millis(300));
    child.kill().expect("killed");
    child.wait().expect("reaped");

    let (output, text) = run(&mut command(&[
        "import",
        "--kind",
        "people",
        "contacts.csv",
        "--resume",
        &id,
    ]));
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains(&format!(
            "import {id}: 10000 rows read, 9999 created, 0 updated, 0 skipped, 1 failed"
        )),
        "{text}"
    );
    assert!(
        text.contains("row 4323 Email: 'broken-address' is not a valid e-mail address"),
        "{text}"
    );
    let (output, again) = run(&mut command(&[
        "import",
        "--kind",
        "people",
        "contacts.csv",
        "--resume",
        &id,
    ]));
    assert!(
        !output.status.success() && again.contains("only a running one resumes"),
        "{again}"
    );

    let people = |command_for: &dyn Fn(&[&str]) -> Command| {
        let (output, text) = run(&mut command_for(&["export", "--kind", "people"]));
        assert!(output.status.success(), "{text}");
        let stdout = String::from_utf8(output.stdout).expect("UTF-8");
        let mut reader = csv::Reader::from_reader(stdout.trim_start_matches('\u{feff}').as_bytes());
        reader
            .records()
            .map(|r| r.expect("a row").get(2).unwrap_or_default().to_owned())
            .collect::<Vec<String>>()
    };
    let emails = people(&command);
    let distinct: BTreeSet<&String> = emails.iter().collect();
    assert_eq!(
        (emails.len(), distinct.len()),
        (9_999, 9_999),
        "no duplicates, none missing"
    );

    let (output, text) = run(&mut command(&["import", "--kind", "people", "--revert", &id]));
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("removed 1000 employment, 5 organisation, 9999 person"),
        "{text}"
    );
    assert!(people(&command).is_empty(), "the revert removes every person it made");
}

#[test]
fn an_import_killed_part_way_resumes_without_duplicates_and_reverts_on_sqlite() {
    import_is_killed_resumed_and_reverted(None);
}

#[tokio::test]
async fn an_import_killed_part_way_resumes_without_duplicates_and_reverts_on_postgres() {
    let Some(admin_url) = postgres_admin_url() else { return };
    let database = PgDatabase::create(&admin_url).await;
    let url = database.url_with_password("postgres");
    tokio::task::spawn_blocking(move || import_is_killed_resumed_and_reverted(Some(&url)))
        .await
        .expect("the scenario ran");
    database.drop_database().await;
}

/// Moving to another Closer: the demo's organisations, people and deals exported from one
/// installation (SQLite) and imported into another (`url`: PostgreSQL, else SQLite) land with
/// every deal's counterparty, stage and amount.
fn a_closer_export_moves_into_another_closer(url: Option<&str>) {
    let from = tempfile::tempdir().expect("temp dir");
    let to = tempfile::tempdir().expect("temp dir");
    let in_dir = |dir: &Path, args: &[&str], url: Option<&str>| {
        let mut command = closer(dir);
        command.args(args);
        if let Some(url) = url {
            command.env("CLOSER_DATABASE_URL", url);
        }
        let (output, text) = run(&mut command);
        assert!(output.status.success(), "closer {args:?}: {text}");
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    in_dir(from.path(), &["demo"], None);
    for kind in ["organisations", "people", "deals"] {
        let file = to.path().join(format!("{kind}.csv"));
        in_dir(
            from.path(),
            &["export", "--kind", kind, "--out", file.to_str().expect("a path")],
            None,
        );
    }
    // The demo's owners are users of the first installation only: that column is left alone.
    for kind in ["organisations", "people", "deals"] {
        let file = format!("{kind}.csv");
        in_dir(to.path(), &["import", "--kind", kind, &file, "--map", "owner="], url);
    }
    let summary = |text: &str| {
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let headers = reader.headers().expect("a header").clone();
        let at = |name: &str| headers.iter().position(|h| h == name).expect(name);
        let mut rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| {
                let r = r.expect("a row");
                ["title", "kind", "status", "stage", "amount", "currency", "counterparty"]
                    .iter()
                    .map(|name| r[at(name)].to_owned())
                    .collect()
            })
            .collect();
        rows.sort();
        rows
    };
    let before = summary(&std::fs::read_to_string(to.path().join("deals.csv")).expect("the export"));
    let after = summary(&in_dir(to.path(), &["export", "--kind", "deals"], url));
    assert_eq!(before.len(), 60, "every demo deal was exported");
    assert_eq!(
        after, before,
        "every deal arrived with its counterparty, stage and amount"
    );
    let organisations = in_dir(to.path(), &["export", "--kind", "organisations"], url);
    assert_eq!(organisations.lines().count(), 33, "no organisation made twice");
}

#[test]
fn a_closer_export_moves_into_another_closer_on_sqlite() {
    a_closer_export_moves_into_another_closer(None);
}

#[tokio::test]
async fn a_closer_export_moves_into_another_closer_on_postgres() {
    let Some(admin_url) = postgres_admin_url() else { return };
    let database = PgDatabase::create(&admin_url).await;
    let url = database.url_with_password("postgres");
    tokio::task::spawn_blocking(move || a_closer_export_moves_into_another_closer(Some(&url)))
        .await
        .expect("the scenario ran");
    database.drop_database().await;
}
