//! The web application in a real browser: Debian's Chromium driven by chromedriver. Runs when
//! both are installed; `CLOSER_REQUIRE_BROWSER=1` (set by `.ci/run`) makes their absence a
//! failure. A failed story leaves a screenshot under `target/browser-failures/`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::support::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, on_both_backends};

fn program(variable: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var(variable).map_or_else(|_| PathBuf::from(default), PathBuf::from);
    path.exists().then_some(path)
}

/// A headless Chromium with a fresh profile, and the chromedriver that drives it.
struct Browser {
    client: Client,
    driver: Child,
    _profile: TempDir,
}

impl Browser {
    /// None (after saying why) when Chromium or chromedriver is missing and not required.
    async fn start() -> Option<Browser> {
        let required = std::env::var("CLOSER_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        let (Some(chromium), Some(chromedriver)) = (
            program("CLOSER_CHROMIUM", "/usr/bin/chromium"),
            program("CLOSER_CHROMEDRIVER", "/usr/bin/chromedriver"),
        ) else {
            assert!(
                !required,
                "CLOSER_REQUIRE_BROWSER=1 but chromium or chromedriver is not installed"
            );
            eprintln!("skipped: install chromium and chromium-driver to run the browser stories");
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("a profile directory");
        let arguments = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1600,1000",
        ];
        let mut args: Vec<String> = arguments.iter().map(|a| (*a).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args }
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("an object literal")
        };
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = String::new();
        for _ in 0..100 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Some(Browser {
                        client,
                        driver,
                        _profile: profile,
                    });
                }
                Err(e) => last_error = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start a browser: {last_error}");
    }

    async fn stop(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }

    /// Keeps a screenshot of the page for whoever reads the failure.
    async fn keep_screenshot(&self, name: &str) -> Option<PathBuf> {
        let png = self.client.screenshot().await.ok()?;
        let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-failures");
        std::fs::create_dir_all(&directory).ok()?;
        let path = directory.join(format!("{name}.png"));
        std::fs::write(&path, png).ok()?;
        Some(path)
    }
}

type Step<T = ()> = Result<T, String>;

fn ensure(condition: bool, what: impl Into<String>) -> Step {
    if condition { Ok(()) } else { Err(what.into()) }
}

trait OrSay<T> {
    fn or_say(self, what: &str) -> Step<T>;
}

impl<T, E: std::fmt::Display> OrSay<T> for Result<T, E> {
    fn or_say(self, what: &str) -> Step<T> {
        self.map_err(|e| format!("{what}: {e}"))
    }
}

/// Runs a story in a fresh browser; on failure keeps a screenshot and fails the test.
async fn in_browser<F>(app: &TestApp, name: &str, story: F)
where
    F: AsyncFnOnce(&TestApp, &Client) -> Step,
{
    let Some(browser) = Browser::start().await else { return };
    let outcome = story(app, &browser.client).await;
    if let Err(failure) = outcome {
        let shot = browser.keep_screenshot(name).await;
        browser.stop().await;
        panic!("{failure} (screenshot: {shot:?})");
    }
    // CLOSER_KEEP_SCREENSHOTS=1 keeps the last page of every story, to look at the screens.
    if std::env::var("CLOSER_KEEP_SCREENSHOTS").is_ok_and(|v| v == "1") {
        browser.keep_screenshot(&format!("{name}-last")).await;
    }
    browser.stop().await;
}

async fn sign_in(app: &TestApp, browser: &Client, email: &str, password: &str) -> Step {
    browser
        .goto(&format!("{}/login", app.base))
        .await
        .or_say("open the sign-in page")?;
    browser
        .find(Locator::Css("input[name=email]"))
        .await
        .or_say("the e-mail field")?
        .send_keys(email)
        .await
        .or_say("type the e-mail")?;
    let password_field = browser
        .find(Locator::Css("input[name=password]"))
        .await
        .or_say("the password field")?;
    password_field.send_keys(password).await.or_say("type the password")?;
    browser
        .find(Locator::Css(".login button[type=submit]"))
        .await
        .or_say("the sign-in button")?
        .click()
        .await
        .or_say("sign in")?;
    browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("[data-section]"))
        .await
        .or_say("my day after signing in")?;
    browser
        .find(Locator::Css(".main-nav a[href='/board']"))
        .await
        .or_say("the board in the menu")?
        .click()
        .await
        .or_say("open the board")?;
    browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("body[data-board-ready]"))
        .await
        .or_say("the board, ready to drag")?;
    Ok(())
}

