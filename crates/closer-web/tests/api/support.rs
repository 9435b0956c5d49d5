//! A real server on 127.0.0.1:0 over a fresh database per test, on SQLite and on PostgreSQL.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use closer_store::Db;
use closer_web::app::bootstrap::{AdminSetup, ensure_installation};
use closer_web::{AppState, router};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sqlx::Connection;
use tempfile::TempDir;

/// Runs each scenario once on SQLite and once on PostgreSQL.
macro_rules! on_both_backends {
    ($(async fn $name:ident($app:ident: &TestApp) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn scenario($app: &$crate::support::TestApp) $body

            #[tokio::test]
            async fn sqlite() {
                let app = $crate::support::TestApp::sqlite().await;
                scenario(&app).await;
                app.cleanup().await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(app) = $crate::support::TestApp::postgres().await else { return };
                scenario(&app).await;
                app.cleanup().await;
            }
        }
    )*};
}
pub(crate) use on_both_backends;

/// The first administrator's sign-in, in every test database.
pub const ADMIN_EMAIL: &str = "admin@test.example";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// How a request proves who sends it.
#[derive(Debug, Clone)]
pub enum Auth {
    Nobody,
    Bearer(String),
    /// A session cookie (`name=value`) and its CSRF token.
    Session {
        cookie: String,
        csrf: String,
    },
}

/// A running Closer and a client for it; requests go as the administrator unless sent through
/// [`TestApp::as_`].
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub admin: Auth,
    server: tokio::task::JoinHandle<()>,
    postgres_database: Option<String>,
    _dir: Option<TempDir>,
}

/// An answer: status, headers and the JSON body (Null when the body is empty or not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn etag(&self) -> String {
        self.header("etag").expect("an ETag header").to_owned()
    }

    pub fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {}", self.body))
            .to_owned()
    }

    /// The fields named by a validation problem.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.body);
        self
    }

    /// Asserts a problem+json answer with `status` that names `field`.
    #[track_caller]
    pub fn expect_field_error(self, status: u16, field: &str) -> Self {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.body);
        assert_eq!(self.header("content-type"), Some("application/problem+json"));
        assert!(
            self.error_fields().iter().any(|f| f == field),
            "expected an error on {field}; got {}",
            self.body
        );
        self
    }
}

fn postgres_admin_url() -> Option<String> {
    std::env::var("CLOSER_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())
}

fn require_postgres() -> bool {
    std::env::var("CLOSER_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// The URL of another database on the same server as `url`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
    match query {
        Some(q) => format!("{prefix}/{database}?{q}"),
        None => format!("{prefix}/{database}"),
    }
}

/// A migrated template database, built once per migration set and shared by test processes.
fn postgres_template(admin_url: &str) -> Result<String, String> {
    static TEMPLATE: OnceLock<Result<String, String>> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let admin_url = admin_url.to_owned();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                runtime.block_on(build_template(&admin_url))
            })
            .join()
            .map_err(|_| "template builder panicked".to_owned())?
        })
        .clone()
}

fn migrations_fingerprint() -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../closer-store/migrations/postgres");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in files {
        for byte in std::fs::read(&file).unwrap_or_default() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

