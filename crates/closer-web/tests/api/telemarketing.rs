//! Telemarketing registers: the do-not-call list, consents, and the check before every call
//! (R9.1), on both databases.

use serde_json::{Value, json};

use crate::support::{TestApp, on_both_backends};

/// A fixed-offset zone in which it is now about `hour` o'clock (`Etc/GMT-8` is UTC+8).
fn zone_where_it_is(hour: i64) -> String {
    let utc = i64::from(time::OffsetDateTime::now_utc().hour());
    let mut offset = hour - utc;
    while offset > 14 {
        offset -= 24;
    }
    while offset < -12 {
        offset += 24;
    }
    match offset {
        0 => "Etc/GMT".to_owned(),
        east if east > 0 => format!("Etc/GMT-{east}"),
        west => format!("Etc/GMT+{}", -west),
    }
}

fn verdict(check: &Value) -> (bool, Option<&str>) {
    (check["allowed"].as_bool().unwrap(), check["reason"].as_str())
}

on_both_backends! {
    async fn a_number_on_the_do_not_call_list_is_never_cleared_for_a_call(app: &TestApp) {
        let noon = zone_where_it_is(12);
        let person = app.post("/api/v1/people", &json!({ "name": "Liu Yang", "phones": ["+44 20 7946 0000"], "timezone": noon })).await.expect(201).id();
        let check = |phone: &'static str| {
            let person = person.clone();
            async move { app.get(&format!("/api/v1/do-not-call/check?phone={}&person_id={person}", phone.replace('+', "%2B"))).await.expect(200).body }
        };
        assert_eq!(verdict(&check("+442079460000").await), (true, None), "{}", check("+442079460000").await);

        let (_, rep) = app.user("rep@example.com", "member").await;
        let added = app.as_(&rep).post("/api/v1/do-not-call", &json!({ "phone": "+44 20 7946 0000", "note": "Asked on the phone" })).await.expect(201);
        assert_eq!((added.body["phone"].as_str(), added.body["scope"].as_str(), added.body["source"].as_str()), (Some("+442079460000"), Some("entity_specific"), Some("customer_request")));
        let again = app.post("/api/v1/do-not-call", &json!({ "phone": "+442079460000" })).await.expect(200);
        assert_eq!(again.id(), added.id(), "listed once");
        assert_eq!(verdict(&check("+442079460000").await), (false, Some("do_not_call")));
        app.post("/api/v1/do-not-call", &json!({ "phone": "020 7946 0000" })).await.expect_field_error(422, "phone");
        app.post("/api/v1/do-not-call", &json!({ "phone": "+442079460000", "scope": "galactic" })).await.expect(422);
        app.post("/api/v1/do-not-call", &json!({ "phone": "+442079460000", "expires_at": "2001-01-01T00:00:00Z" })).await.expect_field_error(422, "expires_at");
        let listed = app.all("/api/v1/do-not-call?phone=%2B442079460000").await;
        assert_eq!(listed.len(), 1);

        // A rep adds to the list; only administrators and managers take a number off it.
        let path = format!("/api/v1/do-not-call/{}", added.id());
        let etag = app.get(&path).await.expect(200).etag();
        app.as_(&rep).delete(&path, &etag).await.expect(403);
        app.delete(&path, &etag).await.expect(200);
        assert_eq!(verdict(&check("+442079460000").await), (true, None));

        // At night on the callee's clocks, no call.
        let night = app.post("/api/v1/people", &json!({ "name": "Night Owl", "timezone": zone_where_it_is(3) })).await.expect(201).id();
        let late = app.get(&format!("/api/v1/do-not-call/check?phone=%2B442079460000&person_id={night}")).await.expect(200).body;
        assert_eq!(verdict(&late), (false, Some("outside_calling_window")));
        let nowhere = app.get("/api/v1/do-not-call/check?phone=%2B99912345678").await.expect(200).body;
        assert_eq!(verdict(&nowhere), (false, Some("unknown_time_zone")), "no zone and no known region");
        app.get("/api/v1/do-not-call/check?phone=12345").await.expect_field_error(422, "phone");
    }

    async fn a_chinese_number_needs_a_consent_on_file_and_a_withdrawal_ends_it(app: &TestApp) {
        let noon = zone_where_it_is(12);
        let person = app.post("/api/v1/people", &json!({ "name": "Wang Fang", "timezone": noon })).await.expect(201).id();
        let check = || async { app.get(&format!("/api/v1/do-not-call/check?phone=%2B8613800138000&person_id={person}")).await.expect(200).body };
        let first = check().await;
        assert_eq!(verdict(&first), (false, Some("no_consent")), "{first}");
        assert_eq!((first["region"].as_str(), first["consent"].as_str()), (Some("CN"), Some("none")));

        let consents = "/api/v1/consents";
        app.post(consents, &json!({ "person_id": person, "channel": "phone", "granted": true, "evidence": " " })).await.expect_field_error(422, "evidence");
        app.post(consents, &json!({ "person_id": person, "channel": "pigeon", "granted": true, "evidence": "x" })).await.expect(422);
        app.post(consents, &json!({ "person_id": person, "channel": "phone", "granted": true, "evidence": "x", "at": "2999-01-01T00:00:00Z" })).await.expect_field_error(422, "at");
        app.post(consents, &json!({ "person_id": "0192f0c1-0000-7000-8000-000000000000", "channel": "phone", "granted": true, "evidence": "x" })).await.expect_field_error(404, "person_id");
        let granted = app.post(consents, &json!({ "person_id": person, "channel": "phone", "granted": true, "evidence": "Web form opt-in #8841" })).await.expect(201);
        assert_eq!(granted.body["purpose"], "marketing");
        assert_eq!(verdict(&check().await), (true, None));
        app.post(consents, &json!({ "person_id": person, "channel": "email", "granted": false, "evidence": "Unsubscribe link" })).await.expect(201);
        assert_eq!(verdict(&check().await), (true, None), "an e-mail opt-out says nothing of calls");
        app.post(consents, &json!({ "person_id": person, "channel": "phone", "granted": false, "evidence": "Said so on the call of 27 Nov" })).await.expect(201);
        let withdrawn = check().await;
        assert_eq!((verdict(&withdrawn), withdrawn["consent"].as_str()), ((false, Some("no_consent")), Some("withdrawn")));
        let history = app.get(&format!("{consents}?person_id={person}")).await.expect(200).body;
        assert_eq!(history.as_array().unwrap().len(), 3);
        app.get(&format!("/api/v1/consents/{}", granted.id())).await.expect(200);

        // Someone who may not see the person sees none of it.
        let (_, outsider) = app.user("outsider@example.com", "member").await;
        app.as_(&outsider).get(&format!("{consents}?person_id={person}")).await.expect_field_error(404, "person_id");
        app.as_(&outsider).get(&format!("/api/v1/consents/{}", granted.id())).await.expect(404);
    }

    async fn a_registry_list_is_imported_once_with_its_bad_lines_reported(app: &TestApp) {
        let file = "phone\n+8613800138000\n+86 139 0013 9000\n+8613800138000\nnot a number\n\n+14155550100\n";
        let report = app.post_raw("/api/v1/do-not-call/import", "text/plain", file).await.expect(200).body;
        assert_eq!((report["read"].as_u64(), report["created"].as_u64(), report["skipped"].as_u64(), report["failed"].as_u64()), (Some(5), Some(3), Some(1), Some(1)), "{report}");
        assert_eq!((report["errors"][0]["row"].as_u64(), report["errors"][0]["column"].as_str()), (Some(5), Some("phone")));
        let listed = app.all("/api/v1/do-not-call").await;
        assert_eq!(listed.len(), 3);
        assert!(listed.iter().all(|e| e["scope"] == "national_registry" && e["source"] == "registry_import"));
        let again = app.post_raw("/api/v1/do-not-call/import", "text/plain", file).await.expect(200).body;
        assert_eq!((again["created"].as_u64(), again["skipped_because"]["already on a do-not-call list"].as_u64()), (Some(0), Some(3)));
        let (_, rep) = app.user("rep@example.com", "member").await;
        app.as_(&rep).post_raw("/api/v1/do-not-call/import", "text/plain", "+8613700137000").await.expect(403);
        assert_eq!(app.all("/api/v1/do-not-call").await.len(), 3, "a refused import adds nothing");
    }
}