/// The card of `deal`, found inside the column of `stage_key`.
fn card_in(stage_key: &str, deal: &str) -> String {
    format!(".column[data-stage=\"{stage_key}\"] .card[data-deal=\"{deal}\"]")
}

/// Drags a card onto a column the way a mouse would, through the page's own drag handlers.
/// (WebDriver's pointer actions do not start HTML5 drag and drop in Chromium, so the events are
/// dispatched directly; the page's script and the server's gates do the rest.)
async fn drag(browser: &Client, deal: &str, stage_key: &str) -> Step {
    let script = r#"
        const [deal, stage] = arguments;
        const card = document.querySelector(`.card[data-deal="${deal}"]`);
        const column = document.querySelector(`.column[data-stage="${stage}"]`);
        if (!card || !column) return false;
        const data = new DataTransfer();
        card.dispatchEvent(new DragEvent("dragstart", { bubbles: true, dataTransfer: data }));
        column.dispatchEvent(new DragEvent("dragover", { bubbles: true, cancelable: true, dataTransfer: data }));
        column.dispatchEvent(new DragEvent("drop", { bubbles: true, cancelable: true, dataTransfer: data }));
        card.dispatchEvent(new DragEvent("dragend", { bubbles: true, dataTransfer: data }));
        return true;
    "#;
    let dropped = browser
        .execute(script, vec![json!(deal), json!(stage_key)])
        .await
        .or_say("drag the card")?;
    ensure(
        dropped == json!(true),
        format!("no card {deal} or column {stage_key} to drag between"),
    )
}