async fn build_template(admin_url: &str) -> Result<String, String> {
    let name = format!("closer_tpl_{}", migrations_fingerprint());
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .map_err(|e| format!("cannot reach PostgreSQL: {e}"))?;
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut admin)
        .await
        .map_err(|e| e.to_string())?;
    if exists.is_some() {
        return Ok(name);
    }
    let building = format!("closer_tplb_{}", uuid::Uuid::now_v7().simple());
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {building}")))
        .execute(&mut admin)
        .await
        .map_err(|e| e.to_string())?;
    let db = Db::connect(&with_database(admin_url, &building), 1)
        .await
        .map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    db.close().await;
    // Another process may have finished first; then its template is used and ours dropped.
    let renamed = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE {building} RENAME TO {name}"
    )))
    .execute(&mut admin)
    .await;
    if renamed.is_err() {
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {building}")))
            .execute(&mut admin)
            .await;
    }
    Ok(name)
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("closer.db").display());
        let db = Db::connect(&url, 4).await.expect("open SQLite");
        db.migrate().await.expect("migrate SQLite");
        Self::start(db, None, Some(dir)).await
    }

    /// None (after printing why) when PostgreSQL is not configured and not required.
    pub async fn postgres() -> Option<TestApp> {
        let Some(admin_url) = postgres_admin_url() else {
            assert!(
                !require_postgres(),
                "CLOSER_REQUIRE_POSTGRES=1 but CLOSER_TEST_POSTGRES_URL is not set"
            );
            eprintln!("skipped on PostgreSQL: set CLOSER_TEST_POSTGRES_URL to run it");
            return None;
        };
        let template = match postgres_template(&admin_url) {
            Ok(template) => template,
            Err(e) if require_postgres() => panic!("PostgreSQL is required but unusable: {e}"),
            Err(e) => {
                eprintln!("skipped on PostgreSQL: {e}");
                return None;
            }
        };
        let name = format!("closer_test_{}", uuid::Uuid::now_v7().simple());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("connect to PostgreSQL");
        let mut attempt = 0;
        loop {
            let created = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "CREATE DATABASE {name} TEMPLATE {template}"
            )))
            .execute(&mut admin)
            .await;
            match created {
                Ok(_) => break,
                // The template is briefly busy while another test copies it.
                Err(e) if attempt < 50 => {
                    attempt += 1;
                    if attempt == 50 {
                        panic!("cannot create a test database: {e}");
                    }
                    tokio::time::sleep(Duration::from_millis(20 * attempt)).await;
                }
                Err(e) => panic!("cannot create a test database: {e}"),
            }
        }
        let _ = admin.close().await;
        let db = Db::connect(&with_database(&admin_url, &name), 4)
            .await
            .expect("open the test database");
        Some(Self::start(db, Some(name), None).await)
    }

    async fn start(db: Db, postgres_database: Option<String>, dir: Option<TempDir>) -> TestApp {
        // Server errors (with their causes) show in a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_env_filter("error")
            .with_test_writer()
            .try_init();
        let setup = AdminSetup {
            email: ADMIN_EMAIL.into(),
            password: Some(ADMIN_PASSWORD.into()),
        };
        let installation = ensure_installation(&db, &setup).await.expect("bootstrap").installation;
        let (_, secret) = closer_web::app::auth::create_token(
            &db,
            installation.workspace,
            installation.admin,
            "tests",
            closer_domain::access::TokenScope::ReadWrite,
            None,
        )
        .await
        .expect("admin token");
        let app = router(AppState {
            db: db.clone(),
            installation,
            graphs: Default::default(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let server = tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await;
        });
        TestApp {
            base,
            client: reqwest::Client::new(),
            db,
            admin: Auth::Bearer(secret),
            server,
            postgres_database,
            _dir: dir,
        }
    }

    /// Requests sent with other credentials.
    pub fn as_<'a>(&'a self, auth: &'a Auth) -> Actor<'a> {
        Actor { app: self, auth }
    }

    fn admin_actor(&self) -> Actor<'_> {
        Actor {
            app: self,
            auth: &self.admin,
        }
    }

    /// Adds a user through the API and returns their id and a read-write token.
    pub async fn user(&self, email: &str, role: &str) -> (String, Auth) {
        let body =
            serde_json::json!({ "email": email, "display_name": email, "role": role, "password": ADMIN_PASSWORD });
        let id = self.post("/api/v1/users", &body).await.expect(201).id();
        let auth = self.token_for(email, ADMIN_PASSWORD, "read_write").await;
        (id, auth)
    }

    /// Signs in and returns the session cookie and CSRF token.
    pub async fn sign_in(&self, email: &str, password: &str) -> Auth {
        let body = serde_json::json!({ "email": email, "password": password });
        let answer = self.as_(&Auth::Nobody).post("/api/v1/session", &body).await.expect(201);
        let cookie = answer
            .header("set-cookie")
            .and_then(|c| c.split(';').next())
            .expect("a session cookie")
            .to_owned();
        let csrf = answer.body["csrf_token"].as_str().expect("a CSRF token").to_owned();
        Auth::Session { cookie, csrf }
    }

    /// Signs in as the user and makes an API token with `scope`.
    pub async fn token_for(&self, email: &str, password: &str, scope: &str) -> Auth {
        let session = self.sign_in(email, password).await;
        let body = serde_json::json!({ "name": "test", "scope": scope });
        let created = self.as_(&session).post("/api/v1/tokens", &body).await.expect(201);
        Auth::Bearer(
            created.body["token_secret"]
                .as_str()
                .expect("a token secret")
                .to_owned(),
        )
    }

    pub async fn cleanup(self) {
        self.server.abort();
        self.db.close().await;
        if let (Some(name), Some(admin_url)) = (self.postgres_database, postgres_admin_url())
            && let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await
        {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut admin)
            .await;
        }
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>, headers: &[(&str, &str)]) -> Answer {
        self.admin_actor().send(method, path, body, headers).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.admin_actor().get(path).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.admin_actor().post(path, body).await
    }

    pub async fn patch(&self, path: &str, etag: &str, body: &Value) -> Answer {
        self.admin_actor().patch(path, etag, body).await
    }

    pub async fn delete(&self, path: &str, etag: &str) -> Answer {
        self.admin_actor().delete(path, etag).await
    }

    pub async fn get_text(&self, path: &str) -> (StatusCode, HeaderMap, String) {
        self.admin_actor().get_text(path).await
    }

    pub async fn post_raw(&self, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> Answer {
        self.admin_actor().post_raw(path, content_type, body).await
    }

    pub async fn all(&self, path: &str) -> Vec<Value> {
        self.admin_actor().all(path).await
    }

    /// Creates a person and returns the answer.
    pub async fn create_person(&self, name: &str) -> Answer {
        self.post("/api/v1/people", &serde_json::json!({ "name": name }))
            .await
            .expect(201)
    }

    pub async fn create_organisation(&self, name: &str) -> Answer {
        self.post("/api/v1/organisations", &serde_json::json!({ "name": name }))
            .await
            .expect(201)
    }

    /// The playbook of a kind, as the API lists it.
    pub async fn playbook(&self, kind: &str) -> Value {
        let playbooks = self.get("/api/v1/playbooks").await.expect(200).body;
        playbooks
            .as_array()
            .and_then(|list| list.iter().find(|p| p["kind"] == kind).cloned())
            .expect("a playbook of that kind")
    }

    /// The id of the stage with `key` in the playbook of `kind`.
    pub async fn stage(&self, kind: &str, key: &str) -> String {
        let playbook = self.playbook(kind).await;
        playbook["stages"]
            .as_array()
            .and_then(|stages| stages.iter().find(|s| s["key"] == key))
            .and_then(|s| s["id"].as_str())
            .unwrap_or_else(|| panic!("no stage {key}"))
            .to_owned()
    }
}

