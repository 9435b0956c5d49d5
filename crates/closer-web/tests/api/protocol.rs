//! What every endpoint shares: paging, idempotent POST, errors, request ids.

use serde_json::json;

use crate::support::on_both_backends;

on_both_backends! {
    async fn keyset_pages_cover_everything_once(app: &TestApp) {
        for i in 0..7 {
            app.create_person(&format!("Person {i}")).await;
        }
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let url = match &after {
                Some(cursor) => format!("/api/v1/people?limit=3&after={cursor}"),
                None => "/api/v1/people?limit=3".to_owned(),
            };
            let page = app.get(&url).await.expect(200);
            pages += 1;
            for person in page.body["items"].as_array().unwrap() {
                seen.push(person["name"].as_str().unwrap().to_owned());
            }
            match page.body["next_after"].as_str() {
                Some(cursor) => after = Some(cursor.to_owned()),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        assert_eq!(seen, (0..7).map(|i| format!("Person {i}")).collect::<Vec<_>>());
        app.get("/api/v1/people?limit=0").await.expect_field_error(422, "limit");
        app.get("/api/v1/people?limit=201").await.expect_field_error(422, "limit");
        app.get("/api/v1/people?limit=ten").await.expect_field_error(422, "limit");
        app.get("/api/v1/people?after=yesterday").await.expect_field_error(422, "after");
        app.get("/api/v1/people?colour=blue").await.expect(422);
    }

    async fn idempotency_key_replays_and_refuses_a_different_body(app: &TestApp) {
        let key = [("idempotency-key", "create-ann-1")];
        let body = json!({ "name": "Ann" });
        let first = app.send(reqwest::Method::POST, "/api/v1/people", Some(&body), &key).await.expect(201);
        let again = app.send(reqwest::Method::POST, "/api/v1/people", Some(&body), &key).await.expect(201);
        assert_eq!(again.id(), first.id());
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.header("location"), first.header("location"));
        let other = app.send(reqwest::Method::POST, "/api/v1/people", Some(&json!({ "name": "Bob" })), &key).await;
        other.expect_field_error(422, "Idempotency-Key");
        app.send(reqwest::Method::POST, "/api/v1/people", Some(&body), &[("idempotency-key", "")]).await.expect(400);
        assert_eq!(app.all("/api/v1/people").await.len(), 1);
        // A rejected request is replayed as rejected, and still creates nothing.
        let bad = [("idempotency-key", "bad-1")];
        app.send(reqwest::Method::POST, "/api/v1/people", Some(&json!({ "name": "" })), &bad).await.expect(422);
        app.send(reqwest::Method::POST, "/api/v1/people", Some(&json!({ "name": "" })), &bad).await.expect(422);
        assert_eq!(app.all("/api/v1/people").await.len(), 1);
    }

    async fn errors_are_problems_with_request_ids(app: &TestApp) {
        let missing = app.get("/api/v1/people/0192f0c1-0000-7000-8000-000000000000").await.expect(404);
        assert_eq!(missing.header("content-type"), Some("application/problem+json"));
        let request_id = missing.header("x-request-id").expect("a request id header").to_owned();
        assert_eq!(missing.body["request_id"], request_id.as_str());
        assert_eq!(missing.body["status"], 404);
        app.get("/api/v1/people/not-a-uuid").await.expect(404);
        app.get("/api/v1/nothing-here").await.expect(404);
        app.send(reqwest::Method::PUT, "/api/v1/people", Some(&json!({})), &[]).await.expect(405);
        app.post_raw("/api/v1/deals", "application/json", "[1, 2").await.expect(400);
        app.post_raw("/api/v1/deals", "application/json", "[]").await.expect(422);
        let ok = app.get("/api/v1/people").await.expect(200);
        assert_eq!(ok.header("x-content-type-options"), Some("nosniff"));
    }

    async fn playbooks_are_the_two_defaults(app: &TestApp) {
        let b2c = app.playbook("b2c").await;
        let keys = |p: &serde_json::Value| p["stages"].as_array().unwrap().iter().map(|s| s["key"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
        assert_eq!(keys(&b2c), ["b2c_new_lead", "b2c_qualified", "b2c_offer", "b2c_sign_pay", "b2c_won", "b2c_lost"]);
        assert_eq!(b2c["allow_skip"], true);
        assert_eq!((b2c["cycle_budget_min_days"].as_i64(), b2c["cycle_budget_max_days"].as_i64()), (Some(1), Some(10)));
        let b2b = app.playbook("b2b").await;
        assert_eq!(keys(&b2b).len(), 8);
        assert_eq!(b2b["allow_skip"], false);
        assert_eq!((b2b["cycle_budget_min_days"].as_i64(), b2b["cycle_budget_max_days"].as_i64()), (Some(15), Some(25)));
        assert_eq!(b2b["stages"][2]["probability"], 40);
        let one = app.get(&format!("/api/v1/playbooks/{}", b2b["id"].as_str().unwrap())).await.expect(200);
        assert_eq!(one.body["key"], "b2b_default");
    }
}
