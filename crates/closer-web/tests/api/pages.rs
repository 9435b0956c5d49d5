//! The web pages, server side: sign-in, the pipeline board, languages, escaping, sign-out.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, on_both_backends};

async fn b2b_deal(app: &TestApp, title: &str, amount_minor: i64, currency: &str) -> String {
    let organisation = app.create_organisation(&format!("{title} Ltd")).await.id();
    let body = json!({
        "title": title, "kind": "b2b", "counterparty_id": organisation,
        "amount_minor": amount_minor, "currency": currency
    });
    app.post("/api/v1/deals", &body).await.expect(201).id()
}

/// The B2B playbook's current revision.
async fn current_b2b(app: &TestApp) -> serde_json::Value {
    let playbooks = app.get("/api/v1/playbooks").await.expect(200).body;
    playbooks
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|p| p["kind"] == "b2b" && p["is_default"] == true)
                .cloned()
        })
        .expect("a current B2B playbook")
}

/// The HTML of one stage's column on the board.
fn column<'a>(html: &'a str, stage_key: &str) -> &'a str {
    let start = html
        .find(&format!("class=\"column\" data-stage=\"{stage_key}\""))
        .unwrap_or_else(|| panic!("no column {stage_key}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

on_both_backends! {
    async fn a_user_signs_in_through_the_form_and_only_with_its_token(app: &TestApp) {
        let deal = b2b_deal(app, "Fleet telematics", 4_800_000, "USD").await;
        let anonymous = app.page("/board", "", None, &[]).await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
        assert_eq!(anonymous.location(), Some("/login"));

        let form = app.page("/login", "", None, &[]).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.headers.get("content-security-policy").is_some(), "pages carry the CSP");
        let login_cookie = form.cookie("closer_login").expect("a form cookie");
        let token = form.field("login_token").expect("a form token");

        // Without the form's own token (a forged cross-site post) nothing signs in.
        let forged = [("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD), ("login_token", "forged")];
        let refused = app.page("/login", &login_cookie, Some(&forged), &[]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(refused.cookie("__Host-closer_session").is_none());

        // A wrong password keeps what was typed in the e-mail field.
        let wrong = [("email", ADMIN_EMAIL), ("password", "not it at all"), ("login_token", token.as_str())];
        let rejected = app.page("/login", &login_cookie, Some(&wrong), &[]).await;
        assert_eq!(rejected.status, StatusCode::UNAUTHORIZED);
        assert!(rejected.html.contains("Wrong e-mail or password"), "{}", rejected.html);
        assert!(rejected.html.contains(&format!("value=\"{ADMIN_EMAIL}\"")));
        assert!(rejected.cookie("__Host-closer_session").is_none());

        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let board = app.page("/board", &session, None, &[]).await;
        assert_eq!(board.status, StatusCode::OK);
        assert!(board.html.contains(&format!("data-deal=\"{deal}\"")), "the new deal is on the board");
        assert!(board.html.contains("Fleet telematics") && board.html.contains("$48,000.00"));
    }

    async fn the_board_shows_open_deals_by_stage_with_counts_and_totals(app: &TestApp) {
        b2b_deal(app, "Data platform", 10_000_000, "CNY").await;
        b2b_deal(app, "Analytics add-on", 2_550_000, "CNY").await;
        let lost = b2b_deal(app, "Abandoned pilot", 99_900, "CNY").await;
        let lost_stage = app.stage("b2b", "b2b_lost").await;
        app.post(&format!("/api/v1/deals/{lost}/move"), &json!({ "stage_id": lost_stage, "lost_reason": "no_budget" }))
            .await
            .expect(200);
        let person = app.create_person("Ann Lee").await.id();
        let b2c = json!({ "title": "Home solar kit", "kind": "b2c", "counterparty_id": person, "amount_minor": 1_280_000, "currency": "CNY" });
        app.post("/api/v1/deals", &b2c).await.expect(201);

        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let b2b = app.page("/board?playbook=b2b_default", &session, None, &[]).await;
        assert_eq!(b2b.status, StatusCode::OK);
        let qualify = column(&b2b.html, "b2b_qualify");
        assert!(qualify.contains("<span class=\"count\">2</span>"), "{qualify}");
        assert!(qualify.contains("¥125,500.00"), "the column total: {qualify}");
        assert!(qualify.contains("Data platform Ltd"), "cards name the counterparty");
        assert!(!b2b.html.contains("Abandoned pilot"), "closed deals are off the board");
        assert!(!b2b.html.contains("Home solar kit"), "B2C deals are on their own board");
        assert!(column(&b2b.html, "b2b_payment").contains("<span class=\"count\">0</span>"));

        let b2c_board = app.page("/board?playbook=b2c_default", &session, None, &[]).await;
        assert!(column(&b2c_board.html, "b2c_new_lead").contains("Home solar kit"));
        let missing = app.page("/board?playbook=nothing_like_it", &session, None, &[]).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
    }

    async fn a_full_column_counts_and_totals_every_deal_and_shows_the_longest_waiting_first(app: &TestApp) {
        let person = app.create_person("Ann Lee").await.id();
        let mut ids = Vec::new();
        for n in 0..55 {
            let deal = json!({ "title": format!("Kit {n:02}"), "kind": "b2c", "counterparty_id": person, "amount_minor": 100 + n, "currency": "CNY" });
            ids.push(app.post("/api/v1/deals", &deal).await.expect(201).id());
        }
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let board = app.page("/board?playbook=b2c_default", &session, None, &[]).await;
        let leads = column(&board.html, "b2c_new_lead");
        assert!(leads.contains("<span class=\"count\">55</span>"), "every deal is counted: {leads}");
        // 55 deals of 100 + n minor units: 5500 + 1485.
        assert!(leads.contains("¥69.85"), "every deal is summed: {leads}");
        assert_eq!(leads.matches("<li class=\"card").count(), 50, "one page of cards");
        assert!(leads.contains("Kit 00") && leads.contains("Kit 49") && !leads.contains("Kit 50"), "the longest in the stage first");
        assert!(leads.contains(">5 "), "the rest on demand: {leads}");
        let expanded = app.page("/board?playbook=b2c_default&expand=b2c_new_lead", &session, None, &[]).await;
        assert_eq!(column(&expanded.html, "b2c_new_lead").matches("<li class=\"card").count(), 55);

        // Deleting, re-pricing, moving, re-assigning and restoring keep every column's figures.
        app.delete(&format!("/api/v1/deals/{}", ids[54]), "*").await.expect(200);
        app.patch(&format!("/api/v1/deals/{}", ids[0]), "*", &json!({ "amount_minor": 10_100 })).await.expect(200);
        let qualified = app.stage("b2c", "b2c_qualified").await;
        let moved = json!({ "stage_id": qualified, "override_reason": "Qualified on the phone" });
        app.post(&format!("/api/v1/deals/{}/move", ids[1]), &moved).await.expect(200);
        let (rep, rep_auth) = app.user("rep.kit@example.com", "member").await;
        app.post(&format!("/api/v1/deals/{}/assign", ids[2]), &json!({ "owner_id": rep })).await.expect(200);
        let board = app.page("/board?playbook=b2c_default", &session, None, &[]).await;
        let leads = column(&board.html, "b2c_new_lead");
        assert!(leads.contains("<span class=\"count\">53</span>"), "{leads}");
        // 6985 - 154 (deleted) - 100 + 10100 (re-priced) - 101 (moved on) = 16730.
        assert!(leads.contains("¥167.30"), "{leads}");
        let next = column(&board.html, "b2c_qualified");
        assert!(next.contains("<span class=\"count\">1</span>") && next.contains("¥1.01"), "{next}");
        app.post(&format!("/api/v1/deals/{}/restore", ids[54]), &json!({})).await.expect(200);
        let board = app.page("/board?playbook=b2c_default", &session, None, &[]).await;
        assert!(column(&board.html, "b2c_new_lead").contains("<span class=\"count\">54</span>"));

        // A rep counts their own deals and those shared with them through the deal team.
        app.post(&format!("/api/v1/deals/{}/team", ids[3]), &json!({ "user_id": rep, "role": "telesales" })).await.expect(201);
        let rep_session = app.sign_in_page("rep.kit@example.com", ADMIN_PASSWORD).await;
        let theirs = app.page("/board?playbook=b2c_default", &rep_session, None, &[]).await;
        let leads = column(&theirs.html, "b2c_new_lead");
        assert!(leads.contains("<span class=\"count\">2</span>") && leads.contains("¥2.05"), "owned 102 + shared 103: {leads}");
        assert!(leads.contains("Kit 02") && leads.contains("Kit 03") && !leads.contains("Kit 04"), "{leads}");
        let _ = rep_auth;
    }

    async fn a_rep_sees_only_the_deals_they_may_see(app: &TestApp) {
        let (_, rep_a) = app.user("rep.a@example.com", "member").await;
        app.user("rep.b@example.com", "member").await;
        let organisation: Value = app.as_(&rep_a).post("/api/v1/organisations", &json!({ "name": "Quiet Co" })).await.expect(201).body;
        let deal = json!({ "title": "Rep A's secret deal", "kind": "b2b", "counterparty_id": organisation["id"], "amount_minor": 100, "currency": "EUR" });
        app.as_(&rep_a).post("/api/v1/deals", &deal).await.expect(201);

        let session_a = app.sign_in_page("rep.a@example.com", ADMIN_PASSWORD).await;
        let session_b = app.sign_in_page("rep.b@example.com", ADMIN_PASSWORD).await;
        let own = app.page("/board?playbook=b2b_default", &session_a, None, &[]).await;
        assert!(own.html.contains("Rep A&#39;s secret deal"), "the owner sees it");
        let other = app.page("/board?playbook=b2b_default", &session_b, None, &[]).await;
        assert_eq!(other.status, StatusCode::OK);
        assert!(!other.html.contains("secret deal"), "another rep's deal stays hidden");

        // The owner filter narrows what the admin sees to one rep's deals.
        b2b_deal(app, "The admin's own deal", 100, "EUR").await;
        let admin = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let everyone = app.page("/board?playbook=b2b_default&owner=", &admin, None, &[]).await;
        assert!(everyone.html.contains("secret deal") && everyone.html.contains("The admin&#39;s own deal"));
        let rep_a_id = app.get("/api/v1/users").await.body.as_array().and_then(|users| {
            users.iter().find(|u| u["email"] == "rep.a@example.com").and_then(|u| u["id"].as_str().map(str::to_owned))
        }).expect("rep A");
        let theirs = app.page(&format!("/board?playbook=b2b_default&owner={rep_a_id}"), &admin, None, &[]).await;
        assert!(theirs.html.contains("secret deal") && !theirs.html.contains("The admin&#39;s own deal"), "only rep A's deals");
        assert!(theirs.html.contains(&format!("<option value=\"{rep_a_id}\" selected>")), "the filter shows what it filters by");
        let nonsense = app.page("/board?playbook=b2b_default&owner=someone", &admin, None, &[]).await;
        assert_eq!(nonsense.status, StatusCode::BAD_REQUEST);
    }

    async fn pages_speak_the_language_chosen_then_the_browsers(app: &TestApp) {
        b2b_deal(app, "Warehouse robots", 100_000, "CNY").await;
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let chinese = app.page("/board?playbook=b2b_default", &session, None, &[("accept-language", "zh-CN,zh;q=0.9,en;q=0.5")]).await;
        assert!(chinese.html.contains("<html lang=\"zh-CN\">"));
        assert!(chinese.html.contains("资格确认") && chinese.html.contains("决策人会面"), "stages in Chinese");
        assert!(chinese.html.contains("¥1,000.00"));

        let switch = app.page("/language", "", Some(&[("lang", "en"), ("back", "/board?playbook=b2b_default")]), &[]).await;
        assert_eq!(switch.status, StatusCode::SEE_OTHER);
        assert_eq!(switch.location(), Some("/board?playbook=b2b_default"));
        let chosen = switch.cookie("closer_lang").expect("a language cookie");
        let english = app.page("/board?playbook=b2b_default", &format!("{session}; {chosen}"), None, &[("accept-language", "zh-CN")]).await;
        assert!(english.html.contains("Decision-maker meeting") && !english.html.contains("决策人会面"));

        let elsewhere = app.page("/language", "", Some(&[("lang", "zh-CN"), ("back", "//evil.example/")]), &[]).await;
        assert_eq!(elsewhere.location(), Some("/"), "the switch only returns to our own pages");
        let unknown = app.page("/language", "", Some(&[("lang", "tlh")]), &[]).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    async fn a_signed_in_users_language_is_kept_in_their_preferences(app: &TestApp) {
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let day = app.page("/my-day", &session, None, &[]).await;
        let csrf = day.field("csrf_token").expect("the language form carries the session's token");
        // A switch without the session's token only sets the cookie: nobody else can change it.
        let forged = app.page("/language", &session, Some(&[("lang", "zh-CN"), ("back", "/my-day"), ("csrf_token", "forged")]), &[]).await;
        assert_eq!(forged.status, StatusCode::SEE_OTHER);
        let me = app.get("/api/v1/session").await.expect(200);
        assert_eq!(me.body["user"]["language"], serde_json::Value::Null);

        let switch = app.page("/language", &session, Some(&[("lang", "zh-CN"), ("back", "/my-day"), ("csrf_token", csrf.as_str())]), &[]).await;
        assert_eq!(switch.status, StatusCode::SEE_OTHER);
        let me = app.get("/api/v1/session").await.expect(200);
        assert_eq!(me.body["user"]["language"], "zh", "the choice is stored for the user");
        // Another browser, asking for English and without the cookie, still gets Chinese.
        let elsewhere = app.page("/my-day", &session, None, &[("accept-language", "en-GB,en")]).await;
        assert!(elsewhere.html.contains("<html lang=\"zh-CN\">"), "the user's setting comes before the browser's");

        // Through the API: back to following the browser, and a language Closer does not speak.
        let cleared = app.send(reqwest::Method::PUT, "/api/v1/session/preferences", Some(&json!({ "language": null })), &[]).await.expect(200);
        assert_eq!(cleared.body["language"], serde_json::Value::Null);
        let english = app.page("/my-day", &session, None, &[("accept-language", "en-GB,en")]).await;
        assert!(english.html.contains("<html lang=\"en\">"));
        app.send(reqwest::Method::PUT, "/api/v1/session/preferences", Some(&json!({ "language": "tlh" })), &[]).await.expect(422);
        app.send(reqwest::Method::PUT, "/api/v1/session/preferences", Some(&json!({ "colour": "red" })), &[]).await.expect(422);
        let history = app.get("/api/v1/audit?entity_type=user").await.expect(200);
        assert!(history.body.to_string().contains("\"language\""), "the change is audited: {}", history.body);
    }

    async fn a_users_time_zone_sets_the_clocks_of_their_meetings_and_their_day(app: &TestApp) {
        let organisation = app.create_organisation("Acme Robotics").await.id();
        let body = json!({ "title": "Assembly line", "kind": "b2b", "counterparty_id": organisation, "currency": "CNY" });
        let deal = app.post("/api/v1/deals", &body).await.expect(201).id();
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let form = app.page("/preferences", &session, None, &[]).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.html.contains("<option value=\"UTC\" selected>"), "UTC until a zone is chosen");
        let csrf = form.field("csrf_token").expect("a token");
        let send = |path: String, fields: Vec<(&'static str, String)>| {
            let session = session.clone();
            let csrf = csrf.clone();
            async move {
                let mut form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                form.push(("csrf_token", csrf.as_str()));
                app.page(&path, &session, Some(&form), &[]).await
            }
        };

        let nowhere = send("/preferences".into(), vec![("language", "".into()), ("time_zone", "Mars/Olympus_Mons".into())]).await;
        assert_eq!(nowhere.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(nowhere.html.contains("Mars/Olympus_Mons") && nowhere.html.contains("not a time zone"));
        let chosen = send("/preferences".into(), vec![("language", "".into()), ("time_zone", "Asia/Shanghai".into())]).await;
        assert_eq!(chosen.status, StatusCode::SEE_OTHER);
        assert_eq!(app.get("/api/v1/session").await.body["user"]["time_zone"], "Asia/Shanghai");
        app.send(reqwest::Method::PUT, "/api/v1/session/preferences", Some(&json!({ "time_zone": "Nowhere/Land" })), &[]).await.expect(422);

        // 10:00 typed by a rep in Shanghai is 02:00 UTC, and reads 10:00 again on the deal page.
        let plan = vec![("purpose", "decision_maker_meeting".to_owned()), ("venue", "our_office".to_owned()),
                        ("date", "2026-12-03".to_owned()), ("time", "10:00".to_owned()), ("minutes", "60".to_owned())];
        let planned = send(format!("/deals/{deal}/meetings"), plan).await;
        assert_eq!(planned.status, StatusCode::SEE_OTHER, "{}", planned.html);
        let meetings = app.all(&format!("/api/v1/meetings?deal_id={deal}")).await;
        assert_eq!(meetings[0]["planned_start"], "2026-12-03T02:00:00Z");
        let page = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
        assert!(page.html.contains("3 Dec 2026 10:00"), "shown on the rep's clocks");
        assert!(page.html.contains("(Asia/Shanghai)"), "the form says which clocks it means");

        // My day begins at midnight in Shanghai: a meeting at 00:30 there is today's, though it
        // is still yesterday in UTC.
        let shanghai_today = (time::OffsetDateTime::now_utc() + time::Duration::hours(8)).date();
        let start = shanghai_today.with_time(time::macros::time!(00:30)).assume_utc() - time::Duration::hours(8);
        let format = time::format_description::well_known::Rfc3339;
        let early = json!({
            "deal_id": deal, "purpose": "negotiation", "venue": "our_office",
            "planned_start": start.format(&format).expect("a time"),
            "planned_end": (start + time::Duration::hours(1)).format(&format).expect("a time")
        });
        app.post("/api/v1/meetings", &early).await.expect(201);
        let day = app.page("/my-day", &session, None, &[]).await;
        assert!(day.html.contains("00:30 · Our office"), "today's meeting at its local time: {}", day.html);
    }

    async fn a_deals_details_team_stakeholders_and_tasks_are_edited_from_its_page(app: &TestApp) {
        let organisation = app.create_organisation("Acme Robotics").await.id();
        let head = app.create_person("Li Wei").await.id();
        let body = json!({ "title": "Assembly line", "kind": "b2b", "counterparty_id": organisation, "amount_minor": 50_000_000, "currency": "CNY" });
        let deal = app.post("/api/v1/deals", &body).await.expect(201).id();
        let stakeholder = app.post(&format!("/api/v1/deals/{deal}/stakeholders"), &json!({ "person_id": head, "roles": ["technical_buyer"] })).await.expect(201).id();
        let task = app.post("/api/v1/tasks", &json!({ "title": "Send the layout drawings", "subject_type": "deal", "subject_id": deal })).await.expect(201).id();
        let (engineer, _) = app.user("engineer@example.com", "member").await;
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let page = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
        let csrf = page.field("csrf_token").expect("a token");
        assert!(page.html.contains("value=\"500000.00\""), "the amount as it is typed");
        let send = |path: String, fields: Vec<(&'static str, String)>| {
            let session = session.clone();
            let csrf = csrf.clone();
            async move {
                let mut form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                form.push(("csrf_token", csrf.as_str()));
                app.page(&path, &session, Some(&form), &[]).await
            }
        };
        let details = |amount: &str, version: &str| {
            vec![("version", version.to_owned()), ("title", "Assembly line, phase 2".to_owned()), ("amount", amount.to_owned()),
                 ("currency", "CNY".to_owned()), ("expected_close", "2026-12-20".to_owned()), ("lead_source", "referral".to_owned()), ("competitor", "Rival Co".to_owned())]
        };

        let wrong = send(format!("/deals/{deal}/details"), details("lots", "1")).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.html.contains("amount:") && wrong.html.contains("value=\"lots\"") && wrong.html.contains("value=\"Assembly line, phase 2\""));
        assert_eq!(wrong.headers.get("hx-push-url").and_then(|v| v.to_str().ok()), Some("false"), "a refused form keeps the page's address");
        let saved = send(format!("/deals/{deal}/details"), details("650,000", "1")).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
        assert!(saved.headers.get("hx-push-url").is_none(), "after a redirect the new page's address is right");
        let stored = app.get(&format!("/api/v1/deals/{deal}")).await.expect(200).body;
        assert_eq!((stored["amount"]["amount_minor"].as_i64(), stored["expected_close"].as_str()), (Some(65_000_000), Some("2026-12-20")));
        assert_eq!((stored["title"].as_str(), stored["lead_source"].as_str(), stored["competitor"].as_str()), (Some("Assembly line, phase 2"), Some("referral"), Some("Rival Co")));
        let stale = send(format!("/deals/{deal}/details"), details("1", "1")).await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "a form filled in before someone else's change does not overwrite it");
        assert_eq!(app.get(&format!("/api/v1/deals/{deal}")).await.body["amount"]["amount_minor"], 65_000_000);

        let nobody = send(format!("/deals/{deal}/team"), vec![("user_id", String::new()), ("role", "solution_engineer".into())]).await;
        assert_eq!(nobody.status, StatusCode::UNPROCESSABLE_ENTITY);
        let joined = send(format!("/deals/{deal}/team"), vec![("user_id", engineer.clone()), ("role", "solution_engineer".into()), ("covers", "technical_buyer".into())]).await;
        assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.html);
        let team = app.get(&format!("/api/v1/deals/{deal}/team")).await.expect(200).body;
        assert!(team.to_string().contains(&engineer) && team.to_string().contains("solution_engineer"), "{team}");
        let page = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
        assert!(!page.html.contains("class=\"gap-count\""), "the technical buyer is covered now");

        let turned = send(format!("/deals/{deal}/stakeholders/{stakeholder}"), vec![("version", "1".into()), ("stance", "opponent".into()), ("influence", "5".into())]).await;
        assert_eq!(turned.status, StatusCode::SEE_OTHER, "{}", turned.html);
        let now = app.get(&format!("/api/v1/stakeholders/{stakeholder}")).await.expect(200).body;
        assert_eq!((now["stance"].as_str(), now["influence"].as_i64()), (Some("opponent"), Some(5)));
        let stale = send(format!("/deals/{deal}/stakeholders/{stakeholder}"), vec![("version", "1".into()), ("stance", "supporter".into()), ("influence", "3".into())]).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);

        let ticked = send(format!("/tasks/{task}/done"), vec![("version", "1".into()), ("done", "true".into()), ("back", format!("/deals/{deal}"))]).await;
        assert_eq!(ticked.status, StatusCode::SEE_OTHER);
        assert_eq!(ticked.location(), Some(format!("/deals/{deal}").as_str()));
        assert_eq!(app.get(&format!("/api/v1/tasks/{task}")).await.body["done"], true);
        let elsewhere = send(format!("/tasks/{task}/done"), vec![("version", "2".into()), ("done", "false".into()), ("back", "//evil.example/".into())]).await;
        assert_eq!(elsewhere.location(), Some("/my-day"), "only back to our own pages");
        assert_eq!(app.get(&format!("/api/v1/tasks/{task}")).await.body["done"], false);
        let day = app.page("/my-day", &session, None, &[]).await;
        assert!(day.html.contains(&format!("action=\"/tasks/{task}/done\"")), "My day ticks tasks off too");
    }

    async fn markup_in_names_renders_as_text(app: &TestApp) {
        let payload = "<script>alert('x')</script><img src=x onerror=alert(1)>";
        b2b_deal(app, payload, 100, "USD").await;
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let board = app.page("/board?playbook=b2b_default", &session, None, &[]).await;
        assert!(!board.html.contains("<script>alert") && !board.html.contains("<img src=x"), "a payload reached the page as markup");
        assert!(board.html.contains("&#60;script&#62;alert(&#39;x&#39;)"), "the payload is shown as text: {}", board.html);
    }

    async fn a_card_moves_only_through_its_gates(app: &TestApp) {
        let organisation = app.create_organisation("Acme Robotics").await.id();
        let head = app.create_person("Li Wei").await.id();
        app.post("/api/v1/employments", &json!({ "person_id": head, "organisation_id": organisation, "department": "IT" })).await.expect(201);
        let body = json!({ "title": "Assembly line", "kind": "b2b", "counterparty_id": organisation, "currency": "CNY" });
        let deal = app.post("/api/v1/deals", &body).await.expect(201).id();
        let first_meeting = app.stage("b2b", "b2b_first_meeting").await;
        let qualify = app.stage("b2b", "b2b_qualify").await;
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let board = app.page("/board?playbook=b2b_default", &session, None, &[]).await;
        let csrf = board.field("csrf_token").expect("the card's form carries the CSRF token");
        let path = format!("/deals/{deal}/move");
        let moving = |csrf: &str, version: &str| {
            vec![("csrf_token", csrf.to_owned()), ("version", version.to_owned()), ("playbook", "b2b_default".to_owned()), ("stage_id", first_meeting.clone())]
        };
        let post = |form: Vec<(&'static str, String)>| {
            let path = path.clone();
            let session = session.clone();
            async move {
                let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                app.page(&path, &session, Some(&fields), &[]).await
            }
        };
        let stage_now = || async { app.get(&format!("/api/v1/deals/{deal}")).await.body["stage_id"].as_str().unwrap_or("").to_owned() };

        let forged = post(moving("forged", "1")).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(stage_now().await, qualify);

        let blocked = post(moving(&csrf, "1")).await;
        assert_eq!(blocked.status, StatusCode::CONFLICT);
        let card = column(&blocked.html, "b2b_qualify");
        assert!(card.contains("Assembly line") && card.contains("class=\"refusal\""), "the card stays and says why: {card}");
        assert!(card.contains("D1") && card.contains("Add the first stakeholder") && card.contains("Schedule the first meeting"), "{card}");
        assert_eq!(stage_now().await, qualify);

        let stale = post(moving(&csrf, "99")).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(stale.html.contains("changed this deal meanwhile"));

        app.post(&format!("/api/v1/deals/{deal}/stakeholders"), &json!({ "person_id": head, "roles": ["technical_buyer"] })).await.expect(201);
        let meeting = json!({
            "deal_id": deal, "purpose": "first_meeting", "venue": "our_office", "objective": "Understand the line",
            "planned_start": "2026-12-01T02:00:00Z", "planned_end": "2026-12-01T03:00:00Z", "attendees": [{ "person_id": head }]
        });
        app.post("/api/v1/meetings", &meeting).await.expect(201);
        let moved = post(moving(&csrf, "1")).await;
        assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.html);
        assert_eq!(moved.location(), Some("/board?playbook=b2b_default"));
        assert_eq!(stage_now().await, first_meeting);
        let after = app.page("/board?playbook=b2b_default", &session, None, &[]).await;
        assert!(column(&after.html, "b2b_first_meeting").contains("Assembly line"));
    }

    async fn the_deal_workspace_shows_gates_committee_meetings_and_history(app: &TestApp) {
        let organisation = app.create_organisation("Acme Robotics").await.id();
        let head = app.create_person("Li Wei").await.id();
        let ceo = app.create_person("Zhang Min").await.id();
        for (person, department) in [(&head, "IT"), (&ceo, "Executive")] {
            app.post("/api/v1/employments", &json!({ "person_id": person, "organisation_id": organisation, "department": department })).await.expect(201);
        }
        let body = json!({ "title": "Assembly line", "kind": "b2b", "counterparty_id": organisation, "amount_minor": 12_345_600, "currency": "CNY" });
        let deal = app.post("/api/v1/deals", &body).await.expect(201).id();
        let committee = format!("/api/v1/deals/{deal}/stakeholders");
        app.post(&committee, &json!({ "person_id": head, "roles": ["technical_buyer", "champion"], "is_key_person": true, "stance": "supporter" })).await.expect(201);
        app.post(&committee, &json!({ "person_id": ceo, "roles": ["economic_buyer"] })).await.expect(201);
        let meeting = json!({
            "deal_id": deal, "purpose": "decision_maker_meeting", "venue": "our_office", "objective": "Agree the rollout",
            "planned_start": "2026-12-03T02:00:00Z", "planned_end": "2026-12-03T03:00:00Z", "attendees": [{ "person_id": ceo }]
        });
        app.post("/api/v1/meetings", &meeting).await.expect(201);
        app.post("/api/v1/notes", &json!({ "subject_type": "deal", "subject_id": deal, "body": "Budget approved in Q1." })).await.expect(201);
        app.post("/api/v1/tasks", &json!({ "title": "Send the case study", "subject_type": "deal", "subject_id": deal, "due_on": "2026-12-02" })).await.expect(201);

        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let board = app.page("/board", &session, None, &[]).await;
        assert!(board.html.contains(&format!("href=\"/deals/{deal}\"")), "cards link to their deal");
        let page = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = &page.html;
        assert!(html.contains("<h1>Assembly line</h1>") && html.contains("Acme Robotics") && html.contains("¥123,456.00"));
        assert!(html.contains("class=\"cycle-clock") && html.contains("/ 25 days"), "the cycle clock against the B2B budget");
        assert!(html.contains("criterion unmet hard") && html.contains("Schedule the first meeting"), "the gates checklist");
        let next = html.find("class=\"next-stage\"").expect("the next stage's checklist");
        assert!(html[next..].contains("Then, to leave First meeting") && html[next..].contains("a first meeting was held with a buyer who attended"), "what the next stage asks");
        let gates = app.get(&format!("/api/v1/deals/{deal}/gates")).await.expect(200).body;
        assert_eq!(gates["next"]["stage_id"], app.stage("b2b", "b2b_first_meeting").await.as_str());
        let executive = html.find("<h3>Executive</h3>").expect("the committee grouped by department");
        let it = html.find("<h3>IT</h3>").expect("the IT department");
        assert!(executive < it, "departments in order");
        assert!(html[executive..it].contains("Zhang Min") && html[executive..it].contains("Decides"));
        assert!(html[it..].contains("Key person") && html[it..].contains("Technical buyer") && html[it..].contains("stance-supporter"));
        assert!(html.contains("Decision-maker meeting") && html.contains("Home ground") && html.contains("Agree the rollout"));
        assert!(html.contains("Budget approved in Q1.") && html.contains("Send the case study") && html.contains("2 Dec 2026"));
        assert!(html.contains("class=\"panel history\"") && html.contains("create"), "the audit history");

        let chinese = app.page(&format!("/deals/{deal}"), &session, None, &[("accept-language", "zh-CN")]).await;
        assert!(chinese.html.contains("决策者") && chinese.html.contains("主场") && chinese.html.contains("2026年12月2日"));
        assert!(chinese.html.contains("安排首次会面"), "the gates read in Chinese too");
        assert!(html.contains("class=\"gap\"") && html.contains("no counterpart"), "the coverage map names the gaps");
        assert!(chinese.html.contains("无对应人员"));

        app.user("rep.b@example.com", "member").await;
        let other = app.sign_in_page("rep.b@example.com", ADMIN_PASSWORD).await;
        let hidden = app.page(&format!("/deals/{deal}"), &other, None, &[]).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "another rep's deal is not found");
        assert!(!hidden.html.contains("Assembly line"));
        let unknown = app.page("/deals/01890a5d-ac96-774b-bcce-b302099a8057", &session, None, &[]).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    }

    async fn recommendations_are_acted_on_dismissed_with_a_reason_or_snoozed_from_the_page(app: &TestApp) {
        let organisation = app.create_organisation("Acme").await.id();
        let head = app.create_person("Li Wei").await.id();
        let mut deals = Vec::new();
        for title in ["ERP", "CRM", "BI"] {
            let body = json!({ "title": title, "kind": "b2b", "counterparty_id": organisation, "currency": "CNY" });
            let deal = app.post("/api/v1/deals", &body).await.expect(201).id();
            app.post(&format!("/api/v1/deals/{deal}/stakeholders"), &json!({ "person_id": head, "roles": ["technical_buyer"] })).await.expect(201);
            deals.push(deal);
        }
        let open = |deal: String| async move {
            let list = app.get(&format!("/api/v1/deals/{deal}/recommendations")).await.expect(200).body;
            list.as_array().cloned().unwrap_or_default().iter().filter_map(|p| p["key"].as_str().map(str::to_owned)).collect::<Vec<_>>()
        };
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let decide = |deal: String, decision: &'static str, reason: &'static str| {
            let session = session.clone();
            async move {
                let page = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
                let key = page.field("key").expect("a listed proposal with its form");
                let csrf = page.field("csrf_token").expect("a CSRF token");
                let form = [("csrf_token", csrf.as_str()), ("key", key.as_str()), ("decision", decision), ("reason", reason)];
                (key.clone(), app.page(&format!("/deals/{deal}/recommendations"), &session, Some(&form), &[]).await)
            }
        };

        // Proposals read in the viewer's language, and the API names their text for translation.
        let listed = app.get(&format!("/api/v1/deals/{}/recommendations", deals[0])).await.expect(200).body;
        assert!(listed.as_array().is_some_and(|all| all.iter().any(|p| p["message"] == "no_next_step" && p["title"] == "No next step is planned")), "{listed}");
        let chinese = app.page(&format!("/deals/{}", deals[0]), &session, None, &[("accept-language", "zh-CN")]).await;
        assert!(chinese.html.contains("没有安排下一步") && chinese.html.contains("安排下一次会面或电话"), "the proposal in Chinese");
        assert!(!chinese.html.contains("No next step is planned"));

        // The board card counts the open proposals worked out for the deal page.
        let count = listed.as_array().map_or(0, Vec::len);
        let board = app.page("/board?playbook=b2b_default", &session, None, &[]).await;
        let card = board.html.split(&format!("data-deal=\"{}\"", deals[0])).nth(1).and_then(|rest| rest.split("</li>").next()).expect("the card");
        assert!(card.contains(&format!("class=\"badge to-do\" href=\"/deals/{}#recommendations\"", deals[0])), "{card}");
        assert!(card.contains(&format!(">{count} to do<")), "{card}");

        let before = open(deals[0].clone()).await;
        let (key, no_reason) = decide(deals[0].clone(), "dismissed", " ").await;
        assert!(before.contains(&key), "the page lists what the API proposes");
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_reason.html.contains("say why the proposal does not fit"), "the refusal is shown on the page");
        assert_eq!(open(deals[0].clone()).await, before, "nothing was decided");

        for (deal, decision, reason) in [(&deals[0], "dismissed", "They buy through a distributor"), (&deals[1], "snoozed", ""), (&deals[2], "done", "")] {
            let (key, answer) = decide(deal.clone(), decision, reason).await;
            assert_eq!(answer.status, StatusCode::SEE_OTHER, "{decision}: {}", answer.html);
            assert_eq!(answer.location(), Some(format!("/deals/{deal}").as_str()));
            assert!(!open(deal.clone()).await.contains(&key), "{decision}: {key} is no longer open");
        }
        let left = open(deals[2].clone()).await.len();
        let board = app.page("/board?playbook=b2b_default", &session, None, &[]).await;
        let card = board.html.split(&format!("data-deal=\"{}\"", deals[2])).nth(1).and_then(|rest| rest.split("</li>").next()).expect("the card");
        assert_eq!(card.contains(&format!(">{left} to do<")), left > 0, "the badge follows the decision: {card}");
        let forged = app.page(&format!("/deals/{}/recommendations", deals[0]), &session, Some(&[("csrf_token", "x"), ("key", "k"), ("decision", "done")]), &[]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
    }

    async fn my_day_gathers_todays_meetings_tasks_overdue_steps_rotting_deals_and_advice(app: &TestApp) {
        let today = time::OffsetDateTime::now_utc().date();
        let yesterday = today.previous_day().expect("a day before");
        let organisation = app.create_organisation("Acme").await.id();
        let buyer = app.create_person("Li Wei").await.id();
        let deal = |title: &'static str| {
            let organisation = organisation.clone();
            async move {
                let body = json!({ "title": title, "kind": "b2b", "counterparty_id": organisation, "currency": "CNY" });
                app.post("/api/v1/deals", &body).await.expect(201).id()
            }
        };
        let idle = deal("Idle rollout").await;
        let active = deal("Active rollout").await;
        crate::cycle::age(app, &idle, 12).await;
        app.post("/api/v1/jobs/deal-health", &json!({})).await.expect(200);
        app.post(&format!("/api/v1/deals/{active}/stakeholders"), &json!({ "person_id": buyer, "roles": ["technical_buyer"] })).await.expect(201);
        app.post("/api/v1/tasks", &json!({ "title": "Send the brochure", "due_on": yesterday.to_string() })).await.expect(201);
        let meeting = |purpose: &str, day: time::Date| json!({
            "deal_id": active, "purpose": purpose, "venue": "our_office", "objective": "Walk the line",
            "planned_start": format!("{day}T12:00:00Z"), "planned_end": format!("{day}T13:00:00Z"), "attendees": [{ "person_id": buyer }]
        });
        app.post("/api/v1/meetings", &meeting("demo", today)).await.expect(201);
        let held = app.post("/api/v1/meetings", &meeting("first_meeting", yesterday)).await.expect(201).id();
        let log = json!({
            "outcome": "held", "attendance": [{ "person_id": buyer, "attended": true }],
            "agreed_next_step": "Send the pilot proposal", "next_step_due": yesterday.to_string()
        });
        app.post(&format!("/api/v1/meetings/{held}/log"), &log).await.expect(200);

        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let start = app.page("/", &session, None, &[]).await;
        assert_eq!(start.location(), Some("/my-day"), "the day is where a rep starts");
        let page = app.page("/my-day", &session, None, &[]).await;
        assert_eq!(page.status, StatusCode::OK);
        let section = |name: &str| {
            let start = page.html.find(&format!("data-section=\"my_day.{name}\"")).unwrap_or_else(|| panic!("no section {name}"));
            let rest = &page.html[start..];
            rest[..rest.find("</section>").unwrap_or(rest.len())].to_owned()
        };
        assert!(section("meetings").contains("Demo · Active rollout") && section("meetings").contains("Our office"), "{}", section("meetings"));
        assert!(!section("meetings").contains("First meeting"), "yesterday's meeting is not today's");
        assert!(section("tasks").contains("Send the brochure") && section("tasks").contains("class=\"late\""));
        assert!(section("overdue").contains("Send the pilot proposal"));
        assert!(section("rotting").contains("Idle rollout") && !section("rotting").contains("Active rollout"));
        assert!(section("recommendations").contains("Active rollout"));

        app.user("rep.b@example.com", "member").await;
        let other = app.sign_in_page("rep.b@example.com", ADMIN_PASSWORD).await;
        let theirs = app.page("/my-day", &other, None, &[("accept-language", "zh-CN")]).await;
        assert_eq!(theirs.status, StatusCode::OK);
        assert!(!theirs.html.contains("rollout") && !theirs.html.contains("Send the"), "another rep's day is their own");
        assert!(theirs.html.contains("今天没有会面"));
    }

    async fn a_deal_is_created_from_the_form_and_errors_keep_what_was_typed(app: &TestApp) {
        let organisation = app.create_organisation("Acme Robotics").await.id();
        app.create_person("Ann Lee").await;
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let form = app.page("/deals/new", &session, None, &[]).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.html.contains(&format!("<option value=\"{organisation}\">Acme Robotics</option>")), "B2B deals pick an organisation");
        assert!(!form.html.contains("Ann Lee"));
        let b2c = app.page("/deals/new?kind=b2c", &session, None, &[]).await;
        assert!(b2c.html.contains("Ann Lee") && !b2c.html.contains("Acme Robotics"), "B2C deals pick a person");
        let csrf = form.field("csrf_token").expect("a CSRF token");
        let count = || async { app.all("/api/v1/deals").await.len() };

        let bad = [("csrf_token", csrf.as_str()), ("kind", "b2b"), ("title", "Assembly line"), ("counterparty_id", ""),
            ("amount", "12abc"), ("currency", "USD"), ("expected_close", "tomorrow")];
        let refused = app.page("/deals", &session, Some(&bad), &[]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        for field in ["counterparty_id", "amount", "expected_close"] {
            assert!(refused.html.contains(&format!("data-field=\"{field}\"")), "{field} has its error in place");
        }
        assert!(refused.html.contains("value=\"Assembly line\"") && refused.html.contains("value=\"12abc\"") && refused.html.contains("value=\"tomorrow\""), "nothing typed is lost");
        assert_eq!(count().await, 0);

        let untitled = [("csrf_token", csrf.as_str()), ("kind", "b2b"), ("title", " "), ("counterparty_id", organisation.as_str()),
            ("amount", "12,500.50"), ("currency", "USD"), ("expected_close", "2026-12-20")];
        let refused = app.page("/deals", &session, Some(&untitled), &[]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.html.contains("data-field=\"title\""), "the domain's own checks show in place too");
        assert!(refused.html.contains(&format!("<option value=\"{organisation}\" selected>")), "the choice is kept");
        assert_eq!(count().await, 0);

        let forged = [("csrf_token", "forged"), ("kind", "b2b"), ("title", "Assembly line"), ("counterparty_id", organisation.as_str()), ("currency", "USD")];
        assert_eq!(app.page("/deals", &session, Some(&forged), &[]).await.status, StatusCode::FORBIDDEN);
        assert_eq!(count().await, 0);

        let good = [("csrf_token", csrf.as_str()), ("kind", "b2b"), ("title", "Assembly line"), ("counterparty_id", organisation.as_str()),
            ("amount", "12,500.50"), ("currency", "USD"), ("expected_close", "2026-12-20"), ("lead_source", "warm_intro")];
        let created = app.page("/deals", &session, Some(&good), &[]).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.html);
        let location = created.location().expect("the new deal's page").to_owned();
        let id = location.trim_start_matches("/deals/");
        let deal = app.get(&format!("/api/v1/deals/{id}")).await.expect(200).body;
        assert_eq!(deal["kind"], "b2b");
        assert_eq!(deal["amount"], json!({ "amount_minor": 1_250_050, "currency": "USD" }));
        assert_eq!((deal["expected_close"].as_str(), deal["lead_source"].as_str()), (Some("2026-12-20"), Some("warm_intro")));
        assert_eq!(app.page(&location, &session, None, &[]).await.status, StatusCode::OK);
    }

    async fn stakeholders_join_the_committee_from_the_deal_page(app: &TestApp) {
        let organisation = app.create_organisation("Acme Robotics").await.id();
        let ceo = app.create_person("Zhang Min").await.id();
        let cfo = app.create_person("Wang Fang").await.id();
        let body = json!({ "title": "Assembly line", "kind": "b2b", "counterparty_id": organisation, "currency": "CNY" });
        let deal = app.post("/api/v1/deals", &body).await.expect(201).id();
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let page = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
        let csrf = page.field("csrf_token").expect("a CSRF token");
        assert!(page.html.contains(&format!("<option value=\"{ceo}\">Zhang Min</option>")));
        let path = format!("/deals/{deal}/stakeholders");
        let committee = || async { app.get(&format!("/api/v1/deals/{deal}/stakeholders")).await.expect(200).body };

        let nobody = [("csrf_token", csrf.as_str()), ("person_id", ""), ("department", "Executive office"), ("roles", "economic_buyer"), ("roles", "signatory")];
        let refused = app.page(&path, &session, Some(&nobody), &[]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.html.contains("choose the person"));
        assert!(refused.html.contains("value=\"Executive office\""), "the department typed is kept");
        assert!(refused.html.contains("value=\"economic_buyer\" checked") && refused.html.contains("value=\"signatory\" checked"), "ticked roles stay ticked");
        assert!(!refused.html.contains("value=\"champion\" checked"));

        let add = |person: &str, roles: &[&'static str]| {
            let mut form = vec![("csrf_token", csrf.clone()), ("person_id", person.to_owned()), ("department", "Executive office".to_owned()), ("stance", "supporter".to_owned()), ("influence", "5".to_owned()), ("is_key_person", "true".to_owned())];
            form.extend(roles.iter().map(|r| ("roles", (*r).to_owned())));
            let (path, session) = (path.clone(), session.clone());
            async move {
                let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                app.page(&path, &session, Some(&fields), &[]).await
            }
        };
        let added = add(&ceo, &["economic_buyer", "signatory"]).await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.html);
        let stakeholders = committee().await;
        assert_eq!(stakeholders["stakeholders"][0]["roles"], json!(["economic_buyer", "signatory"]), "{stakeholders}");
        assert_eq!(stakeholders["stakeholders"][0]["is_key_person"], true);
        assert_eq!(stakeholders["stakeholders"][0]["influence"], 5);

        let second = add(&cfo, &["economic_buyer"]).await;
        assert_eq!(second.status, StatusCode::UNPROCESSABLE_ENTITY, "one economic buyer at most: {}", second.html);
        assert!(second.html.contains(&format!("<option value=\"{cfo}\" selected>")), "the chosen person stays chosen");
        assert_eq!(committee().await["stakeholders"].as_array().map(Vec::len), Some(1), "nothing was added");

        let forged = [("csrf_token", "forged"), ("person_id", cfo.as_str())];
        assert_eq!(app.page(&path, &session, Some(&forged), &[]).await.status, StatusCode::FORBIDDEN);
        let shown = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
        assert!(shown.html.contains("<h3>Executive office</h3>") && shown.html.contains("Zhang Min"));
    }

    async fn a_meeting_is_planned_and_logged_as_held_from_the_deal_page(app: &TestApp) {
        let organisation = app.create_organisation("Acme Robotics").await.id();
        let ceo = app.create_person("Zhang Min").await.id();
        let body = json!({ "title": "Assembly line", "kind": "b2b", "counterparty_id": organisation, "currency": "CNY" });
        let deal = app.post("/api/v1/deals", &body).await.expect(201).id();
        app.post(&format!("/api/v1/deals/{deal}/stakeholders"), &json!({ "person_id": ceo, "roles": ["economic_buyer"] })).await.expect(201);
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let page = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
        let csrf = page.field("csrf_token").expect("a CSRF token");
        let invitee = format!("person:{ceo}");
        assert!(page.html.contains(&format!("name=\"invite\" value=\"{invitee}\"")), "the committee can be invited");
        let meetings = || async { app.all(&format!("/api/v1/meetings?deal_id={deal}")).await };
        let plan = |date: &'static str| {
            vec![("csrf_token", csrf.clone()), ("purpose", "decision_maker_meeting".to_owned()), ("venue", "our_office".to_owned()),
                 ("date", date.to_owned()), ("time", "10:00".to_owned()), ("minutes", "90".to_owned()),
                 ("objective", "Agree the rollout".to_owned()), ("invite", invitee.clone())]
        };
        let send = |path: String, form: Vec<(&'static str, String)>| {
            let session = session.clone();
            async move {
                let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                app.page(&path, &session, Some(&fields), &[]).await
            }
        };
        let path = format!("/deals/{deal}/meetings");

        let refused = send(path.clone(), plan("next week")).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.html.contains("YYYY-MM-DD") && refused.html.contains("value=\"Agree the rollout\"") && refused.html.contains("value=\"next week\""));
        assert!(refused.html.contains(&format!("value=\"{invitee}\" checked")) && refused.html.contains("<option value=\"90\" selected>"));
        assert!(meetings().await.is_empty());

        let planned = send(path.clone(), plan("2026-12-03")).await;
        assert_eq!(planned.status, StatusCode::SEE_OTHER, "{}", planned.html);
        let listed = meetings().await;
        assert_eq!(listed.len(), 1);
        let meeting = &listed[0];
        assert_eq!((meeting["purpose"].as_str(), meeting["venue"].as_str()), (Some("decision_maker_meeting"), Some("our_office")));
        assert_eq!(meeting["planned_start"], "2026-12-03T10:00:00Z");
        assert_eq!(meeting["planned_end"], "2026-12-03T11:30:00Z");
        assert_eq!(meeting["attendees"].as_array().map(Vec::len), Some(2), "the committee member and the organiser");

        let id = meeting["id"].as_str().expect("an id");
        let log_path = format!("/deals/{deal}/meetings/{id}/log");
        let page = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
        assert!(page.html.contains(&log_path), "a planned meeting can be logged");
        let version = meeting["version"].to_string();
        let log = |next_step: &'static str| {
            vec![("csrf_token", csrf.clone()), ("version", version.clone()), ("attendee", invitee.clone()), ("attended", invitee.clone()),
                 ("agreed_next_step", next_step.to_owned()), ("outcome", "held".to_owned())]
        };
        let no_step = send(log_path.clone(), log("")).await;
        assert_eq!(no_step.status, StatusCode::UNPROCESSABLE_ENTITY, "a held meeting needs its next step: {}", no_step.html);
        assert_eq!(meetings().await[0]["status"], "planned");
        let held = send(log_path.clone(), log("Send the contract draft")).await;
        assert_eq!(held.status, StatusCode::SEE_OTHER, "{}", held.html);
        let logged = &meetings().await[0];
        assert_eq!(logged["status"], "held");
        assert_eq!(logged["agreed_next_step"], "Send the contract draft");
        let attended: Vec<_> = logged["attendees"].as_array().into_iter().flatten().filter(|a| a["attendance"] == "attended").collect();
        assert_eq!(attended.len(), 1, "the buyer attended: {logged}");
        let stale = send(log_path, log("Again")).await;
        assert!(stale.status.is_client_error(), "a logged meeting is not logged twice");
        let gates = app.get(&format!("/api/v1/deals/{deal}/stakeholders")).await.body;
        assert_eq!(gates["coverage"]["decision_maker_met"], true, "{gates}");
    }

    async fn a_quote_is_built_sent_and_accepted_from_the_deal_page(app: &TestApp) {
        let deal = b2b_deal(app, "Warehouse robots", 100, "CNY").await;
        let product = app
            .post("/api/v1/products", &json!({ "sku": "BOT-1", "name": "Picking robot", "prices": [{ "currency": "CNY", "amount_minor": 12_000_000 }] }))
            .await
            .expect(201)
            .id();
        app.post("/api/v1/products", &json!({ "sku": "USD-ONLY", "name": "Dollar gadget", "prices": [{ "currency": "USD", "amount_minor": 100 }] }))
            .await
            .expect(201);
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let page = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
        assert!(page.html.contains("Picking robot"), "the quote form offers the products sold in the deal's currency");
        assert!(!page.html.contains("Dollar gadget"), "a product without a CNY price is not offered");
        let csrf = page.field("csrf_token").expect("a CSRF token");
        let quotes = format!("/deals/{deal}/quotes");

        let bad = [("csrf_token", csrf.as_str()), ("product_id", product.as_str()), ("quantity", "two")];
        let refused = app.page(&quotes, &session, Some(&bad), &[]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.html.contains("whole number"), "the panel says why");
        assert!(app.all(&format!("/api/v1/deals/{deal}/quotes")).await.is_empty());

        let first = [("csrf_token", csrf.as_str()), ("product_id", product.as_str()), ("quantity", "2"), ("net_price", "108,000.00")];
        assert_eq!(app.page(&quotes, &session, Some(&first), &[]).await.status, StatusCode::SEE_OTHER);
        let quote = app.get(&format!("/api/v1/deals/{deal}/quotes")).await.expect(200).body[0].clone();
        let id = quote["id"].as_str().unwrap().to_owned();
        assert_eq!(quote["totals"]["net_total_minor"], 21_600_000);
        assert_eq!(quote["payment_terms"], "net_30");

        let version = quote["version"].to_string();
        let line = [("csrf_token", csrf.as_str()), ("version", version.as_str()), ("description", "Installation"), ("quantity", "1"), ("list_price", "5000")];
        assert_eq!(app.page(&format!("{quotes}/{id}/lines"), &session, Some(&line), &[]).await.status, StatusCode::SEE_OTHER);
        let shown = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
        assert!(shown.html.contains("Installation") && shown.html.contains("¥216,000.00"), "both lines are listed");
        assert!(shown.html.contains("¥221,000.00"), "the net total adds the new line");
        assert!(shown.html.contains("−9.8%"), "the discount off list shows: 24,000 of 245,000");
        assert!(shown.html.contains("10.0%"), "the robot line's own discount shows");

        let act = |action: &'static str, version: String| {
            let csrf = csrf.clone();
            let path = format!("{quotes}/{id}");
            let session = session.clone();
            async move {
                let form = [("csrf_token", csrf.as_str()), ("version", version.as_str()), ("action", action)];
                app.page(&path, &session, Some(&form), &[]).await
            }
        };
        let current = || async { app.get(&format!("/api/v1/quotes/{id}")).await.expect(200).body };
        assert_eq!(act("send", current().await["version"].to_string()).await.status, StatusCode::SEE_OTHER);
        let stale = act("accept", "1".into()).await;
        assert!(stale.status.is_client_error(), "an answer to an old version is refused");
        assert_eq!(act("accept", current().await["version"].to_string()).await.status, StatusCode::SEE_OTHER);
        assert_eq!(current().await["status"], "accepted");
        let deal_now = app.get(&format!("/api/v1/deals/{deal}")).await.expect(200).body;
        assert_eq!(deal_now["amount"]["amount_minor"], 22_100_000);
        let done = app.page(&format!("/deals/{deal}"), &session, None, &[("accept-language", "zh-CN")]).await;
        assert!(done.html.contains("客户已接受") || done.html.contains("已接受"), "the status reads in Chinese");
    }

    async fn a_deep_discount_is_submitted_approved_in_the_inbox_and_sent(app: &TestApp) {
        let deal = b2b_deal(app, "Cold storage", 100, "CNY").await;
        let quote = app
            .post(&format!("/api/v1/deals/{deal}/quotes"), &json!({ "lines": [{ "description": "Freezer hall", "quantity": 1, "list_unit_price_minor": 1_000_000, "net_unit_price_minor": 850_000 }] }))
            .await
            .expect(201)
            .id();
        let (approver, _) = app.user("manager@example.com", "member").await;
        let admin = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let settings = app.page("/settings", &admin, None, &[]).await;
        assert!(settings.html.contains("Approver roles: none"), "nobody holds a role yet");
        let csrf = settings.field("csrf_token").expect("a CSRF token");
        let roles = [("csrf_token", csrf.as_str()), ("approver_role", "sales_manager"), ("approver_role", "legal")];
        let set = app.page(&format!("/settings/users/{approver}/approver-roles"), &admin, Some(&roles), &[]).await;
        assert_eq!(set.status, StatusCode::SEE_OTHER);
        let held = app.get(&format!("/api/v1/users/{approver}/approver-roles")).await.expect(200).body;
        assert_eq!(held, json!({ "roles": ["sales_manager", "legal"] }));
        assert!(app.page("/settings", &admin, None, &[]).await.html.contains("Approver roles: Sales manager, Legal"));

        let page = app.page(&format!("/deals/{deal}"), &admin, None, &[]).await;
        assert!(page.html.contains("Needs approval by: Sales manager"), "the panel says who must approve");
        assert!(!page.html.contains("value=\"send\""), "no send button before the approval");
        let csrf = page.field("csrf_token").expect("a CSRF token");
        let version = app.get(&format!("/api/v1/quotes/{quote}")).await.expect(200).body["version"].to_string();
        let submit = [("csrf_token", csrf.as_str()), ("version", version.as_str()), ("action", "submit_approval"), ("justification", "Flagship site for the region")];
        let submitted = app.page(&format!("/deals/{deal}/quotes/{quote}"), &admin, Some(&submit), &[]).await;
        assert_eq!(submitted.status, StatusCode::SEE_OTHER);
        let page = app.page(&format!("/deals/{deal}"), &admin, None, &[]).await;
        assert!(page.html.contains("Pending") && page.html.contains("recall_approval"), "the request shows, and can be recalled");

        let manager = app.sign_in_page("manager@example.com", ADMIN_PASSWORD).await;
        let inbox = app.page("/approvals", &manager, None, &[]).await;
        assert_eq!(inbox.status, StatusCode::OK);
        assert!(inbox.html.contains("Cold storage") && inbox.html.contains("Flagship site for the region") && inbox.html.contains("15.0%"), "{}", inbox.html);
        let request = app.get(&format!("/api/v1/deals/{deal}/approvals")).await.expect(200).body[0].clone();
        let id = request["id"].as_str().unwrap().to_owned();
        let csrf = inbox.field("csrf_token").expect("a CSRF token");
        let version = inbox.field("version").expect("the request's version");
        let reject = [("csrf_token", csrf.as_str()), ("version", version.as_str()), ("action", "reject")];
        let refused = app.page(&format!("/approvals/{id}"), &manager, Some(&reject), &[]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.html.contains("comment"), "a rejection needs a reason");
        let approve = [("csrf_token", csrf.as_str()), ("version", version.as_str()), ("action", "approve"), ("comment", "OK for the flagship")];
        assert_eq!(app.page(&format!("/approvals/{id}"), &manager, Some(&approve), &[]).await.status, StatusCode::SEE_OTHER);
        assert!(app.page("/approvals", &manager, None, &[]).await.html.contains("Nothing waits for your approval."));
        let chinese = app.page("/approvals", &manager, None, &[("accept-language", "zh-CN")]).await;
        assert!(chinese.html.contains("没有等待您审批的申请"));

        let page = app.page(&format!("/deals/{deal}"), &admin, None, &[]).await;
        assert!(page.html.contains("Approved") && page.html.contains("OK for the flagship"), "the decision shows on the deal");
        let version = app.get(&format!("/api/v1/quotes/{quote}")).await.expect(200).body["version"].to_string();
        let send = [("csrf_token", page.field("csrf_token").unwrap_or_default()), ("version", version), ("action", "send".to_owned())];
        let send: Vec<(&str, &str)> = send.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(app.page(&format!("/deals/{deal}/quotes/{quote}"), &admin, Some(&send), &[]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(app.get(&format!("/api/v1/quotes/{quote}")).await.expect(200).body["status"], "sent");
    }

    async fn a_consumer_quote_takes_promotion_codes_and_says_why_others_did_not_apply(app: &TestApp) {
        let person = app.create_person("Zhao Lei").await.id();
        let deal = app
            .post("/api/v1/deals", &json!({ "title": "Gym membership", "kind": "b2c", "counterparty_id": person, "currency": "CNY", "amount_minor": 1 }))
            .await
            .expect(201)
            .id();
        let gym = app
            .post("/api/v1/products", &json!({ "sku": "GYM-12", "name": "Annual membership", "category": "Fitness", "prices": [{ "currency": "CNY", "amount_minor": 400_000 }] }))
            .await
            .expect(201)
            .id();
        let towel = app
            .post("/api/v1/products", &json!({ "sku": "TOWEL", "name": "Gym towel", "prices": [{ "currency": "CNY", "amount_minor": 5_000 }] }))
            .await
            .expect(201)
            .id();
        let starts = "2026-01-01T00:00:00Z";
        for body in [
            json!({ "name": "Autumn", "code": "AUTUMN", "class": "order", "reward": { "type": "percentage", "bp": 1500 }, "starts_at": starts, "combines_with": { "gift": true } }),
            json!({ "name": "Towel pack", "class": "gift", "reward": { "type": "gift", "product_id": towel, "quantity": 2 }, "starts_at": starts, "combines_with": { "order": true } }),
            json!({ "name": "Store day", "class": "order", "reward": { "type": "percentage", "bp": 500 }, "starts_at": starts, "eligibility": { "channels": ["store"] } }),
        ] {
            app.post("/api/v1/promotions", &body).await.expect(201);
        }
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let page = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
        assert!(page.html.contains("name=\"promotion_codes\""), "a consumer quote takes codes");
        let csrf = page.field("csrf_token").expect("a CSRF token");
        let start = [("csrf_token", csrf.as_str()), ("product_id", gym.as_str()), ("quantity", "1"), ("promotion_codes", "autumn")];
        assert_eq!(app.page(&format!("/deals/{deal}/quotes"), &session, Some(&start), &[]).await.status, StatusCode::SEE_OTHER);
        let page = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
        assert!(page.html.contains("Autumn (AUTUMN)") && page.html.contains("−¥600.00"), "the code's discount shows");
        assert!(page.html.contains("2 × Gym towel (¥100.00)"), "the gift pack shows with its worth");
        assert!(page.html.contains("To pay") && page.html.contains("¥3,400.00"));
        assert!(page.html.contains("Store day — not for this sales channel"), "the panel says why a promotion did not apply");

        let quote = app.get(&format!("/api/v1/deals/{deal}/quotes")).await.expect(200).body[0].clone();
        let id = quote["id"].as_str().unwrap().to_owned();
        let version = quote["version"].to_string();
        let wrong = [("csrf_token", csrf.as_str()), ("version", version.as_str()), ("promotion_codes", "WINTER")];
        let refused = app.page(&format!("/deals/{deal}/quotes/{id}/promotions"), &session, Some(&wrong), &[]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.html.contains("no promotion has code WINTER"));
        let cleared = [("csrf_token", csrf.as_str()), ("version", version.as_str()), ("promotion_codes", "")];
        assert_eq!(app.page(&format!("/deals/{deal}/quotes/{id}/promotions"), &session, Some(&cleared), &[]).await.status, StatusCode::SEE_OTHER);
        let now = app.get(&format!("/api/v1/quotes/{id}")).await.expect(200).body;
        assert_eq!(now["totals"]["total_minor"], 400_000, "without the code only the gift pack applies: {now}");
        let chinese = app.page(&format!("/deals/{deal}"), &session, None, &[("accept-language", "zh-CN")]).await;
        assert!(chinese.html.contains("需要输入优惠码"), "the reasons read in Chinese");
    }

    async fn contracts_are_drawn_up_approved_by_the_customer_and_signed_from_the_deal_page(app: &TestApp) {
        let deal = b2b_deal(app, "Cold chain", 100, "EUR").await;
        let signer = app.create_person("Greta Berg").await.id();
        app.post(&format!("/api/v1/deals/{deal}/stakeholders"), &json!({ "person_id": signer, "roles": ["signatory"], "department": "Legal" }))
            .await
            .expect(201);
        let quote = app
            .post(&format!("/api/v1/deals/{deal}/quotes"), &json!({ "lines": [{ "description": "Freezers", "quantity": 2, "list_unit_price_minor": 500_000 }] }))
            .await
            .expect(201)
            .id();
        app.post(&format!("/api/v1/quotes/{quote}/send"), &json!({})).await.expect(200);
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let page = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
        assert!(page.html.contains("No contract yet.") && page.html.contains("Greta Berg"), "the signatory is offered from the committee");
        let csrf = page.field("csrf_token").expect("a CSRF token");
        let start = [("csrf_token", csrf.as_str()), ("signatory_id", signer.as_str())];
        assert_eq!(app.page(&format!("/deals/{deal}/contracts"), &session, Some(&start), &[]).await.status, StatusCode::SEE_OTHER);
        let contract = app.get(&format!("/api/v1/deals/{deal}/contracts")).await.expect(200).body[0].clone();
        let id = contract["id"].as_str().unwrap().to_owned();
        let current = || async { app.get(&format!("/api/v1/contracts/{id}")).await.expect(200).body };
        let act = |action: &'static str, version: String| {
            let (csrf, session, path) = (csrf.clone(), session.clone(), format!("/deals/{deal}/contracts/{id}"));
            async move {
                let form = [("csrf_token", csrf.as_str()), ("version", version.as_str()), ("action", action)];
                app.page(&path, &session, Some(&form), &[]).await
            }
        };
        assert_eq!(act("ready", current().await["version"].to_string()).await.status, StatusCode::SEE_OTHER);
        assert_eq!(act("send_to_customer", current().await["version"].to_string()).await.status, StatusCode::SEE_OTHER);
        let page = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
        assert!(page.html.contains("With the customer") && page.html.contains("In review"), "the customer's chain shows");
        let early = act("signed", current().await["version"].to_string()).await;
        assert!(early.status.is_client_error() && early.html.contains("not out for signature"), "signing waits for the chain");
        for index in 0..4 {
            let version = current().await["version"].to_string();
            let form = [("csrf_token", csrf.as_str()), ("version", version.as_str()), ("outcome", "approved"), ("notes", "fine")];
            let decided = app.page(&format!("/deals/{deal}/contracts/{id}/steps/{index}"), &session, Some(&form), &[]).await;
            assert_eq!(decided.status, StatusCode::SEE_OTHER, "step {index}: {}", decided.html);
        }
        assert_eq!(current().await["status"], "customer_approved");
        assert_eq!(act("out_for_signature", current().await["version"].to_string()).await.status, StatusCode::SEE_OTHER);
        assert_eq!(act("signed", current().await["version"].to_string()).await.status, StatusCode::SEE_OTHER);
        let page = app.page(&format!("/deals/{deal}"), &session, None, &[("accept-language", "zh-CN")]).await;
        assert!(page.html.contains("已签署") && page.html.contains("签署于"), "the signed contract reads in Chinese");
    }

    async fn an_accepted_quote_is_invoiced_paid_and_aged_from_the_pages(app: &TestApp) {
        let deal = b2b_deal(app, "Forklifts", 100, "CNY").await;
        let quote = app
            .post(&format!("/api/v1/deals/{deal}/quotes"), &json!({ "lines": [{ "description": "Forklift", "quantity": 2, "list_unit_price_minor": 5_000_000 }] }))
            .await
            .expect(201)
            .id();
        app.post(&format!("/api/v1/quotes/{quote}/send"), &json!({})).await.expect(200);
        app.post(&format!("/api/v1/quotes/{quote}/accept"), &json!({})).await.expect(200);
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let page = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
        assert!(page.html.contains("Invoice the accepted quote"));
        let csrf = page.field("csrf_token").expect("a CSRF token");
        let schedule = [("csrf_token", csrf.as_str())];
        assert_eq!(app.page(&format!("/deals/{deal}/invoices"), &session, Some(&schedule), &[]).await.status, StatusCode::SEE_OTHER);
        let invoice = app.get(&format!("/api/v1/deals/{deal}/invoices")).await.expect(200).body[0].clone();
        let id = invoice["id"].as_str().unwrap().to_owned();
        let version = || async { app.get(&format!("/api/v1/invoices/{id}")).await.expect(200).body["version"].to_string() };
        let path = format!("/deals/{deal}/invoices/{id}");
        let v = version().await;
        let finalise = [("csrf_token", csrf.as_str()), ("version", v.as_str()), ("action", "finalise"), ("po_number", "PO-9")];
        assert_eq!(app.page(&path, &session, Some(&finalise), &[]).await.status, StatusCode::SEE_OTHER);
        let page = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
        assert!(page.html.contains("INV-000001") && page.html.contains("PO PO-9"), "the issued invoice shows its number and PO");
        let v = version().await;
        let too_much = [("csrf_token", csrf.as_str()), ("version", v.as_str()), ("action", "pay"), ("method", "alipay"), ("amount", "100,000.01")];
        let refused = app.page(&path, &session, Some(&too_much), &[]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let part = [("csrf_token", csrf.as_str()), ("version", v.as_str()), ("action", "pay"), ("method", "alipay"), ("amount", "40,000")];
        assert_eq!(app.page(&path, &session, Some(&part), &[]).await.status, StatusCode::SEE_OTHER);
        let owed = app.page("/receivables", &session, None, &[]).await;
        assert!(owed.html.contains("¥60,000.00"), "what is left shows in the ageing: {}", owed.html);
        let page = app.page(&format!("/deals/{deal}"), &session, None, &[("accept-language", "zh-CN")]).await;
        assert!(page.html.contains("支付宝") && page.html.contains("已收到"), "the payment reads in Chinese");

        // A WeChat payment the provider confirms later, then part of it refunded.
        let pending = app
            .post(&format!("/api/v1/invoices/{id}/payments"), &json!({ "method": "wechat_pay", "amount_minor": 1_000_000, "status": "pending" }))
            .await
            .expect(201);
        let payment_path = format!("/deals/{deal}/payments/{}", pending.id());
        let payment_version = || async { app.get(&format!("/api/v1/payments/{}", pending.id())).await.expect(200).body["version"].to_string() };
        let page = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
        assert!(page.html.contains(&format!("action=\"{payment_path}\"")) && page.html.contains("value=\"succeeded\""), "a pending payment can be marked received");
        let v = payment_version().await;
        let received = [("csrf_token", csrf.as_str()), ("version", v.as_str()), ("action", "succeeded")];
        assert_eq!(app.page(&payment_path, &session, Some(&received), &[]).await.status, StatusCode::SEE_OTHER);
        let v = payment_version().await;
        let too_much = [("csrf_token", csrf.as_str()), ("version", v.as_str()), ("action", "refund"), ("amount", "10,000.01"), ("reason", "requested_by_customer")];
        assert_eq!(app.page(&payment_path, &session, Some(&too_much), &[]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        let refund = [("csrf_token", csrf.as_str()), ("version", v.as_str()), ("action", "refund"), ("amount", "4,000"), ("reason", "requested_by_customer")];
        assert_eq!(app.page(&payment_path, &session, Some(&refund), &[]).await.status, StatusCode::SEE_OTHER);
        let payment = app.get(&format!("/api/v1/payments/{}", pending.id())).await.expect(200).body;
        assert_eq!((payment["status"].as_str(), payment["refunded_minor"].as_i64()), (Some("succeeded"), Some(400_000)));
        let owed = app.page("/receivables", &session, None, &[]).await;
        assert!(owed.html.contains("¥54,000.00"), "the refund is owed again: {}", owed.html);
    }

    async fn a_customers_billing_details_are_kept_on_its_page(app: &TestApp) {
        let acme = app.create_organisation("Acme Freight").await.id();
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let page = app.page(&format!("/organisations/{acme}"), &session, None, &[]).await;
        assert!(page.html.contains("Still missing: Legal entity invoiced, Tax id"), "the page says what is missing");
        let csrf = page.field("csrf_token").expect("a CSRF token");
        let bad = [("csrf_token", csrf.as_str()), ("ap_email", "nobody")];
        let refused = app.page(&format!("/parties/{acme}/billing"), &session, Some(&bad), &[]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.html.contains("ap_email"));
        let form = [
            ("csrf_token", csrf.as_str()),
            ("legal_entity", "Acme Freight Ltd"),
            ("tax_id", "91310000MA1FL0000X"),
            ("billing_address", "88 Century Avenue, Shanghai"),
            ("ap_email", "ap@acme.example"),
            ("requires_po", "on"),
            ("fapiao_required", "on"),
        ];
        assert_eq!(app.page(&format!("/parties/{acme}/billing"), &session, Some(&form), &[]).await.status, StatusCode::SEE_OTHER);
        let profile = app.get(&format!("/api/v1/billing-profiles/{acme}")).await.expect(200).body;
        assert_eq!((profile["requires_po"].as_bool(), profile["fapiao_required"].as_bool()), (Some(true), Some(true)));
        assert_eq!(profile["missing"], json!([]));
        let chinese = app.page(&format!("/organisations/{acme}"), &session, None, &[("accept-language", "zh-CN")]).await;
        assert!(chinese.html.contains("开票信息") && chinese.html.contains("Acme Freight Ltd"));

        // Once someone works there, they can be chosen as the accounts-payable contact.
        let clerk = app.create_person("Wang Fang").await.id();
        app.post("/api/v1/employments", &json!({ "person_id": clerk, "organisation_id": acme, "title": "AP clerk" })).await.expect(201);
        let page = app.page(&format!("/organisations/{acme}"), &session, None, &[]).await;
        assert!(page.html.contains(&format!("<option value=\"{clerk}\">Wang Fang</option>")), "the people who work there are offered");
        let mut with_clerk = form.to_vec();
        with_clerk.push(("ap_contact_id", clerk.as_str()));
        assert_eq!(app.page(&format!("/parties/{acme}/billing"), &session, Some(&with_clerk), &[]).await.status, StatusCode::SEE_OTHER);
        let profile = app.get(&format!("/api/v1/billing-profiles/{acme}")).await.expect(200).body;
        assert_eq!(profile["ap_contact_id"], json!(clerk));
        let page = app.page(&format!("/organisations/{acme}"), &session, None, &[]).await;
        assert!(page.html.contains(&format!("<option value=\"{clerk}\" selected>Wang Fang</option>")));
        let mut stranger = form.to_vec();
        stranger.push(("ap_contact_id", "not-a-person"));
        assert_eq!(app.page(&format!("/parties/{acme}/billing"), &session, Some(&stranger), &[]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    async fn notes_and_tasks_are_added_from_the_deal_page(app: &TestApp) {
        let deal = b2b_deal(app, "Assembly line", 100, "CNY").await;
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let page = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
        let csrf = page.field("csrf_token").expect("a CSRF token");
        let notes = || async { app.all(&format!("/api/v1/notes?subject_id={deal}")).await.len() };
        let tasks = || async { app.all(&format!("/api/v1/tasks?subject_id={deal}")).await.len() };

        let empty = app.page(&format!("/deals/{deal}/notes"), &session, Some(&[("csrf_token", csrf.as_str()), ("body", "  ")]), &[]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(notes().await, 0);
        let bad_date = [("csrf_token", csrf.as_str()), ("title", "Send the case study"), ("due_on", "Friday")];
        let refused = app.page(&format!("/deals/{deal}/tasks"), &session, Some(&bad_date), &[]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.html.contains("YYYY-MM-DD") && refused.html.contains("value=\"Send the case study\"") && refused.html.contains("value=\"Friday\""));
        assert_eq!(tasks().await, 0);
        let forged = app.page(&format!("/deals/{deal}/notes"), &session, Some(&[("csrf_token", "x"), ("body", "Hi")]), &[]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(notes().await, 0);

        let note = [("csrf_token", csrf.as_str()), ("body", "CFO wants a pilot first.\n财务总监希望先试点。")];
        assert_eq!(app.page(&format!("/deals/{deal}/notes"), &session, Some(&note), &[]).await.status, StatusCode::SEE_OTHER);
        let task = [("csrf_token", csrf.as_str()), ("title", "Send the case study"), ("due_on", "2026-12-04")];
        assert_eq!(app.page(&format!("/deals/{deal}/tasks"), &session, Some(&task), &[]).await.status, StatusCode::SEE_OTHER);
        assert_eq!((notes().await, tasks().await), (1, 1));
        let shown = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
        assert!(shown.html.contains("财务总监希望先试点") && shown.html.contains("Send the case study") && shown.html.contains("4 Dec 2026"));
    }

    async fn a_deal_is_won_lost_reopened_or_overridden_from_its_workspace(app: &TestApp) {
        let deal = b2b_deal(app, "Assembly line", 100, "CNY").await;
        let stage = |key: &'static str| async move { app.stage("b2b", key).await };
        let (qualify, first_meeting, lost) = (stage("b2b_qualify").await, stage("b2b_first_meeting").await, stage("b2b_lost").await);
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let path = format!("/deals/{deal}/stage");
        let send = |fields: Vec<(&'static str, String)>| {
            let (path, session, deal) = (path.clone(), session.clone(), deal.clone());
            async move {
                let page = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
                let mut form = vec![("csrf_token", page.field("csrf_token").expect("csrf")), ("version", page.field("version").expect("version"))];
                form.extend(fields);
                let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                app.page(&path, &session, Some(&pairs), &[]).await
            }
        };
        let now = || async { app.get(&format!("/api/v1/deals/{deal}")).await.body };

        let blocked = send(vec![("stage_id", first_meeting.clone())]).await;
        assert_eq!(blocked.status, StatusCode::CONFLICT);
        assert!(blocked.html.contains("stage gates are not met") && blocked.html.contains("D1"), "the gates say why");
        assert!(blocked.html.contains(&format!("<option value=\"{first_meeting}\" selected>")), "the chosen stage stays chosen");

        let no_reason = send(vec![("stage_id", lost.clone()), ("competitor", "Rival Corp".to_owned())]).await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", no_reason.html);
        assert!(no_reason.html.contains("value=\"Rival Corp\""));
        assert_eq!(now().await["status"], "open");

        let lost_it = send(vec![("stage_id", lost.clone()), ("lost_reason", "competitor".to_owned()), ("competitor", "Rival Corp".to_owned())]).await;
        assert_eq!(lost_it.status, StatusCode::SEE_OTHER, "{}", lost_it.html);
        assert_eq!((now().await["status"].as_str().map(str::to_owned), now().await["competitor"].as_str().map(str::to_owned)), (Some("lost".to_owned()), Some("Rival Corp".to_owned())));

        let reopen = send(vec![("stage_id", qualify.clone())]).await;
        assert_eq!(reopen.status, StatusCode::UNPROCESSABLE_ENTITY, "reopening needs a reason");
        let reopened = send(vec![("stage_id", qualify.clone()), ("reason", "They came back after the rival failed".to_owned())]).await;
        assert_eq!(reopened.status, StatusCode::SEE_OTHER, "{}", reopened.html);
        assert_eq!(now().await["status"], "open");

        let overridden = send(vec![("stage_id", first_meeting.clone()), ("override_reason", "Met at the trade fair".to_owned())]).await;
        assert_eq!(overridden.status, StatusCode::SEE_OTHER, "an admin may override: {}", overridden.html);
        assert_eq!(now().await["stage_id"], first_meeting.as_str());
        let audit = app.get(&format!("/api/v1/audit?entity_id={deal}")).await.body;
        assert!(audit["items"].as_array().into_iter().flatten().any(|e| e["new_value"]["gate_override"].is_array()), "the override is audited");

        let (_, rep) = app.user("rep.a@example.com", "member").await;
        let organisation: Value = app.as_(&rep).post("/api/v1/organisations", &json!({ "name": "Quiet Co" })).await.expect(201).body;
        let body = json!({ "title": "Rep deal", "kind": "b2b", "counterparty_id": organisation["id"], "currency": "EUR" });
        let theirs = app.as_(&rep).post("/api/v1/deals", &body).await.expect(201).id();
        let rep_session = app.sign_in_page("rep.a@example.com", ADMIN_PASSWORD).await;
        let page = app.page(&format!("/deals/{theirs}"), &rep_session, None, &[]).await;
        assert!(page.html.contains(&format!("/deals/{theirs}/stage")) && !page.html.contains("name=\"override_reason\""), "reps move deals but do not override gates");
    }

    async fn people_and_organisations_are_listed_searched_and_paged(app: &TestApp) {
        for name in ["Ann Lee", "Bob Chan", "Chen Jie"] {
            app.create_person(name).await;
        }
        app.post("/api/v1/people", &json!({ "name": "Dana Wu", "emails": ["dana@example.com"] })).await.expect(201);
        app.post("/api/v1/organisations", &json!({ "name": "Acme Robotics", "industry": "Manufacturing" })).await.expect(201);
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;

        let all = app.page("/people", &session, None, &[]).await;
        assert_eq!(all.status, StatusCode::OK);
        for name in ["Ann Lee", "Bob Chan", "Chen Jie", "Dana Wu"] {
            assert!(all.html.contains(name), "{name} is listed");
        }
        assert!(all.html.contains("dana@example.com") && !all.html.contains("Acme Robotics"));
        let found = app.page("/people?q=dana%40example", &session, None, &[]).await;
        assert!(found.html.contains("Dana Wu") && !found.html.contains("Ann Lee"), "search covers e-mails");
        let none = app.page("/people?q=nobody", &session, None, &[("accept-language", "zh-CN")]).await;
        assert!(none.html.contains("没有匹配的记录"));

        // Keyset pages of two: every person once, in order, and then no further link.
        let mut seen = Vec::new();
        let mut next = Some("/people?limit=2".to_owned());
        while let Some(path) = next {
            let page = app.page(&path, &session, None, &[]).await;
            assert_eq!(page.status, StatusCode::OK);
            let names: Vec<String> = page.html.split("<strong class=\"name\">").skip(1).filter_map(|p| p.split('<').next().map(str::to_owned)).collect();
            assert!(names.len() <= 2, "{names:?} from {path}");
            seen.extend(names);
            next = page.html.split("class=\"next\" href=\"").nth(1).and_then(|p| p.split('"').next()).map(|p| p.replace("&#38;", "&").replace("&amp;", "&"));
        }
        seen.sort();
        assert_eq!(seen, ["Ann Lee", "Bob Chan", "Chen Jie", "Dana Wu"]);

        let organisations = app.page("/organisations", &session, None, &[]).await;
        assert!(organisations.html.contains("Acme Robotics") && organisations.html.contains("Manufacturing"));
        assert_eq!(app.page("/people?after=not-an-id", &session, None, &[]).await.status, StatusCode::BAD_REQUEST);
        assert_eq!(app.page("/people?limit=0", &session, None, &[]).await.status, StatusCode::BAD_REQUEST);
        assert_eq!(app.page("/people", "", None, &[]).await.status, StatusCode::SEE_OTHER, "signed-in users only");

        // "Only mine": the records the viewer owns.
        let (_, rep) = app.user("rep@example.com", "member").await;
        app.as_(&rep).post("/api/v1/people", &json!({ "name": "Erin Zhou" })).await.expect(201);
        let rep_session = app.sign_in_page("rep@example.com", ADMIN_PASSWORD).await;
        let theirs = app.page("/people?mine=1", &rep_session, None, &[]).await;
        assert!(theirs.html.contains("Erin Zhou") && !theirs.html.contains("Ann Lee"), "only the rep's own people");
        assert!(theirs.html.contains("name=\"mine\" value=\"1\" checked"));
        let admins = app.page("/people?mine=1", &session, None, &[]).await;
        assert!(admins.html.contains("Ann Lee") && !admins.html.contains("Erin Zhou"));
        assert_eq!(app.page("/people?mine=yes", &session, None, &[]).await.status, StatusCode::BAD_REQUEST);
    }

    async fn person_and_organisation_pages_show_employment_deals_and_notes(app: &TestApp) {
        let acme = app.create_organisation("Acme Robotics").await.id();
        let li = app.create_person("Li Wei").await.id();
        let job = json!({ "person_id": li, "organisation_id": acme, "title": "CTO", "department": "IT", "started_on": "2024-03-01" });
        app.post("/api/v1/employments", &job).await.expect(201);
        b2b_deal(app, "Warehouse robots", 100, "CNY").await;
        let body = json!({ "title": "Assembly line", "kind": "b2b", "counterparty_id": acme, "amount_minor": 5_000_000, "currency": "CNY" });
        let deal = app.post("/api/v1/deals", &body).await.expect(201).id();
        app.post("/api/v1/notes", &json!({ "subject_type": "person", "subject_id": li, "body": "Prefers WeChat." })).await.expect(201);
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;

        let list = app.page("/organisations", &session, None, &[]).await;
        assert!(list.html.contains(&format!("href=\"/organisations/{acme}\"")), "the list links to the page");
        let organisation = app.page(&format!("/organisations/{acme}"), &session, None, &[]).await;
        assert_eq!(organisation.status, StatusCode::OK);
        assert!(organisation.html.contains("<h1>Acme Robotics</h1>"));
        assert!(organisation.html.contains(&format!("href=\"/people/{li}\"")) && organisation.html.contains("CTO · IT · 1 Mar 2024 –"));
        assert!(organisation.html.contains(&format!("href=\"/deals/{deal}\"")) && organisation.html.contains("¥50,000.00"));
        assert!(!organisation.html.contains("Warehouse robots"), "only this organisation's deals");

        let person = app.page(&format!("/people/{li}"), &session, None, &[("accept-language", "zh-CN")]).await;
        assert_eq!(person.status, StatusCode::OK);
        assert!(person.html.contains("<h1>Li Wei</h1>") && person.html.contains(&format!("href=\"/organisations/{acme}\"")));
        assert!(person.html.contains("Prefers WeChat.") && person.html.contains("任职"));
        assert_eq!(app.page(&format!("/people/{acme}"), &session, None, &[]).await.status, StatusCode::NOT_FOUND, "an organisation is not a person");
        assert_eq!(app.page("/organisations/01890a5d-ac96-774b-bcce-b302099a8057", &session, None, &[]).await.status, StatusCode::NOT_FOUND);
    }

    async fn people_and_organisations_are_added_from_their_pages(app: &TestApp) {
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let list = app.page("/organisations", &session, None, &[]).await;
        assert!(list.html.contains("href=\"/organisations/new\""), "the list offers to add one");
        let form = app.page("/organisations/new", &session, None, &[]).await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = form.field("csrf_token").expect("a token");
        let post = |path: String, fields: Vec<(&'static str, String)>| {
            let session = session.clone();
            let csrf = csrf.clone();
            async move {
                let mut form: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
                form.push(("csrf_token", csrf.as_str()));
                app.page(&path, &session, Some(&form), &[]).await
            }
        };

        let unnamed = post("/organisations".into(), vec![("name", " ".into()), ("industry", "Robotics".into()), ("website", "acme.example".into())]).await;
        assert_eq!(unnamed.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unnamed.html.contains("data-field=\"name\""), "the error sits by its field");
        assert!(unnamed.html.contains("value=\"Robotics\""), "nothing typed is lost");
        let created = post("/organisations".into(), vec![("name", "Acme Robotics".into()), ("industry", "Robotics".into()), ("requires_po", "on".into())]).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.html);
        let acme = created.location().and_then(|l| l.strip_prefix("/organisations/")).expect("the new organisation's page").to_owned();
        let stored = app.get(&format!("/api/v1/organisations/{acme}")).await.expect(200).body;
        assert_eq!(stored["requires_po"], true);
        let page = app.page(&format!("/organisations/{acme}"), &session, None, &[]).await;
        assert!(page.html.contains(&format!("href=\"/people/new?organisation_id={acme}\"")), "the page offers to add someone who works there");

        let prefilled = app.page(&format!("/people/new?organisation_id={acme}"), &session, None, &[]).await;
        assert!(prefilled.html.contains(&format!("<option value=\"{acme}\" selected>Acme Robotics</option>")));
        let people_before = app.all("/api/v1/people").await.len();
        let bad_email = post("/people".into(), vec![("name", "Li Wei".into()), ("email", "li at acme".into()), ("organisation_id", acme.clone()), ("title", "CTO".into())]).await;
        assert_eq!(bad_email.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad_email.html.contains("data-field=\"email\"") && bad_email.html.contains("value=\"Li Wei\"") && bad_email.html.contains("value=\"CTO\""));
        let long_title = post("/people".into(), vec![("name", "Li Wei".into()), ("organisation_id", acme.clone()), ("title", "x".repeat(300))]).await;
        assert_eq!(long_title.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.all("/api/v1/people").await.len(), people_before, "a refused employment leaves no person behind");

        let li = post("/people".into(), vec![("name", "Li Wei".into()), ("email", "li.wei@acme.example".into()), ("organisation_id", acme.clone()), ("title", "CTO".into()), ("department", "IT".into())]).await;
        assert_eq!(li.status, StatusCode::SEE_OTHER, "{}", li.html);
        let li = li.location().and_then(|l| l.strip_prefix("/people/")).expect("the new person's page").to_owned();
        let jobs = app.get(&format!("/api/v1/employments?person_id={li}")).await.expect(200).body;
        assert_eq!(jobs["items"][0]["title"], "CTO");
        assert_eq!(jobs["items"][0]["organisation_id"], acme.as_str());

        let other = app.create_organisation("Star Logistics").await.id();
        let none = post(format!("/people/{li}/employments"), vec![("title", "Advisor".into())]).await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(none.html.contains("data-field=\"organisation_id\"") && none.html.contains("value=\"Advisor\""));
        let bad_day = post(format!("/people/{li}/employments"), vec![("organisation_id", other.clone()), ("started_on", "last spring".into())]).await;
        assert!(bad_day.html.contains("data-field=\"started_on\""));
        let added = post(format!("/people/{li}/employments"), vec![("organisation_id", other.clone()), ("title", "Advisor".into()), ("started_on", "2025-06-01".into())]).await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.html);

        // The person page: both workplaces, and the meetings they attend.
        let body = json!({ "title": "Sorting line", "kind": "b2b", "counterparty_id": acme, "currency": "CNY" });
        let deal = app.post("/api/v1/deals", &body).await.expect(201).id();
        let meeting = json!({
            "deal_id": deal, "purpose": "decision_maker_meeting", "venue": "our_office", "objective": "Agree the pilot",
            "planned_start": "2026-12-01T02:00:00Z", "planned_end": "2026-12-01T03:00:00Z", "attendees": [{ "person_id": li }]
        });
        app.post("/api/v1/meetings", &meeting).await.expect(201);
        let person = app.page(&format!("/people/{li}"), &session, None, &[]).await;
        assert!(person.html.contains(&format!("href=\"/organisations/{acme}\"")) && person.html.contains(&format!("href=\"/organisations/{other}\"")));
        assert!(person.html.contains("Advisor · 1 Jun 2025 –"));
        assert!(person.html.contains("Decision-maker meeting · Our office") && person.html.contains(&format!("href=\"/deals/{deal}\"")), "meetings on the person page");
        let organisation = app.page(&format!("/organisations/{acme}"), &session, None, &[]).await;
        assert!(organisation.html.contains("Decision-maker meeting"), "the organisation's deals' meetings too");
        let api = app.get(&format!("/api/v1/meetings?party_id={li}")).await.expect(200).body;
        assert_eq!(api["items"].as_array().map(Vec::len), Some(1));

        let forged = app.page("/organisations", &session, Some(&[("name", "Forged Ltd"), ("csrf_token", "nope")]), &[]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
    }

    async fn settings_show_users_teams_and_playbooks_to_admins_only(app: &TestApp) {
        let team = app.post("/api/v1/teams", &json!({ "name": "East sales" })).await.expect(201).id();
        let (manager, _) = app.user("manager@example.com", "manager").await;
        app.send(reqwest::Method::PUT, &format!("/api/v1/teams/{team}/members/{manager}"), Some(&json!({ "is_manager": true })), &[]).await.expect(200);
        let admin = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let menu = app.page("/my-day", &admin, None, &[]).await;
        assert!(menu.html.contains("href=\"/settings\""), "admins find the settings in the menu");
        let page = app.page("/settings", &admin, None, &[]).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.html.contains("manager@example.com") && page.html.contains("Manager") && page.html.contains("East sales"));
        assert!(page.html.contains("manager@example.com · manager") || page.html.contains("· manager</span>"), "team managers are marked");
        assert!(page.html.contains("Decision-maker meeting") && page.html.contains("15–25"), "the B2B playbook with its budget");
        assert!(page.html.contains("a decision-maker attended a held, face-to-face decision-maker meeting"), "stage criteria are listed");
        let chinese = app.page("/settings", &admin, None, &[("accept-language", "zh-CN")]).await;
        assert!(chinese.html.contains("决策者出席了已举行的面对面决策人会面") && chinese.html.contains("经理"));

        let manager_session = app.sign_in_page("manager@example.com", ADMIN_PASSWORD).await;
        let refused = app.page("/settings", &manager_session, None, &[]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(!app.page("/my-day", &manager_session, None, &[]).await.html.contains("href=\"/settings\""));
    }

    async fn an_admin_manages_users_and_teams_from_the_settings(app: &TestApp) {
        let admin = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let page = app.page("/settings", &admin, None, &[]).await;
        let csrf = page.field("csrf_token").expect("the forms carry the CSRF token");
        let post = |path: String, fields: Vec<(&'static str, String)>| {
            let admin = admin.clone();
            let csrf = csrf.clone();
            async move {
                let mut form: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
                form.push(("csrf_token", csrf.as_str()));
                app.page(&path, &admin, Some(&form), &[]).await
            }
        };

        // A refused user keeps what was typed, and says why.
        let bad = post("/settings/users".into(), vec![("email", "not an address".into()), ("display_name", "Li Lei".into()), ("role", "member".into())]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.html.contains("class=\"form-error\"") && bad.html.contains("email:"), "the error is shown in place");
        assert!(bad.html.contains("value=\"Li Lei\"") && bad.html.contains("value=\"not an address\""), "nothing typed is lost");
        let created = post("/settings/users".into(), vec![("email", "li.lei@example.com".into()), ("display_name", "Li Lei".into()), ("role", "member".into())]).await;
        assert_eq!(created.status, StatusCode::CREATED);
        assert!(created.html.contains("it is not shown again") && created.html.contains("li.lei@example.com: "), "the generated password is shown once");
        let users = app.get("/api/v1/users").await.expect(200).body;
        let li = users.as_array().and_then(|all| all.iter().find(|u| u["email"] == "li.lei@example.com")).expect("Li Lei exists").clone();
        let li_id = li["id"].as_str().expect("an id").to_owned();
        let admin_id = users.as_array().and_then(|all| all.iter().find(|u| u["email"] == ADMIN_EMAIL)).and_then(|u| u["id"].as_str()).expect("the admin").to_owned();

        let promoted = post(format!("/settings/users/{li_id}"), vec![("role", "manager".into())]).await;
        assert_eq!(promoted.status, StatusCode::SEE_OTHER);
        assert_eq!(app.get(&format!("/api/v1/users/{li_id}")).await.body["role"], "manager");
        let disabled = post(format!("/settings/users/{li_id}"), vec![("role", "manager".into()), ("disabled", "on".into())]).await;
        assert_eq!(disabled.status, StatusCode::SEE_OTHER);
        assert_eq!(app.get(&format!("/api/v1/users/{li_id}")).await.body["disabled"], true);
        let last_admin = post(format!("/settings/users/{admin_id}"), vec![("role", "member".into())]).await;
        assert_eq!(last_admin.status, StatusCode::CONFLICT);
        assert!(last_admin.html.contains("at least one active administrator"), "the refusal is shown on the user's row");
        assert_eq!(app.get(&format!("/api/v1/users/{admin_id}")).await.body["role"], "admin", "nothing changed");

        let unnamed = post("/settings/teams".into(), vec![("name", "   ".into())]).await;
        assert_eq!(unnamed.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(post("/settings/teams".into(), vec![("name", "North".into())]).await.status, StatusCode::SEE_OTHER);
        let teams = app.get("/api/v1/teams").await.expect(200).body;
        let north = teams.as_array().and_then(|all| all.iter().find(|t| t["name"] == "North")).and_then(|t| t["id"].as_str()).expect("North").to_owned();
        post(format!("/settings/users/{li_id}"), vec![("role", "manager".into())]).await;
        let joined = post(format!("/settings/teams/{north}/members"), vec![("user_id", li_id.clone()), ("is_manager", "on".into())]).await;
        assert_eq!(joined.status, StatusCode::SEE_OTHER);
        let team = app.get(&format!("/api/v1/teams/{north}")).await.expect(200).body;
        assert_eq!(team["members"][0]["user_id"], li_id.as_str());
        assert_eq!(team["members"][0]["is_manager"], true);
        let nobody = post(format!("/settings/teams/{north}/members"), vec![("user_id", "".into())]).await;
        assert_eq!(nobody.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(post(format!("/settings/teams/{north}"), vec![("name", "North & Coast".into())]).await.status, StatusCode::SEE_OTHER);
        let removed = post(format!("/settings/teams/{north}/members/{li_id}/remove"), vec![]).await;
        assert_eq!(removed.status, StatusCode::SEE_OTHER);
        let team = app.get(&format!("/api/v1/teams/{north}")).await.expect(200).body;
        assert_eq!(team["name"], "North & Coast");
        assert!(team["members"].as_array().is_some_and(Vec::is_empty));

        // Forms without the session's token, or from someone who is not an admin, change nothing.
        let forged = app.page("/settings/teams", &admin, Some(&[("name", "Forged"), ("csrf_token", "nope")]), &[]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        app.user("plain.member@example.com", "member").await;
        let member = app.sign_in_page("plain.member@example.com", ADMIN_PASSWORD).await;
        let member_csrf = app.page("/my-day", &member, None, &[]).await.field("csrf_token").expect("a token");
        let refused = app.page("/settings/teams", &member, Some(&[("name", "Mine"), ("csrf_token", member_csrf.as_str())]), &[]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(app.get("/api/v1/teams").await.body.as_array().map(Vec::len), Some(1));
    }

    async fn an_admin_revises_a_playbook_from_the_settings(app: &TestApp) {
        let playbook = app.playbook("b2b").await;
        let id = playbook["id"].as_str().expect("an id").to_owned();
        let admin = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let editor = app.page(&format!("/settings/playbooks/{id}"), &admin, None, &[]).await;
        assert_eq!(editor.status, StatusCode::OK);
        let csrf = editor.field("csrf_token").expect("a token");
        assert!(editor.html.contains("name=\"stage.0.rot_days\""));

        // The form as the editor fills it, with the admin's changes.
        let stages = playbook["stages"].as_array().expect("stages");
        let mut form: Vec<(String, String)> = vec![
            ("csrf_token".into(), csrf.clone()),
            ("name".into(), playbook["name"].as_str().unwrap_or("").into()),
            ("cycle_budget_min_days".into(), "12".into()),
            ("cycle_budget_max_days".into(), "30".into()),
        ];
        for (i, stage) in stages.iter().enumerate() {
            let number = |v: &serde_json::Value| v.as_i64().map(|n| n.to_string()).unwrap_or_default();
            let name = if stage["key"] == "b2b_qualify" { "Qualify the account".to_owned() } else { stage["name"].as_str().unwrap_or("").to_owned() };
            form.push((format!("stage.{i}.name"), name));
            form.push((format!("stage.{i}.probability"), number(&stage["probability"])));
            form.push((format!("stage.{i}.target_days"), number(&stage["target_days"])));
            let rot = if i == 0 { "9".to_owned() } else { number(&stage["rot_days"]) };
            form.push((format!("stage.{i}.rot_days"), rot));
            for (position, criterion) in stage["criteria"].as_array().into_iter().flatten().enumerate() {
                let key = criterion["key"].as_str().unwrap_or("");
                let gate = if i == 0 && position == 0 { "off" } else { criterion["gate"].as_str().unwrap_or("") };
                form.push((format!("stage.{i}.gate.{key}"), gate.to_owned()));
            }
        }
        form.push(("stage.0.add".into(), "two_departments".into()));
        form.push(("stage.0.add_gate".into(), "soft".into()));
        let dropped = stages[0]["criteria"][0]["key"].as_str().expect("a first criterion").to_owned();

        let mut wrong = form.clone();
        wrong.retain(|(n, _)| n != "stage.1.rot_days");
        wrong.push(("stage.1.rot_days".into(), "a week".into()));
        let as_pairs = |f: &Vec<(String, String)>| f.iter().map(|(n, v)| (n.clone(), v.clone())).collect::<Vec<_>>();
        let send = |fields: Vec<(String, String)>| {
            let admin = admin.clone();
            let path = format!("/settings/playbooks/{id}");
            async move {
                let borrowed: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                app.page(&path, &admin, Some(&borrowed), &[]).await
            }
        };
        let refused = send(as_pairs(&wrong)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.html.contains("stages[1].rot_days") && refused.html.contains("value=\"a week\""), "the error names the field and keeps the text");
        assert!(refused.html.contains("value=\"Qualify the account\""), "every other change is kept too");
        assert_eq!(current_b2b(app).await["revision"], 1, "a refused edit changes nothing");

        let saved = send(as_pairs(&form)).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
        let revised = current_b2b(app).await;
        assert_eq!(revised["revision"], 2);
        assert_eq!(revised["cycle_budget_max_days"], 30);
        assert_eq!(revised["stages"][0]["rot_days"], 9);
        assert_eq!(revised["stages"][0]["name"], "Qualify the account");
        let keys: Vec<_> = revised["stages"][0]["criteria"].as_array().expect("criteria").iter().map(|c| c["key"].as_str().unwrap_or("").to_owned()).collect();
        assert!(!keys.contains(&dropped) && keys.contains(&"two_departments".to_owned()), "{keys:?}");

        // The renamed stage reads as the admin named it, in Chinese too; the others stay translated.
        let chinese = app.page("/board?playbook=b2b_default", &admin, None, &[("accept-language", "zh-CN")]).await;
        assert!(chinese.html.contains("Qualify the account") && chinese.html.contains("决策人会面"));
        // The old revision's editor cannot overwrite the new one.
        let stale = send(as_pairs(&form)).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(stale.html.contains("not the current one"));
    }

    async fn an_admin_edits_the_approval_matrix_from_the_settings(app: &TestApp) {
        let admin = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let settings = app.page("/settings", &admin, None, &[]).await;
        assert!(settings.html.contains("href=\"/settings/approval-matrix\""));
        let editor = app.page("/settings/approval-matrix", &admin, None, &[]).await;
        assert_eq!(editor.status, StatusCode::OK);
        assert!(editor.html.contains("name=\"tier.3.role.ceo\"") && editor.html.contains("name=\"tier.5.above\""), "the five default rows and a blank one");
        let csrf = editor.field("csrf_token").expect("a token");
        let default = app.get("/api/v1/approval-matrix").await.expect(200).body;

        // The form as the editor fills it: the default rows with the first one raised to 12.5%,
        // the consumer row removed, a new CFO-then-CEO row for large deals, and a 25% cap.
        let mut form: Vec<(String, String)> = vec![
            ("csrf_token".into(), csrf),
            ("version".into(), "0".into()),
            ("rows".into(), "5".into()),
            ("cap".into(), "25".into()),
        ];
        for (i, tier) in default["tiers"].as_array().expect("tiers").iter().enumerate() {
            let above = if i == 0 { "12.5".to_owned() } else { (tier["above_bp"].as_i64().unwrap_or(0) / 100).to_string() };
            form.push((format!("tier.{i}.kind"), tier["deal_kind"].as_str().unwrap_or("").into()));
            form.push((format!("tier.{i}.above"), above));
            form.push((format!("tier.{i}.sla_hours"), tier["sla_hours"].to_string()));
            for step in tier["chain"].as_array().into_iter().flatten() {
                form.push((format!("tier.{i}.role.{}", step["role"].as_str().unwrap_or("")), step["order"].to_string()));
            }
            if tier["deal_kind"] == "b2c" {
                form.push((format!("tier.{i}.remove"), "on".into()));
            }
        }
        for (name, value) in [("kind", "b2b"), ("above", "50"), ("band_currency", "cny"), ("band_amount", "1,000,000"), ("sla_hours", "48"), ("role.cfo", "1"), ("role.ceo", "2")] {
            form.push((format!("tier.5.{name}"), value.into()));
        }
        let send = |fields: Vec<(String, String)>| {
            let admin = admin.clone();
            async move {
                let borrowed: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                app.page("/settings/approval-matrix", &admin, Some(&borrowed), &[]).await
            }
        };

        let mut gapped = form.clone();
        gapped.retain(|(n, _)| n != "tier.5.role.cfo");
        let refused = send(gapped).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.html.contains("tiers[4].chain") && refused.html.contains("value=\"1,000,000\""), "the error names the row and keeps the text");
        assert_eq!(app.get("/api/v1/approval-matrix").await.expect(200).body, default, "a refused edit changes nothing");

        let saved = send(form.clone()).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
        let matrix = app.get("/api/v1/approval-matrix").await.expect(200).body;
        assert_eq!((matrix["version"].as_i64(), matrix["max_b2c_total_discount_bp"].as_i64()), (Some(1), Some(2_500)));
        let tiers = matrix["tiers"].as_array().expect("tiers");
        assert_eq!(tiers.len(), 5, "four kept and one added: {matrix}");
        assert_eq!(tiers[0]["above_bp"], 1_250);
        assert!(tiers.iter().all(|t| t["deal_kind"] == "b2b"), "the consumer row is gone");
        assert_eq!(tiers[4]["min_amount"], json!({ "currency": "CNY", "amount_minor": 100_000_000 }));
        assert_eq!(tiers[4]["chain"], json!([{ "order": 1, "role": "cfo" }, { "order": 2, "role": "ceo" }]));
        let shown = app.page("/settings/approval-matrix", &admin, None, &[("accept-language", "zh-CN")]).await;
        assert!(shown.html.contains("审批矩阵") && shown.html.contains("value=\"1000000.00\"") && shown.html.contains("value=\"12.5\""));

        assert_eq!(send(form).await.status, StatusCode::CONFLICT, "an editor drawn before the change cannot overwrite it");
        let (_, _) = app.user("manager@example.com", "manager").await;
        let manager = app.sign_in_page("manager@example.com", ADMIN_PASSWORD).await;
        assert_eq!(app.page("/settings/approval-matrix", &manager, None, &[]).await.status, StatusCode::FORBIDDEN);
    }

    async fn promotions_and_campaigns_are_kept_from_their_page(app: &TestApp) {
        let towel = app
            .post("/api/v1/products", &json!({ "sku": "TOWEL", "name": "Gym towel", "category": "Gifts", "prices": [{ "currency": "CNY", "amount_minor": 5_000 }] }))
            .await
            .expect(201)
            .id();
        let admin = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let empty = app.page("/promotions", &admin, None, &[]).await;
        assert_eq!(empty.status, StatusCode::OK);
        assert!(empty.html.contains("href=\"/promotions\"") && empty.html.contains("action=\"/promotions\""), "in the menu, with the form for admins");
        let csrf = empty.field("csrf_token").expect("a token");
        let send = |path: &str, fields: Vec<(&'static str, String)>| {
            let (admin, csrf, path) = (admin.clone(), csrf.clone(), path.to_owned());
            async move {
                let mut form: Vec<(&str, &str)> = vec![("csrf_token", csrf.as_str())];
                form.extend(fields.iter().map(|(n, v)| (*n, v.as_str())));
                app.page(&path, &admin, Some(&form), &[]).await
            }
        };

        let campaign = send("/promotion-campaigns", vec![
            ("name", "Spring push".into()), ("starts", "2026-03-01".into()), ("ends", "2026-06-01".into()),
            ("budget_kind", "spend".into()), ("budget_limit", "1,000".into()), ("budget_currency", "cny".into()),
        ]).await;
        assert_eq!(campaign.status, StatusCode::SEE_OTHER, "{}", campaign.html);
        let campaigns = app.all("/api/v1/promotion-campaigns").await;
        assert_eq!(campaigns[0]["budget"], json!({ "kind": "spend", "limit": 100_000, "currency": "CNY" }));
        let campaign_id = campaigns[0]["id"].as_str().expect("an id").to_owned();

        let refused = send("/promotions", vec![
            ("name", "Fifty off".into()), ("class", "order".into()), ("reward", "fixed_amount".into()),
            ("amount", "50".into()), ("starts", "2026-03-01".into()),
        ]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.html.contains("an amount needs its currency") && refused.html.contains("value=\"Fifty off\""), "the error says why and keeps the text");
        assert!(app.all("/api/v1/promotions").await.is_empty(), "a refused form adds nothing");

        let spring = send("/promotions", vec![
            ("name", "Spring".into()), ("code", "spring".into()), ("campaign_id", campaign_id.clone()), ("class", "order".into()),
            ("reward", "percentage".into()), ("percent", "12.5".into()), ("starts", "2026-03-01".into()),
            ("usage_limit_total", "100".into()), ("combines_with", "gift".into()),
        ]).await;
        assert_eq!(spring.status, StatusCode::SEE_OTHER, "{}", spring.html);
        let gift = send("/promotions", vec![
            ("name", "Towel for phone orders".into()), ("class", "gift".into()), ("reward", "gift".into()),
            ("gift_product_id", towel.clone()), ("gift_quantity", "2".into()), ("categories", "Fitness, Yoga".into()),
            ("channel", "phone".into()), ("min_subtotal", "300".into()), ("currency", "CNY".into()), ("starts", "2026-03-01".into()),
            ("combines_with", "order".into()),
        ]).await;
        assert_eq!(gift.status, StatusCode::SEE_OTHER, "{}", gift.html);
        let promotions = app.all("/api/v1/promotions").await;
        assert_eq!(promotions.len(), 2);
        assert_eq!((promotions[0]["code"].as_str(), promotions[0]["reward"].clone()), (Some("SPRING"), json!({ "type": "percentage", "bp": 1_250 })));
        assert_eq!((promotions[0]["campaign_id"].as_str(), promotions[0]["usage_limit_total"].as_i64()), (Some(campaign_id.as_str()), Some(100)));
        assert_eq!(promotions[1]["reward"], json!({ "type": "gift", "product_id": towel, "quantity": 2 }));
        assert_eq!(promotions[1]["eligibility"]["categories"], json!(["Fitness", "Yoga"]));
        assert_eq!(promotions[1]["eligibility"]["channels"], json!(["phone"]));
        assert_eq!(promotions[1]["eligibility"]["min_subtotal_minor"], 30_000);
        assert_eq!(promotions[1]["code"], Value::Null, "no code: it applies by itself");

        let spring_id = promotions[0]["id"].as_str().expect("an id").to_owned();
        let version = promotions[0]["version"].to_string();
        let path = format!("/promotions/{spring_id}/status");
        let paused = send(&path, vec![("status", "paused".into()), ("version", version.clone())]).await;
        assert_eq!(paused.status, StatusCode::SEE_OTHER, "{}", paused.html);
        let stored = app.get(&format!("/api/v1/promotions/{spring_id}")).await.expect(200).body;
        assert_eq!((stored["status"].as_str(), stored["reward"]["bp"].as_i64()), (Some("paused"), Some(1_250)), "only the status changed");
        assert_eq!(send(&path, vec![("status", "active".into()), ("version", version)]).await.status, StatusCode::CONFLICT, "a stale row cannot overwrite");

        let page = app.page("/promotions", &admin, None, &[("accept-language", "zh-CN")]).await;
        assert!(page.html.contains(&format!("data-promotion=\"{spring_id}\" data-status=\"paused\"")));
        assert!(page.html.contains("SPRING") && page.html.contains("Spring push") && page.html.contains("2 × Gym towel") && page.html.contains("百分比折扣"));
        let (_, _) = app.user("rep@example.com", "member").await;
        let rep = app.sign_in_page("rep@example.com", ADMIN_PASSWORD).await;
        let read_only = app.page("/promotions", &rep, None, &[]).await;
        assert!(read_only.html.contains("SPRING") && !read_only.html.contains("action=\"/promotions\""), "members read the promotions without the forms");
        let rep_csrf = read_only.field("csrf_token").expect("a token");
        let forged = app.page("/promotion-campaigns", &rep, Some(&[("csrf_token", rep_csrf.as_str()), ("name", "Mine"), ("starts", "2026-03-01")]), &[]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
    }

    async fn a_long_column_shows_fifty_cards_then_the_rest_on_demand(app: &TestApp) {
        let organisation = app.create_organisation("Acme").await.id();
        for i in 0..52 {
            let body = json!({ "title": format!("Deal {i:02}"), "kind": "b2b", "counterparty_id": organisation, "currency": "CNY" });
            app.post("/api/v1/deals", &body).await.expect(201);
        }
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let cards = |html: &str| column(html, "b2b_qualify").matches("class=\"card\"").count();
        let board = app.page("/board?playbook=b2b_default", &session, None, &[]).await;
        assert_eq!(cards(&board.html), 50);
        assert!(column(&board.html, "b2b_qualify").contains("<span class=\"count\">52</span>"), "the count covers every deal");
        let more = column(&board.html, "b2b_qualify").split("class=\"more\"><a href=\"").nth(1).and_then(|p| p.split('"').next()).expect("a link to the rest").replace("&#38;", "&").replace("&amp;", "&");
        let expanded = app.page(&more, &session, None, &[]).await;
        assert_eq!(expanded.status, StatusCode::OK);
        assert_eq!(cards(&expanded.html), 52);
        assert!(!column(&expanded.html, "b2b_qualify").contains("class=\"more\""));
    }

    async fn the_board_filters_by_team_kind_and_expected_close(app: &TestApp) {
        let team = app.post("/api/v1/teams", &json!({ "name": "Team East" })).await.expect(201).id();
        let (rep, _) = app.user("east.rep@example.com", "member").await;
        let organisation = app.create_organisation("Acme").await.id();
        let person = app.create_person("Wang Fang").await.id();
        let deal = |title: &str, close: Option<&str>| {
            json!({ "title": title, "kind": "b2b", "counterparty_id": organisation, "currency": "CNY", "expected_close": close })
        };
        let east = app.post("/api/v1/deals", &deal("East expansion", Some("2026-12-10"))).await.expect(201).id();
        app.post(&format!("/api/v1/deals/{east}/assign"), &json!({ "owner_id": rep, "team_id": team })).await.expect(200);
        app.post("/api/v1/deals", &deal("Late renewal", Some("2027-03-01"))).await.expect(201);
        app.post("/api/v1/deals", &deal("Undated pilot", None)).await.expect(201);
        let b2c = json!({ "title": "Home gym", "kind": "b2c", "counterparty_id": person, "currency": "CNY" });
        app.post("/api/v1/deals", &b2c).await.expect(201);
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;

        let by_team = app.page(&format!("/board?playbook=b2b_default&team={team}"), &session, None, &[]).await;
        assert_eq!(by_team.status, StatusCode::OK);
        assert!(by_team.html.contains("East expansion") && !by_team.html.contains("Late renewal"), "only the team's deals");
        assert!(by_team.html.contains(&format!("<option value=\"{team}\" selected>Team East</option>")), "the filter shows what it filters by");
        // A move made on a filtered board comes back to the same filtered board.
        assert!(by_team.html.contains(&format!("name=\"team\" value=\"{team}\"")), "moves keep the filters");

        let closing = app.page("/board?playbook=b2b_default&close_from=2026-12-01&close_to=2026-12-31", &session, None, &[]).await;
        assert!(closing.html.contains("East expansion"));
        assert!(!closing.html.contains("Late renewal") && !closing.html.contains("Undated pilot"), "only deals closing in December");
        assert!(closing.html.contains("value=\"2026-12-01\"") && closing.html.contains("value=\"2026-12-31\""));

        // The kind filter offers only that kind's playbooks, and opens the first of them.
        let consumer = app.page("/board?kind=b2c", &session, None, &[]).await;
        assert!(consumer.html.contains("Home gym") && !consumer.html.contains("East expansion"));
        assert!(!consumer.html.contains("playbook=b2b_default"), "no B2B tab under the B2C filter");

        let api = app.get(&format!("/api/v1/deals?team_id={team}&expected_close_to=2026-12-31")).await.expect(200);
        let titles: Vec<_> = api.body["items"].as_array().expect("items").iter().map(|d| d["title"].clone()).collect();
        assert_eq!(titles, vec![json!("East expansion")], "the API filters the same way");
        app.get("/api/v1/deals?expected_close_from=December").await.expect(422);

        for nonsense in ["/board?team=east", "/board?kind=b2x", "/board?close_from=31.12.2026"] {
            let refused = app.page(nonsense, &session, None, &[]).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{nonsense}");
        }
    }

    async fn a_reps_board_shows_their_deals_their_teams_and_their_deal_team_places(app: &TestApp) {
        let team = app.post("/api/v1/teams", &json!({ "name": "Team East" })).await.expect(201).id();
        let (rep, _) = app.user("rep@example.com", "member").await;
        let (colleague, _) = app.user("colleague@example.com", "member").await;
        let (stranger, _) = app.user("stranger@example.com", "member").await;
        for user in [&rep, &colleague] {
            app.send(reqwest::Method::PUT, &format!("/api/v1/teams/{team}/members/{user}"), Some(&json!({ "is_manager": false })), &[])
                .await
                .expect(200);
        }
        let organisation = app.create_organisation("Acme").await.id();
        let deal = |title: &str, owner: &str, team: Option<&str>| {
            let title = title.to_owned();
            let owner = owner.to_owned();
            let team = team.map(str::to_owned);
            let organisation = organisation.clone();
            async move {
                let id = app
                    .post("/api/v1/deals", &json!({ "title": title, "kind": "b2b", "counterparty_id": organisation, "currency": "CNY" }))
                    .await
                    .expect(201)
                    .id();
                app.post(&format!("/api/v1/deals/{id}/assign"), &json!({ "owner_id": owner, "team_id": team })).await.expect(200);
                id
            }
        };
        deal("Mine alone", &rep, None).await;
        deal("Team deal", &colleague, Some(&team)).await;
        let shared = deal("Shared with me", &stranger, None).await;
        deal("Not mine", &stranger, None).await;
        app.post(&format!("/api/v1/deals/{shared}/team"), &json!({ "user_id": rep, "role": "solution_engineer", "access": "read" }))
            .await
            .expect(201);

        let session = app.sign_in_page("rep@example.com", ADMIN_PASSWORD).await;
        let board = app.page("/board?playbook=b2b_default", &session, None, &[]).await;
        assert_eq!(board.status, StatusCode::OK);
        for seen in ["Mine alone", "Team deal", "Shared with me"] {
            assert!(board.html.contains(seen), "{seen} is on the rep's board");
        }
        assert!(!board.html.contains("Not mine"), "a deal the rep may not see stays off the board");
        assert!(column(&board.html, "b2b_qualify").contains("<span class=\"count\">3</span>"), "the column counts the three deals the rep sees");
    }

    async fn signing_out_needs_the_pages_token_and_ends_the_session(app: &TestApp) {
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let board = app.page("/board", &session, None, &[]).await;
        let csrf = board.field("csrf_token").expect("the sign-out form carries the CSRF token");

        let forged = app.page("/logout", &session, Some(&[("csrf_token", "forged")]), &[]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(app.page("/board", &session, None, &[]).await.status, StatusCode::OK, "still signed in");

        let out = app.page("/logout", &session, Some(&[("csrf_token", csrf.as_str())]), &[]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert_eq!(out.location(), Some("/login"));
        let after = app.page("/board", &session, None, &[]).await;
        assert_eq!(after.status, StatusCode::SEE_OTHER, "the old cookie no longer works");
        let asset = app.page("/assets/closer.css", "", None, &[]).await;
        assert_eq!(asset.status, StatusCode::OK);
        assert!(asset.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").starts_with("text/css"));
    }
}

on_both_backends! {
    async fn the_forms_warn_of_duplicates_and_the_finder_page_merges_them(app: &TestApp) {
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let csrf = app.page("/people/new", &session, None, &[]).await.field("csrf_token").expect("a token");
        let ann = app.post("/api/v1/people", &json!({ "name": "Ann Lee", "emails": ["ann@acme.example"] })).await.expect(201).id();
        let people_before = app.all("/api/v1/people").await.len();

        // The same e-mail again: the form asks first, keeping what was typed.
        let form = [("name", "A. Lee"), ("email", "ANN@acme.example"), ("csrf_token", csrf.as_str())];
        let warned = app.page("/people", &session, Some(&form), &[]).await;
        assert_eq!(warned.status, StatusCode::OK);
        assert!(warned.html.contains("data-duplicates") && warned.html.contains(&format!("href=\"/people/{ann}\"")), "{}", warned.html);
        assert!(warned.html.contains("same e-mail ann@acme.example") && warned.html.contains("value=\"A. Lee\""));
        assert!(warned.html.contains("name=\"create_anyway\" value=\"1\""));
        assert_eq!(app.all("/api/v1/people").await.len(), people_before, "nothing made before the user says so");
        let anyway = [("name", "A. Lee"), ("email", "ANN@acme.example"), ("create_anyway", "1"), ("csrf_token", csrf.as_str())];
        let made = app.page("/people", &session, Some(&anyway), &[]).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.html);
        let again = made.location().and_then(|l| l.strip_prefix("/people/")).expect("the new person's page").to_owned();

        // Organisations are checked by name and web domain too, in the viewer's language.
        app.post("/api/v1/organisations", &json!({ "name": "Acme", "website": "https://acme.example" })).await.expect(201);
        let form = [("name", "ACME"), ("website", "www.acme.example"), ("csrf_token", csrf.as_str())];
        let warned = app.page("/organisations", &session, Some(&form), &[]).await;
        assert!(warned.html.contains("same web domain acme.example") && warned.html.contains("same name acme"), "{}", warned.html);
        let chinese = app.page("/organisations", &session, Some(&form), &[("accept-language", "zh-CN")]).await;
        assert!(chinese.html.contains("相同网站域名 acme.example"), "{}", chinese.html);

        // The finder's page pairs them; keeping Ann merges the other into her.
        let list = app.page("/people", &session, None, &[]).await;
        assert!(list.html.contains("href=\"/duplicates?kind=people\""));
        // The list exports as shown, with its search, through the session.
        let searched = app.page("/people?q=A.%20Lee", &session, None, &[]).await;
        assert!(searched.html.contains("href=\"/api/v1/people/export?q=A.%20Lee\""), "{}", searched.html);
        let file = app.page("/api/v1/people/export?q=A.%20Lee", &session, None, &[]).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.html.lines().count(), 2, "the header and A. Lee: {}", file.html);
        let finder = app.page("/duplicates?kind=people", &session, None, &[]).await;
        assert_eq!(finder.status, StatusCode::OK);
        assert!(finder.html.contains(&format!("value=\"{ann}\"")) && finder.html.contains(&format!("value=\"{again}\"")), "{}", finder.html);
        let merge = [("kind", "people"), ("kept", ann.as_str()), ("duplicate", again.as_str()), ("csrf_token", csrf.as_str())];
        let merged = app.page("/duplicates/merge", &session, Some(&merge), &[]).await;
        assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.html);
        assert_eq!(merged.location(), Some(format!("/duplicates?kind=people&merged={ann}").as_str()));
        app.get(&format!("/api/v1/people/{again}")).await.expect(404);
        let after = app.page(merged.location().unwrap(), &session, None, &[]).await;
        assert!(after.html.contains("data-merged") && after.html.contains(&format!("href=\"/people/{ann}\"")));
        assert!(!after.html.contains(&format!("value=\"{again}\"")), "the pair is gone");
        // Merging it again is refused on the page, not with an error of the server.
        let twice = app.page("/duplicates/merge", &session, Some(&merge), &[]).await;
        assert_eq!(twice.status, StatusCode::NOT_FOUND);
        let forged = app.page("/duplicates/merge", &session, Some(&[("kind", "people"), ("kept", ann.as_str()), ("duplicate", ann.as_str()), ("csrf_token", "x")]), &[]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
    }
}

on_both_backends! {
    async fn a_file_is_previewed_imported_followed_and_reverted_from_the_data_page(app: &TestApp) {
        let session = app.sign_in_page(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let data = app.page("/data", &session, None, &[]).await;
        assert_eq!(data.status, StatusCode::OK);
        assert!(data.html.contains("enctype=\"multipart/form-data\"") && data.html.contains("href=\"/api/v1/people/export\""));
        let csrf = data.field("csrf_token").expect("a token");
        // A Chinese spreadsheet saved as GB18030, with one bad row.
        let text = "姓名,手机,邮箱,公司\n王小明,13800138000,xiaoming@star.example,星辰科技\n李娜,,不是邮箱,星辰科技\n";
        let (gbk, _, _) = encoding_rs::GB18030.encode(text);
        let fields = |action: &'static str| vec![("csrf_token", csrf.as_str()), ("kind", "people"), ("mode", "create_or_update"), ("phone_prefix", "+86"), ("action", action)];

        let preview = app.upload_page("/data/imports", &session, &fields("preview"), ("联系人.csv", &gbk)).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.html);
        assert!(preview.html.contains("data-preview") && preview.html.contains("GB18030") && preview.html.contains("王小明"), "{}", preview.html);
        assert!(preview.html.contains("class=\"row-error\""), "the bad row is shown as such");
        assert_eq!(app.all("/api/v1/people").await.len(), 0, "a preview writes nothing");

        let started = app.upload_page("/data/imports", &session, &fields("import"), ("联系人.csv", &gbk)).await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.html);
        let page_path = started.location().expect("the import's page").to_owned();
        let import = app.page(&page_path, &session, None, &[]).await;
        assert!(import.html.contains("data-status=\"finished\"") && import.html.contains("联系人.csv"), "{}", import.html);
        assert!(import.html.contains("data-count=\"created\">1<") && import.html.contains("data-count=\"failed\">1<"), "{}", import.html);
        let id = page_path.trim_start_matches("/data/imports/");
        assert!(import.html.contains(&format!("href=\"/api/v1/imports/{id}/errors\"")));
        let listed = app.page("/data", &session, None, &[]).await;
        assert!(listed.html.contains(&format!("href=\"{page_path}\"")));
        assert_eq!(app.get("/api/v1/people?q=xiaoming").await.expect(200).body["items"][0]["name"], "王小明");

        // Refusals keep the user on the page with the reason.
        let no_file = app.upload_page("/data/imports", &session, &fields("import"), ("empty.csv", b"")).await;
        assert_eq!(no_file.status, StatusCode::UNPROCESSABLE_ENTITY);
        let forged = app.upload_page("/data/imports", &session, &[("csrf_token", "x"), ("kind", "people"), ("mode", "create"), ("action", "import")], ("a.csv", b"name\nA\n")).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);

        let revert = app.page(&format!("{page_path}/revert"), &session, Some(&[("csrf_token", csrf.as_str())]), &[]).await;
        assert_eq!(revert.status, StatusCode::SEE_OTHER, "{}", revert.html);
        let reverted = app.page(&page_path, &session, None, &[]).await;
        assert!(reverted.html.contains("data-status=\"reverted\""));
        assert_eq!(app.all("/api/v1/people").await.len(), 0, "what it made is gone");
        let again = app.page(&format!("{page_path}/revert"), &session, Some(&[("csrf_token", csrf.as_str())]), &[]).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
    }
}