fn campaign_body(name: &str) -> Value {
    json!({
        "name": name,
        "currency": "GBP",
        "script": {
            "opener": "Hello, this is Closer Fitness calling about your trial week.",
            "questions": ["How often do you train now?", "What stops you from training more?"],
            "objections": [{ "objection": "Too expensive", "answer": "The first month is half price this week." }],
            "close": "Shall I book your first session?"
        }
    })
}

/// A consumer with a UK number and a time zone where it is midday now.
async fn customer(app: &TestApp, name: &str, phone: &str) -> String {
    app.post(
        "/api/v1/people",
        &json!({ "name": name, "phones": [phone], "timezone": zone_where_it_is(12) }),
    )
    .await
    .expect(201)
    .id()
}

on_both_backends! {
    async fn agents_take_calls_from_the_hopper_and_dispositions_move_the_entries(app: &TestApp) {
        let (_, rep) = app.user("rep@example.com", "member").await;
        let (_, other) = app.user("other@example.com", "member").await;
        app.as_(&rep).post("/api/v1/call-campaigns", &campaign_body("Refused")).await.expect(403);
        let mut bad = campaign_body("Bad");
        bad["rules"] = json!({ "window_start": "21:00", "window_end": "08:00" });
        bad["script"]["opener"] = json!("");
        let refused = app.post("/api/v1/call-campaigns", &bad).await.expect(422);
        assert_eq!(refused.error_fields(), ["rules.window_end", "script.opener"]);
        let campaign = app.post("/api/v1/call-campaigns", &campaign_body("Trial week")).await.expect(201);
        assert_eq!((campaign.body["status"].as_str(), campaign.body["script_version"].as_i64(), campaign.body["rules"]["max_attempts"].as_i64()), (Some("active"), Some(1), Some(6)));
        let id = campaign.id();

        let ann = customer(app, "Ann", "+44 20 7946 0001").await;
        let bo = customer(app, "Bo", "+44 20 7946 0002").await;
        let silent = app.post("/api/v1/people", &json!({ "name": "No Phone" })).await.expect(201).id();
        let entries = format!("/api/v1/call-campaigns/{id}/entries");
        let added = app.post(&entries, &json!({ "person_ids": [ann, bo, silent, "0192f0c1-0000-7000-8000-000000000000"] })).await.expect(200).body;
        assert_eq!(added["added"].as_array().unwrap().len(), 2, "{added}");
        let reasons: Vec<&str> = added["not_added"].as_array().unwrap().iter().map(|n| n["reason"].as_str().unwrap()).collect();
        assert!(reasons.contains(&"has no phone number") && reasons.iter().any(|r| r.ends_with("does not exist")), "{reasons:?}");
        assert_eq!((added["added_count"].as_u64(), added["not_added_count"].as_u64()), (Some(2), Some(2)));
        let again = app.post(&entries, &json!({ "person_ids": [ann] })).await.expect(200).body;
        assert!(again["not_added"][0]["reason"].as_str().unwrap().contains("already in the campaign"));
        app.as_(&rep).post(&entries, &json!({ "person_ids": [ann] })).await.expect(403);

        // Each agent gets their own entry; asking again gives back the one held.
        let next = format!("/api/v1/call-campaigns/{id}/next-call");
        let first = app.as_(&rep).post(&next, &json!({})).await.expect(200).body;
        assert_eq!((first["entry"]["status"].as_str(), first["script"]["close"].as_str()), (Some("in_progress"), Some("Shall I book your first session?")));
        let held = first["entry"]["id"].as_str().unwrap().to_owned();
        assert_eq!(app.as_(&rep).post(&next, &json!({})).await.expect(200).body["entry"]["id"].as_str(), Some(held.as_str()));
        let second = app.as_(&other).post(&next, &json!({})).await.expect(200).body;
        let other_held = second["entry"]["id"].as_str().unwrap().to_owned();
        assert_ne!(held, other_held, "never two agents on one entry");
        assert_eq!(app.post(&next, &json!({})).await.status, reqwest::StatusCode::NO_CONTENT, "both are taken");

        // No answer: retry in four hours. A disposition on an entry not held is refused.
        let disposition = |entry: &str| format!("/api/v1/call-entries/{entry}/disposition");
        app.as_(&other).post(&disposition(&held), &json!({ "disposition": "no_answer" })).await.expect(409);
        app.as_(&rep).post(&disposition(&held), &json!({ "disposition": "dropped" })).await.expect_field_error(422, "disposition");
        let missed = app.as_(&rep).post(&disposition(&held), &json!({ "disposition": "no_answer", "notes": "Rang out" })).await.expect(200).body;
        assert_eq!((missed["entry"]["status"].as_str(), missed["entry"]["attempts"].as_u64(), missed["attempt"]["disposition"].as_str()), (Some("retry_later"), Some(1), Some("no_answer")));
        app.as_(&rep).post(&disposition(&held), &json!({ "disposition": "no_answer" })).await.expect(409);
        assert_eq!(app.as_(&rep).post(&next, &json!({})).await.status, reqwest::StatusCode::NO_CONTENT, "not due yet");

        // A callback promised by the other agent is theirs.
        let soon = (time::OffsetDateTime::now_utc() + time::Duration::hours(1)).format(&time::format_description::well_known::Rfc3339).unwrap();
        app.as_(&other).post(&disposition(&other_held), &json!({ "disposition": "callback_requested" })).await.expect_field_error(422, "callback_at");
        let promised = app.as_(&other).post(&disposition(&other_held), &json!({ "disposition": "callback_requested", "callback_at": soon, "talk_seconds": 95 })).await.expect(200).body;
        assert_eq!(promised["entry"]["status"], "callback_scheduled");
        assert!(promised["entry"]["callback_agent_id"].is_string());

        // Interested: the customer's B2C deal is opened, owned by the agent, from telemarketing.
        let eve = customer(app, "Eve", "+44 20 7946 0005").await;
        app.post(&entries, &json!({ "person_ids": [eve], "priority": 9 })).await.expect(200);
        let eve_call = app.as_(&rep).post(&next, &json!({})).await.expect(200).body;
        assert_eq!(eve_call["name"], "Eve");
        let eve_entry = eve_call["entry"]["id"].as_str().unwrap().to_owned();
        let converted = app.as_(&rep).post(&disposition(&eve_entry), &json!({ "disposition": "interested", "talk_seconds": 240 })).await.expect(200).body;
        assert_eq!(converted["entry"]["status"], "converted");
        let deal = converted["entry"]["deal_id"].as_str().expect("a deal").to_owned();
        let opened = app.as_(&rep).get(&format!("/api/v1/deals/{deal}")).await.expect(200).body;
        assert_eq!((opened["kind"].as_str(), opened["lead_source"].as_str(), opened["amount"]["currency"].as_str(), opened["counterparty_id"].as_str()), (Some("b2c"), Some("telemarketing"), Some("GBP"), Some(eve.as_str())));

        // Asked not to be called: suppressed, and the number goes on the do-not-call list.
        let cy = customer(app, "Cy", "+44 20 7946 0003").await;
        app.post(&entries, &json!({ "person_ids": [cy], "priority": 5 })).await.expect(200);
        let cy_call = app.as_(&rep).post(&next, &json!({})).await.expect(200).body;
        assert_eq!(cy_call["name"], "Cy");
        let cy_entry = cy_call["entry"]["id"].as_str().unwrap().to_owned();
        let refused_call = app.as_(&rep).post(&disposition(&cy_entry), &json!({ "disposition": "do_not_call" })).await.expect(200).body;
        assert_eq!(refused_call["entry"]["status"], "suppressed");
        assert_eq!(app.all("/api/v1/do-not-call?phone=%2B442079460003").await.len(), 1);

        // A listed number is never offered: it is suppressed when the hopper meets it.
        let dee = customer(app, "Dee", "+44 20 7946 0004").await;
        app.post("/api/v1/do-not-call", &json!({ "phone": "+442079460004" })).await.expect(201);
        app.post(&entries, &json!({ "person_ids": [dee] })).await.expect(200);
        assert_eq!(app.as_(&rep).post(&next, &json!({})).await.status, reqwest::StatusCode::NO_CONTENT);
        let suppressed = app.all(&format!("{entries}?status=suppressed")).await;
        assert_eq!(suppressed.len(), 2, "Cy and Dee");

        // The day's metrics: the rep's own, or everyone's for the admin.
        let metrics = format!("/api/v1/call-campaigns/{id}/metrics");
        let mine = app.as_(&rep).get(&metrics).await.expect(200).body;
        let rows = mine.as_array().unwrap();
        assert_eq!(rows.len(), 1, "{mine}");
        assert_eq!((rows[0]["dials"].as_u64(), rows[0]["connects"].as_u64(), rows[0]["conversions"].as_u64()), (Some(3), Some(2), Some(1)), "no answer, interested, do not call");
        assert!((rows[0]["connect_rate"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
        let everyone = app.get(&metrics).await.expect(200).body;
        assert_eq!(everyone.as_array().unwrap().len(), 2, "two agents called today");
        app.get(&format!("{metrics}?from=2026-02-01&to=2026-01-01")).await.expect_field_error(422, "to");
        app.get(&format!("{metrics}?from=yesterday")).await.expect_field_error(422, "from");

        // Paused, the campaign gives no calls.
        let etag = app.get(&format!("/api/v1/call-campaigns/{id}")).await.expect(200).etag();
        let mut paused = campaign_body("Trial week");
        paused["status"] = json!("paused");
        paused["script"]["close"] = json!("Can I send you the offer?");
        let updated = app.send(reqwest::Method::PUT, &format!("/api/v1/call-campaigns/{id}"), Some(&paused), &[("if-match", etag.as_str())]).await.expect(200).body;
        assert_eq!((updated["status"].as_str(), updated["script_version"].as_i64()), (Some("paused"), Some(2)));
        app.as_(&rep).post(&next, &json!({})).await.expect(409);
    }

    async fn concurrent_agents_never_receive_the_same_entry(app: &TestApp) {
        let id = app.post("/api/v1/call-campaigns", &campaign_body("Rush")).await.expect(201).id();
        let mut people = Vec::new();
        for n in 0..6 {
            people.push(customer(app, &format!("Customer {n}"), &format!("+44 20 7946 10{n:02}")).await);
        }
        app.post(&format!("/api/v1/call-campaigns/{id}/entries"), &json!({ "person_ids": people })).await.expect(200);
        let mut agents = Vec::new();
        for n in 0..4 {
            agents.push(app.user(&format!("agent{n}@example.com"), "member").await.1);
        }
        let next = format!("/api/v1/call-campaigns/{id}/next-call");
        let take = |n: usize| {
            let next = next.clone();
            let agent = agents[n].clone();
            async move { app.as_(&agent).post(&next, &json!({})).await.expect(200).body["entry"]["id"].as_str().unwrap().to_owned() }
        };
        let (a, b, c, d) = tokio::join!(take(0), take(1), take(2), take(3));
        let taken: std::collections::HashSet<String> = [a, b, c, d].into_iter().collect();
        assert_eq!(taken.len(), 4, "four agents, four different entries");
        let held = app.all(&format!("/api/v1/call-campaigns/{id}/entries?status=in_progress")).await;
        assert_eq!(held.len(), 4);
    }
}

on_both_backends! {
    async fn the_call_console_takes_a_call_and_records_it_with_one_button(app: &TestApp) {
        let id = app.post("/api/v1/call-campaigns", &campaign_body("Spring offer")).await.expect(201).id();
        let ann = customer(app, "Ann Page", "+44 20 7946 2001").await;
        let bo = customer(app, "Bo Page", "+44 20 7946 2002").await;
        app.post(&format!("/api/v1/call-campaigns/{id}/entries"), &json!({ "person_ids": [ann, bo] })).await.expect(200);
        app.user("agent@example.com", "member").await;
        let session = app.sign_in_page("agent@example.com", crate::support::ADMIN_PASSWORD).await;

        let list = app.page("/calls", &session, None, &[]).await.html;
        assert!(list.contains("Spring offer") && list.contains(&format!("/calls/{id}")), "{list}");
        let idle = app.page(&format!("/calls/{id}"), &session, None, &[]).await;
        assert!(idle.html.contains("data-next"), "{}", idle.html);
        let csrf = idle.field("csrf_token").unwrap();
        let taken = app.page(&format!("/calls/{id}/next"), &session, Some(&[("csrf_token", csrf.as_str())]), &[]).await;
        assert_eq!((taken.status, taken.location()), (reqwest::StatusCode::SEE_OTHER, Some(format!("/calls/{id}").as_str())));
        let console = app.page(&format!("/calls/{id}"), &session, None, &[]).await.html;
        let ann_first = console.contains("tel:+442079462001");
        let (name, number) = if ann_first { ("Ann Page", "tel:+442079462001") } else { ("Bo Page", "tel:+442079462002") };
        assert!(console.contains(name) && console.contains(number) && console.contains("Hello, this is Closer Fitness"), "{console}");
        assert!(console.contains("data-disposition=\"sale\"") && !console.contains("data-disposition=\"dropped\""), "the dialler's own disposition is no button");
        let entry = console.split("data-entry=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap().to_owned();

        // A callback tomorrow at 10:00 on the agent's clocks (UTC).
        let tomorrow = (time::OffsetDateTime::now_utc() + time::Duration::days(1)).date().to_string();
        let form = |disposition: &'static str, date: &str| {
            vec![("csrf_token", csrf.clone()), ("disposition", disposition.to_owned()), ("notes", "Busy at work".to_owned()), ("callback_date", date.to_owned()), ("callback_time", "10:00".to_owned()), ("callback_to", "pool".to_owned())]
        };
        let post = |fields: Vec<(&'static str, String)>| {
            let path = format!("/calls/{id}/entries/{entry}");
            let session = session.clone();
            async move {
                let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                app.page(&path, &session, Some(&borrowed), &[]).await
            }
        };
        let refused = post(form("callback_requested", "someday")).await;
        assert_eq!(refused.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.html.contains("YYYY-MM-DD"));
        assert_eq!(post(form("callback_requested", &tomorrow)).await.status, reqwest::StatusCode::SEE_OTHER);
        let called = app.get(&format!("/api/v1/call-campaigns/{id}/entries?status=callback_scheduled")).await.expect(200).body;
        let scheduled = &called["items"][0];
        assert_eq!(scheduled["next_attempt_at"], format!("{tomorrow}T10:00:00Z"));
        assert!(scheduled["callback_agent_id"].is_null(), "the pool's callback");

        let chinese = app.page(&format!("/calls/{id}"), &session, None, &[("accept-language", "zh-CN")]).await.html;
        assert!(chinese.contains("下一通电话"), "{chinese}");

        // The dashboard: the agent's one call today.
        let dashboard = app.page(&format!("/calls/{id}/metrics"), &session, None, &[]).await.html;
        assert!(dashboard.contains("agent@example.com") && dashboard.contains("<td class=\"number\" data-dials>1</td>"), "{dashboard}");
        let zh_dashboard = app.page(&format!("/calls/{id}/metrics"), &session, None, &[("accept-language", "zh-CN")]).await.html;
        assert!(zh_dashboard.contains("数据看板") && zh_dashboard.contains("接通率"));
        assert!(!console.contains("data-add-list"), "an agent does not build lists");

        // A manager builds the list on the page: a people search, or a pasted list.
        let admin = app.sign_in_page(crate::support::ADMIN_EMAIL, crate::support::ADMIN_PASSWORD).await;
        let page = app.page(&format!("/calls/{id}"), &admin, None, &[]).await;
        assert!(page.html.contains("data-add-list"), "{}", page.html);
        let csrf = page.field("csrf_token").unwrap();
        customer(app, "Cy Page", "+44 20 7946 2003").await;
        let list = format!("/calls/{id}/list");
        let searched = app.page(&list, &admin, Some(&[("csrf_token", csrf.as_str()), ("search", "Page"), ("csv", ""), ("priority", "")]), &[]).await;
        assert_eq!(searched.status, reqwest::StatusCode::OK);
        assert!(searched.html.contains("1 added; 2 not added"), "Ann and Bo are in already: {}", searched.html);
        let pasted = "name,phone\nDi Page,+44 20 7946 2004\nNo Number,12\n";
        let imported = app.page(&list, &admin, Some(&[("csrf_token", csrf.as_str()), ("search", ""), ("csv", pasted), ("priority", "5")]), &[]).await;
        assert!(imported.html.contains("2 rows read: 1 added, 0 skipped, 1 failed; 1 new people on file. · row 3:"), "{}", imported.html);
        let empty = app.page(&list, &admin, Some(&[("csrf_token", csrf.as_str()), ("search", " "), ("csv", ""), ("priority", "")]), &[]).await;
        assert_eq!(empty.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.all(&format!("/api/v1/call-campaigns/{id}/entries")).await.len(), 4);
    }
}

/// The rules a deal's recommendations name.
async fn rules_of(app: &TestApp, deal: &str) -> Vec<String> {
    let found = app
        .get(&format!("/api/v1/deals/{deal}/recommendations"))
        .await
        .expect(200)
        .body;
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap().to_owned())
        .collect()
}

/// The verdict of one exit criterion of the deal's stage.
async fn criterion(app: &TestApp, deal: &str, key: &str) -> String {
    let gates = app.get(&format!("/api/v1/deals/{deal}/gates")).await.expect(200).body;
    let found = gates["criteria"].as_array().unwrap().iter().find(|c| c["key"] == key);
    found
        .map(|c| c["verdict"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("{key} in {gates}"))
}

on_both_backends! {
    async fn calls_drive_the_consumer_playbook_from_speed_to_lead_to_the_agreement(app: &TestApp) {
        let workspace = closer_web::app::bootstrap::ensure_installation(&app.db, &Default::default()).await.expect("installation").installation.workspace;
        let (_, agent) = app.user("agent@example.com", "member").await;
        let mut inbound = campaign_body("Inbound");
        inbound["takes_inbound_leads"] = json!(true);
        let id = app.post("/api/v1/call-campaigns", &inbound).await.expect(201).id();
        let entries = format!("/api/v1/call-campaigns/{id}/entries");
        let next = format!("/api/v1/call-campaigns/{id}/next-call");
        let disposition = |entry: &str| format!("/api/v1/call-entries/{entry}/disposition");
        let waiting = customer(app, "Waiting", "+44 20 7946 0010").await;
        app.post(&entries, &json!({ "person_ids": [waiting], "priority": 50 })).await.expect(200);

        // An inbound lead: nobody has called yet, so the gate of the first stage is unmet.
        let fay = customer(app, "Fay", "+44 20 7946 0011").await;
        let deal = app.post("/api/v1/deals", &json!({ "title": "Annual pass", "kind": "b2c", "counterparty_id": fay, "currency": "GBP", "amount_minor": 60_000, "lead_source": "inbound" })).await.expect(201).id();
        assert_eq!(criterion(app, &deal, "human_contact_call").await, "unmet");
        assert_eq!(criterion(app, &deal, "consent_ok").await, "met", "a UK number needs no consent on file");

        // Five minutes without a call: the lead goes first in line for the next free agent, once.
        let route = |minutes: i64| closer_web::app::telemarketing::route_waiting_leads(&app.db, workspace, time::OffsetDateTime::now_utc() + time::Duration::minutes(minutes));
        assert_eq!(route(4).await.expect("routed"), 0, "within five minutes the owner calls");
        assert_eq!(route(6).await.expect("routed"), 1);
        assert_eq!(route(7).await.expect("routed"), 0, "already in line");
        let routed = app.all(&entries).await.into_iter().find(|e| e["person_id"] == fay.as_str()).expect("Fay's entry");
        assert_eq!((routed["priority"].as_i64(), routed["deal_id"].as_str()), (Some(1_000_000), Some(deal.as_str())));
        assert!(routed["lead_at"].is_string());
        let call = app.as_(&agent).post(&next, &json!({})).await.expect(200).body;
        assert_eq!(call["name"], "Fay", "before an entry of priority 50");
        let entry = call["entry"]["id"].as_str().unwrap().to_owned();

        // The price holds her back: the best promotion valid now is recommended.
        app.post("/api/v1/promotions", &json!({
            "name": "Winter offer", "code": "WINTER", "class": "order", "reward": { "type": "percentage", "bp": 1500 }, "starts_at": "2026-01-01T00:00:00Z"
        })).await.expect(201);
        app.as_(&agent).post(&disposition(&entry), &json!({ "disposition": "price_objection", "talk_seconds": 200 })).await.expect(200);
        assert_eq!(criterion(app, &deal, "human_contact_call").await, "met");
        let found = app.get(&format!("/api/v1/deals/{deal}/recommendations")).await.expect(200).body;
        let best = found.as_array().unwrap().iter().find(|r| r["rule"] == "R5.1").unwrap_or_else(|| panic!("R5.1 in {found}"));
        assert_eq!(best["title"], "The price holds the customer back: Winter offer (code WINTER) would give them GBP 90.00 more");
        assert!(!rules_of(app, &deal).await.contains(&"R7.3".to_owned()), "called now");
        let metrics = app.get(&format!("/api/v1/call-campaigns/{id}/metrics")).await.expect(200).body;
        assert_eq!(metrics[0]["leads_called"], 1, "{metrics}");
        assert!(metrics[0]["speed_to_lead_seconds"].as_i64().is_some_and(|s| s >= 0));

        // A yes on the call to a customer with an offer draws up the personal agreement at once
        // for an agent who may edit the deal; for one who may not, the deal asks for it (R2.1).
        let offered = |name: &'static str, phone: &'static str| {
            let entries = entries.clone();
            async move {
            let person = customer(app, name, phone).await;
            let deal = app.post("/api/v1/deals", &json!({ "title": "Family pass", "kind": "b2c", "counterparty_id": person, "currency": "GBP", "amount_minor": 90_000 })).await.expect(201).id();
            let quote = app.post(&format!("/api/v1/deals/{deal}/quotes"), &json!({ "lines": [{ "description": "Family pass", "quantity": 1, "list_unit_price_minor": 90_000 }] })).await.expect(201).id();
            app.post(&format!("/api/v1/quotes/{quote}/send"), &json!({})).await.expect(200);
            app.post(&entries, &json!({ "person_ids": [person], "priority": 99 })).await.expect(200);
            (deal, quote)
            }
        };
        let (hal_deal, _) = offered("Hal", "+44 20 7946 0013").await;
        let hal_call = app.as_(&agent).post(&next, &json!({})).await.expect(200).body;
        assert_eq!(hal_call["name"], "Hal");
        let sold = app.as_(&agent).post(&disposition(hal_call["entry"]["id"].as_str().unwrap()), &json!({ "disposition": "sale" })).await.expect(200).body;
        assert_eq!((sold["entry"]["deal_id"].as_str(), &sold["agreement"]), (Some(hal_deal.as_str()), &Value::Null), "the admin's deal: not the agent's to edit");
        assert!(rules_of(app, &hal_deal).await.contains(&"R2.1".to_owned()));

        let (gus_deal, quote) = offered("Gus", "+44 20 7946 0012").await;
        let gus_call = app.post(&next, &json!({})).await.expect(200).body;
        assert_eq!(gus_call["name"], "Gus");
        assert_eq!(gus_call["open_deal"]["id"].as_str(), Some(gus_deal.as_str()), "the customer's open deal beside the script");
        let sold = app.post(&disposition(gus_call["entry"]["id"].as_str().unwrap()), &json!({ "disposition": "sale" })).await.expect(200).body;
        let contracts = app.get(&format!("/api/v1/deals/{gus_deal}/contracts")).await.expect(200).body;
        let drawn = contracts.as_array().unwrap();
        assert_eq!(drawn.len(), 1, "{contracts}");
        assert_eq!((drawn[0]["kind"].as_str(), drawn[0]["quote_id"].as_str()), (Some("personal_agreement"), Some(quote.as_str())));
        assert_eq!(sold["agreement"]["id"], drawn[0]["id"]);
        assert!(!rules_of(app, &gus_deal).await.contains(&"R2.1".to_owned()), "the agreement is there");
    }
}

on_both_backends! {
    async fn call_lists_come_from_a_people_filter_or_a_csv_file(app: &TestApp) {
        let id = app.post("/api/v1/call-campaigns", &campaign_body("Spring")).await.expect(201).id();
        let entries = format!("/api/v1/call-campaigns/{id}/entries");
        let acme = app.create_organisation("Acme Gym").await.id();
        for (name, phone) in [("Ivy Member", "+44 20 7946 0021"), ("Jo Member", "+44 20 7946 0022"), ("Kai Member", "")] {
            let phones: Vec<&str> = if phone.is_empty() { vec![] } else { vec![phone] };
            let person = app.post("/api/v1/people", &json!({ "name": name, "phones": phones })).await.expect(201).id();
            app.post("/api/v1/employments", &json!({ "person_id": person, "organisation_id": acme, "title": "Member" })).await.expect(201);
        }
        customer(app, "Lee Outsider", "+44 20 7946 0023").await;

        // A people filter: everyone employed at the gym, Kai left out for want of a number.
        let by_gym = app.post(&entries, &json!({ "filter": { "organisation_id": acme }, "priority": 3 })).await.expect(200).body;
        assert_eq!((by_gym["added_count"].as_u64(), by_gym["not_added_count"].as_u64()), (Some(2), Some(1)), "{by_gym}");
        assert_eq!(by_gym["not_added"][0]["reason"], "has no phone number");
        assert!(by_gym["added"].as_array().unwrap().iter().all(|e| e["priority"] == 3));
        let again = app.post(&entries, &json!({ "filter": { "search": "Member" } })).await.expect(200).body;
        assert_eq!(again["added_count"], 0, "the same people are not added twice");
        app.post(&entries, &json!({ "filter": {}, "person_ids": [acme] })).await.expect_field_error(422, "filter");
        app.post(&entries, &json!({ "person_ids": [] })).await.expect_field_error(422, "person_ids");
        app.post(&entries, &json!({ "filter": {}, "priority": 5000 })).await.expect_field_error(422, "priority");

        // A CSV file: found by number or e-mail, new people added, bad rows reported by line.
        let csv = "Name;Mobile;Email;Priority;Notes\n\
                   Lee Outsider;+44 20 7946 0023;;7;known by number\n\
                   Mia New;+44 20 7946 0024;mia@example.com;;a new person\n\
                   ;+44 20 7946 0025;;;nobody and no name\n\
                   Ned Bad;12345;;;not a number\n\
                   Ivy Member;+44 20 7946 0021;;;already called\n\
                   Mia New;+44 20 7946 0024;;;twice\n";
        let import = format!("{entries}/import");
        let report = app.post_raw(&import, "text/csv", csv).await.expect(200).body;
        assert_eq!((report["read"].as_u64(), report["created"].as_u64(), report["skipped"].as_u64(), report["failed"].as_u64()), (Some(6), Some(2), Some(2), Some(2)), "{report}");
        assert_eq!(report["people_created"], 1);
        assert_eq!(report["columns_ignored"], json!(["Notes"]));
        let errors: Vec<(u64, &str)> = report["errors"].as_array().unwrap().iter().map(|e| (e["row"].as_u64().unwrap(), e["column"].as_str().unwrap())).collect();
        assert_eq!(errors, [(4, "name"), (5, "phone")]);
        let listed = app.all(&entries).await;
        assert_eq!(listed.len(), 4, "Ivy, Jo, Lee and Mia");
        assert!(listed.iter().any(|e| e["phone"] == "+442079460023" && e["priority"] == 7));
        let no_phone_column = app.post_raw(&import, "text/csv", "name,email\nAnn,ann@example.com\n").await;
        no_phone_column.expect_field_error(422, "file");
        let (_, rep) = app.user("rep@example.com", "member").await;
        app.as_(&rep).post_raw(&import, "text/csv", csv).await.expect(403);
    }
}

on_both_backends! {
    async fn a_workspace_sets_its_own_calling_laws_and_a_campaign_adds_its_home_law(app: &TestApp) {
        let shipped = app.get("/api/v1/calling-jurisdictions").await.expect(200).body;
        let regions: Vec<(&str, bool, &str)> = shipped.as_array().unwrap().iter().map(|p| (p["region"].as_str().unwrap(), p["consent_required"].as_bool().unwrap(), p["source"].as_str().unwrap())).collect();
        assert_eq!(regions, [("*", false, "built_in"), ("CN", true, "built_in")]);

        let uk = customer(app, "Pat Briton", "+44 20 7946 0031").await;
        let check = || async { app.get(&format!("/api/v1/do-not-call/check?phone=%2B442079460031&person_id={uk}")).await.expect(200).body };
        assert_eq!(verdict(&check().await), (true, None));
        let deal = app.post("/api/v1/deals", &json!({ "title": "Pass", "kind": "b2c", "counterparty_id": uk, "currency": "GBP" })).await.expect(201).id();
        assert_eq!(criterion(app, &deal, "consent_ok").await, "met");

        // The workspace asks for consent in Great Britain too, and calls there 09:00–20:00.
        let strict = json!({ "window_start": "09:00", "window_end": "20:00", "consent_required": true });
        let (_, rep) = app.user("rep@example.com", "member").await;
        app.as_(&rep).send(reqwest::Method::PUT, "/api/v1/calling-jurisdictions/GB", Some(&strict), &[]).await.expect(403);
        app.send(reqwest::Method::PUT, "/api/v1/calling-jurisdictions/Atlantis", Some(&strict), &[]).await.expect_field_error(422, "region");
        let reversed = json!({ "window_start": "20:00", "window_end": "09:00", "consent_required": true });
        app.send(reqwest::Method::PUT, "/api/v1/calling-jurisdictions/GB", Some(&reversed), &[]).await.expect_field_error(422, "window_end");
        let set = app.send(reqwest::Method::PUT, "/api/v1/calling-jurisdictions/gb", Some(&strict), &[]).await.expect(200).body;
        assert_eq!((set["region"].as_str(), set["window_start"].as_str(), set["source"].as_str()), (Some("GB"), Some("09:00"), Some("workspace")));
        assert_eq!(app.get("/api/v1/calling-jurisdictions").await.body.as_array().map(Vec::len), Some(3));
        assert_eq!(verdict(&check().await), (false, Some("no_consent")));
        assert_eq!(criterion(app, &deal, "consent_ok").await, "unmet", "the gate reads the workspace's law");

        // Back to the built-in pack.
        app.as_(&rep).delete("/api/v1/calling-jurisdictions/GB", "*").await.expect(403);
        app.delete("/api/v1/calling-jurisdictions/GB", "*").await.expect(204);
        app.delete("/api/v1/calling-jurisdictions/GB", "*").await.expect(404);
        assert_eq!(verdict(&check().await), (true, None));

        // A campaign run from China follows China's law as well: no consent, no call.
        let mut from_china = campaign_body("From Shanghai");
        from_china["rules"] = json!({ "jurisdiction": "Atlantis" });
        app.post("/api/v1/call-campaigns", &from_china).await.expect_field_error(422, "rules.jurisdiction");
        from_china["rules"] = json!({ "jurisdiction": "cn" });
        let campaign = app.post("/api/v1/call-campaigns", &from_china).await.expect(201).body;
        assert_eq!(campaign["rules"]["jurisdiction"], "CN");
        let id = campaign["id"].as_str().unwrap().to_owned();
        app.post(&format!("/api/v1/call-campaigns/{id}/entries"), &json!({ "person_ids": [uk] })).await.expect(200);
        assert_eq!(app.post(&format!("/api/v1/call-campaigns/{id}/next-call"), &json!({})).await.status, reqwest::StatusCode::NO_CONTENT);
        assert_eq!(app.all(&format!("/api/v1/call-campaigns/{id}/entries?status=suppressed")).await.len(), 1);
    }
}