on_both_backends! {
    async fn a_rep_drags_a_b2b_deal_into_a_gate_then_meets_it_and_reads_the_board_in_chinese(app: &TestApp) {
        in_browser(app, "gate_story", async |app, browser| {
            sign_in(app, browser, ADMIN_EMAIL, ADMIN_PASSWORD).await?;

            // The organisation, and the head of IT who works there, through their forms.
            browser.goto(&format!("{}/organisations", app.base)).await.or_say("the organisations")?;
            browser.find(Locator::Css(".page-title a.new")).await.or_say("the New organisation link")?.click().await.or_say("open the form")?;
            let form = browser.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("form.record-form")).await.or_say("the organisation form")?;
            form.find(Locator::Css("input[name=name]")).await.or_say("the name field")?.send_keys("Acme Robotics").await.or_say("type the name")?;
            form.find(Locator::Css("button[type=submit]")).await.or_say("the save button")?.click().await.or_say("save")?;
            browser.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(".deal-header a.new")).await.or_say("the organisation's page")?.click().await.or_say("add someone who works there")?;
            let form = browser.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("form.record-form")).await.or_say("the person form")?;
            form.find(Locator::Css("input[name=name]")).await.or_say("the name field")?.send_keys("Li Wei").await.or_say("type the name")?;
            form.find(Locator::Css("input[name=department]")).await.or_say("the department field")?.send_keys("IT").await.or_say("type the department")?;
            form.find(Locator::Css("button[type=submit]")).await.or_say("the save button")?.click().await.or_say("save")?;
            let page = browser.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("[data-section='party.employments'] a")).await.or_say("Li Wei's workplace")?;
            let organisation = page.attr("href").await.or_say("the workplace link")?.unwrap_or_default().trim_start_matches("/organisations/").to_owned();
            let url = browser.current_url().await.or_say("Li Wei's address")?;
            let head = url.path().trim_start_matches("/people/").to_owned();
            ensure(!organisation.is_empty() && !head.is_empty(), "the forms lead to the new records")?;
            browser.goto(&format!("{}/board?playbook=b2b_default", app.base)).await.or_say("the board")?;

            // A B2B deal for an organisation, through the form.
            browser.find(Locator::Css(".tabs a.new")).await.or_say("the New deal link")?.click().await.or_say("open the form")?;
            let form = browser.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("form.record-form")).await.or_say("the deal form")?;
            form.find(Locator::Css("input[name=title]")).await.or_say("the title field")?.send_keys("Assembly line").await.or_say("type the title")?;
            form.find(Locator::Css("select[name=counterparty_id]")).await.or_say("the organisation picker")?.select_by_value(&organisation).await.or_say("pick Acme")?;
            form.find(Locator::Css("input[name=amount]")).await.or_say("the amount field")?.send_keys("500,000").await.or_say("type the amount")?;
            form.find(Locator::Css("select[name=currency]")).await.or_say("the currency picker")?.select_by_value("CNY").await.or_say("pick CNY")?;
            form.find(Locator::Css("button[type=submit]")).await.or_say("the create button")?.click().await.or_say("create")?;
            browser.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(".deal-header")).await.or_say("the new deal's page")?;
            let url = browser.current_url().await.or_say("the deal's address")?;
            let deal = url.path().trim_start_matches("/deals/").to_owned();
            browser.goto(&format!("{}/board?playbook=b2b_default", app.base)).await.or_say("back to the board")?;
            browser.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("body[data-board-ready]")).await.or_say("the board")?;
            browser.find(Locator::Css(&card_in("b2b_qualify", &deal))).await.or_say("the new deal in Qualify")?;

            // Dragged past its gate, the card snaps back and says why, with the difference.
            // Pages move through htmx: a mark left on this page's window survives the next page.
            browser.execute("window.closerStayed = true;", vec![]).await.or_say("mark the window")?;
            drag(browser, &deal, "b2b_first_meeting").await?;
            let refused = browser
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::Css(&format!("{} .refusal", card_in("b2b_qualify", &deal))))
                .await
                .or_say("the refusal on the card")?;
            let reason = refused.text().await.or_say("the refusal's text")?;
            ensure(reason.contains("D1") && reason.contains("Add the first stakeholder"), format!("the refusal names the gap: {reason}"))?;
            let stayed = browser.execute("return [window.closerStayed === true, location.pathname];", vec![]).await.or_say("read the window")?;
            ensure(
                stayed == json!([true, "/board"]),
                format!("htmx swapped the pages in one window, and a refused move keeps the board's address: {stayed}"),
            )?;

            // Meet the gate in the deal workspace: a stakeholder, then a first meeting at our office.
            browser.goto(&format!("{}/deals/{deal}", app.base)).await.or_say("open the deal")?;
            browser.find(Locator::Css(".committee details.add summary")).await.or_say("the stakeholder form")?.click().await.or_say("open it")?;
            let form = browser.find(Locator::Css(".committee details.add form")).await.or_say("the stakeholder form")?;
            form.find(Locator::Css("select[name=person_id]")).await.or_say("the person picker")?.select_by_value(&head).await.or_say("pick Li Wei")?;
            form.find(Locator::Css("input[name=department]")).await.or_say("the department")?.send_keys("IT").await.or_say("type it")?;
            form.find(Locator::Css("input[name=roles][value=technical_buyer]")).await.or_say("the role box")?.click().await.or_say("tick it")?;
            form.find(Locator::Css("button[type=submit]")).await.or_say("the add button")?.click().await.or_say("add")?;
            let map = browser.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(".committee-map .stakeholder")).await.or_say("the new stakeholder")?;
            ensure(map.text().await.or_say("its text")?.contains("Li Wei"), "Li Wei is on the committee")?;

            browser.find(Locator::Css(".meetings > details.add summary")).await.or_say("the meeting form")?.click().await.or_say("open it")?;
            let form = browser.find(Locator::Css(".meetings > details.add form")).await.or_say("the meeting form")?;
            form.find(Locator::Css("select[name=purpose]")).await.or_say("the purpose")?.select_by_value("first_meeting").await.or_say("pick it")?;
            form.find(Locator::Css("select[name=venue]")).await.or_say("the venue")?.select_by_value("our_office").await.or_say("pick it")?;
            // Date and time pickers read typed keys in the browser's locale; set their values.
            let set = "document.querySelector('.meetings > details.add input[name=date]').value = '2026-12-01';\
                       document.querySelector('.meetings > details.add input[name=time]').value = '10:00';";
            browser.execute(set, vec![]).await.or_say("fill the date and time")?;
            form.find(Locator::Css("input[name=objective]")).await.or_say("the objective")?.send_keys("Walk the line").await.or_say("type it")?;
            form.find(Locator::Css(&format!("input[name=invite][value='person:{head}']"))).await.or_say("the invite box")?.click().await.or_say("invite Li Wei")?;
            form.find(Locator::Css("button[type=submit]")).await.or_say("the plan button")?.click().await.or_say("plan")?;
            let planned = browser.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(".timeline .meeting")).await.or_say("the planned meeting")?;
            ensure(planned.text().await.or_say("its text")?.contains("Home ground"), "a meeting at our office is home ground")?;

            // Back on the board, the card moves from the keyboard path.
            browser.goto(&format!("{}/board?playbook=b2b_default", app.base)).await.or_say("reload the board")?;
            let card = browser.find(Locator::Css(&card_in("b2b_qualify", &deal))).await.or_say("the card")?;
            let select = card.find(Locator::Css("select[name=stage_id]")).await.or_say("the card's stage picker")?;
            let first_meeting = app.stage("b2b", "b2b_first_meeting").await;
            select.select_by_value(&first_meeting).await.or_say("pick First meeting")?;
            card.find(Locator::Css("form.move button")).await.or_say("the Move button")?.click().await.or_say("move")?;
            browser
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::Css(&card_in("b2b_first_meeting", &deal)))
                .await
                .or_say("the card in First meeting")?;

            // 中文: the same board, in Chinese.
            browser.find(Locator::Css("form.language button[value=zh-CN]")).await.or_say("the Chinese switch")?.click().await.or_say("switch")?;
            browser.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("html[lang=zh-CN]")).await.or_say("a Chinese page")?;
            let headings = browser.find(Locator::Css(".board")).await.or_say("the board")?.text().await.or_say("the board's text")?;
            ensure(headings.contains("首次会面") && headings.contains("决策人会面") && headings.contains("¥500,000.00"), format!("the board in Chinese: {headings}"))?;

            // The card opens the deal workspace, with its cycle clock drawn.
            browser.find(Locator::Css(&format!("{} .card-title a", card_in("b2b_first_meeting", &deal)))).await.or_say("the card's link")?.click().await.or_say("open the deal")?;
            let clock = browser.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(".cycle-clock .clock-face")).await.or_say("the cycle clock")?;
            ensure(clock.is_displayed().await.or_say("the clock's visibility")?, "the cycle clock is visible")?;
            let committee = browser.find(Locator::Css(".committee-map")).await.or_say("the committee map")?.text().await.or_say("its text")?;
            ensure(committee.contains("Li Wei") && committee.contains("技术把关人"), format!("the committee in Chinese: {committee}"))?;
            Ok(())
        })
        .await;
    }

    async fn script_in_names_never_runs_in_the_browser(app: &TestApp) {
        let payloads = [
            "<script>window.__pwned = 'script'</script>",
            "<img src=x onerror=\"window.__pwned = 'img'\">",
            "\"><svg onload=\"window.__pwned = 'svg'\">",
        ];
        for payload in payloads {
            let organisation = app.create_organisation(payload).await.id();
            let body = json!({ "title": payload, "kind": "b2b", "counterparty_id": organisation, "currency": "USD" });
            app.post("/api/v1/deals", &body).await.expect(201);
        }
        in_browser(app, "xss", async |app, browser| {
            sign_in(app, browser, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
            let titles = browser.find_all(Locator::Css(".card-title")).await.or_say("the cards")?;
            let mut shown = Vec::new();
            for title in titles {
                shown.push(title.text().await.or_say("a card title")?);
            }
            for payload in payloads {
                ensure(shown.iter().any(|t| t == payload), format!("{payload} is shown as text, in {shown:?}"))?;
            }
            let pwned = browser.execute("return window.__pwned === undefined ? null : window.__pwned;", vec![]).await.or_say("read the page")?;
            ensure(pwned == Value::Null, format!("a payload ran: {pwned}"))?;
            ensure(browser.get_alert_text().await.is_err(), "no dialog opened")?;
            Ok(())
        })
        .await;
    }
}

