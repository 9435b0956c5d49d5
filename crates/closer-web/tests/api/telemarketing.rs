//! Telemarketing registers: the do-not-call list, consents, and the check before every call
//! (R9.1), on both databases.

use serde_json::{Value, json};

use crate::support::on_both_backends;

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