/// Requests as one principal.
pub struct Actor<'a> {
    app: &'a TestApp,
    auth: &'a Auth,
}

impl Actor<'_> {
    fn authorise(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self.auth {
            Auth::Nobody => request,
            Auth::Bearer(token) => request.bearer_auth(token),
            Auth::Session { cookie, csrf } => request.header("cookie", cookie).header("x-csrf-token", csrf),
        }
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>, headers: &[(&str, &str)]) -> Answer {
        let mut request = self.authorise(self.app.client.request(method, format!("{}{path}", self.app.base)));
        if let Some(body) = body {
            request = request.json(body);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body read");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer { status, headers, body }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(Method::POST, path, Some(body), &[]).await
    }

    pub async fn patch(&self, path: &str, etag: &str, body: &Value) -> Answer {
        self.send(Method::PATCH, path, Some(body), &[("if-match", etag)]).await
    }

    pub async fn delete(&self, path: &str, etag: &str) -> Answer {
        self.send(Method::DELETE, path, None, &[("if-match", etag)]).await
    }

    /// A GET whose body is text (a CSV file): the status, the headers and the text.
    pub async fn get_text(&self, path: &str) -> (StatusCode, HeaderMap, String) {
        let response = self
            .authorise(self.app.client.get(format!("{}{path}", self.app.base)))
            .send()
            .await
            .expect("request sent");
        let (status, headers) = (response.status(), response.headers().clone());
        (status, headers, response.text().await.expect("body read"))
    }

    /// Sends raw bytes with a content type.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> Answer {
        let response = self
            .authorise(self.app.client.post(format!("{}{path}", self.app.base)))
            .header("content-type", content_type)
            .body(body.into())
            .send()
            .await
            .expect("request sent");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.json().await.unwrap_or(Value::Null);
        Answer { status, headers, body }
    }

    /// Every item of a list, following `next_after` through all pages.
    pub async fn all(&self, path: &str) -> Vec<Value> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let url = match &after {
                Some(cursor) => format!("{path}{separator}limit=200&after={cursor}"),
                None => format!("{path}{separator}limit=200"),
            };
            let page = self.get(&url).await.expect(200);
            items.extend(page.body["items"].as_array().cloned().unwrap_or_default());
            match page.body["next_after"].as_str() {
                Some(cursor) => after = Some(cursor.to_owned()),
                None => return items,
            }
        }
    }
}