on_both_backends! {
    async fn a_founder_imports_a_chinese_spreadsheet_then_merges_the_duplicate_it_made(app: &TestApp) {
        // Ann is already on file; the spreadsheet holds her again under another e-mail.
        app.post("/api/v1/people", &json!({ "name": "王小明", "phones": ["+8613800138000"] })).await.expect(201);
        let folder = TempDir::new().expect("a folder for the file");
        let file = folder.path().join("客户.csv");
        let text = "姓名,手机,邮箱,公司\n王小明,13800138000,xm@star.example,星辰科技\n李娜,13900139000,li.na@star.example,星辰科技\n";
        std::fs::write(&file, encoding_rs::GB18030.encode(text).0).expect("the file is written");
        in_browser(app, "import_story", async |app, browser| {
            sign_in(app, browser, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
            browser.find(Locator::Css(".main-nav a[href='/data']")).await.or_say("Data in the menu")?.click().await.or_say("open the data page")?;
            browser.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("input[type=file]")).await.or_say("the upload form")?;
            browser.find(Locator::Css("input[name=phone_prefix]")).await.or_say("the calling code")?.send_keys("+86").await.or_say("type +86")?;
            browser
                .find(Locator::Css("input[type=file]"))
                .await
                .or_say("the file field")?
                .send_keys(&file.to_string_lossy())
                .await
                .or_say("choose the file")?;
            browser.find(Locator::Css("button[value=import]")).await.or_say("the import button")?.click().await.or_say("import")?;
            browser
                .wait()
                .at_most(Duration::from_secs(20))
                .for_element(Locator::Css("[data-status=finished]"))
                .await
                .or_say("the import, finished")?;
            let created = browser.find(Locator::Css("[data-count=updated]")).await.or_say("the updated count")?.text().await.or_say("read it")?;
            ensure(created == "1", format!("王小明 is found by phone and updated, not made twice (updated: {created})"))?;
            let created = browser.find(Locator::Css("[data-count=created]")).await.or_say("the created count")?.text().await.or_say("read it")?;
            ensure(created == "1", format!("李娜 is new (created: {created})"))?;

            // A second 王小明 typed by hand: the form warns, then makes it when told to.
            browser.goto(&format!("{}/people/new", app.base)).await.or_say("the new-person form")?;
            browser.find(Locator::Css("input[name=name]")).await.or_say("the name")?.send_keys("王小明").await.or_say("type the name")?;
            browser.find(Locator::Css("input[name=phone]")).await.or_say("the phone")?.send_keys("+86 138 0013 8000").await.or_say("type the phone")?;
            browser.find(Locator::Css(".record-form button[type=submit]")).await.or_say("save")?.click().await.or_say("save the person")?;
            browser.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("[data-duplicates]")).await.or_say("the duplicate warning")?;
            browser.find(Locator::Css("button[name=create_anyway]")).await.or_say("create anyway")?.click().await.or_say("create anyway")?;
            browser.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("section[data-section]")).await.or_say("the new person's page")?;

            // The finder pairs them; keeping the first merges the second into it.
            browser.goto(&format!("{}/duplicates?kind=people", app.base)).await.or_say("the finder")?;
            browser.find(Locator::Css(".duplicate-pair form button")).await.or_say("a keep button")?.click().await.or_say("merge")?;
            browser.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("[data-merged]")).await.or_say("merged")?;
            let left = browser.find_all(Locator::Css(".duplicate-pair")).await.or_say("the pairs left")?;
            ensure(left.is_empty(), format!("no pair is left ({} shown)", left.len()))?;
            Ok(())
        })
        .await;
        let people = app.all("/api/v1/people?q=王小明").await;
        assert_eq!(people.len(), 1, "one 王小明 after the merge: {people:?}");
    }
}