/// A web page as the browser would get it: status, headers and the HTML, redirects not followed.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub html: String,
}

impl Page {
    /// The `name=value` part of each `Set-Cookie`.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .map(str::to_owned)
            .collect()
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies().into_iter().find(|c| c.starts_with(&format!("{name}=")))
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    /// The value of the hidden form field `name`.
    pub fn field(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.html.find(&marker)? + marker.len();
        Some(self.html[start..].split('"').next()?.to_owned())
    }
}

impl TestApp {
    /// Requests a page with `cookies` (`a=1; b=2`), posting `form` when given.
    pub async fn page(
        &self,
        path: &str,
        cookies: &str,
        form: Option<&[(&str, &str)]>,
        headers: &[(&str, &str)],
    ) -> Page {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client");
        let url = format!("{}{path}", self.base);
        let mut request = match form {
            Some(form) => client.post(url).form(form),
            None => client.get(url),
        };
        if !cookies.is_empty() {
            request = request.header("cookie", cookies);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("the page answers");
        let status = response.status();
        let headers = response.headers().clone();
        let html = response.text().await.expect("a body");
        Page { status, headers, html }
    }

    /// Posts a form with a file (`multipart/form-data`), as a browser sends an upload.
    pub async fn upload_page(&self, path: &str, cookies: &str, fields: &[(&str, &str)], file: (&str, &[u8])) -> Page {
        const BOUNDARY: &str = "closer-test-boundary-7MA4YWxkTrZu0gW";
        let mut body: Vec<u8> = Vec::new();
        for (name, value) in fields {
            body.extend(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
            );
        }
        let (file_name, bytes) = file;
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n").bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend(format!("\r\n--{BOUNDARY}--\r\n").bytes());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client");
        let response = client
            .post(format!("{}{path}", self.base))
            .header("cookie", cookies)
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(body)
            .send()
            .await
            .expect("the page answers");
        let status = response.status();
        let headers = response.headers().clone();
        let html = response.text().await.expect("a body");
        Page { status, headers, html }
    }

    /// Signs in through the sign-in form and returns the session cookie.
    pub async fn sign_in_page(&self, email: &str, password: &str) -> String {
        let form = self.page("/login", "", None, &[]).await;
        let login_cookie = form.cookie("closer_login").expect("a sign-in form cookie");
        let token = form.field("login_token").expect("a sign-in form token");
        let fields = [
            ("email", email),
            ("password", password),
            ("login_token", token.as_str()),
        ];
        let signed_in = self.page("/login", &login_cookie, Some(&fields), &[]).await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.html);
        signed_in.cookie("__Host-closer_session").expect("a session cookie")
    }
}
