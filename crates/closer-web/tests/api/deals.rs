//! Deals: the counterparty rule (D1), playbooks and stage moves (D4), filters and search.

use serde_json::json;

use crate::support::on_both_backends;

on_both_backends! {
    async fn b2c_deal_needs_a_person_and_b2b_an_organisation(app: &TestApp) {
        let ann = app.create_person("Ann Lee").await.id();
        let acme = app.create_organisation("Acme Logistics").await.id();

        let b2c = app
            .post("/api/v1/deals", &json!({
                "title": "Home solar kit", "kind": "b2c", "counterparty_id": ann,
                "amount_minor": 1_280_000, "currency": "cny", "lead_source": "telemarketing"
            }))
            .await
            .expect(201);
        assert_eq!(b2c.body["status"], "open");
        assert_eq!(b2c.body["amount"], json!({ "amount_minor": 1_280_000, "currency": "CNY" }));
        assert_eq!(b2c.body["playbook_id"], app.playbook("b2c").await["id"]);
        assert_eq!(b2c.body["stage_id"], app.stage("b2c", "b2c_new_lead").await);

        let b2b = app
            .post("/api/v1/deals", &json!({
                "title": "Fleet telematics", "kind": "b2b", "counterparty_id": acme,
                "amount_minor": 48_000_000, "currency": "USD", "expected_close": "2026-12-20"
            }))
            .await
            .expect(201);
        assert_eq!(b2b.body["stage_id"], app.stage("b2b", "b2b_qualify").await);

        let wrong_way = app
            .post("/api/v1/deals", &json!({ "title": "x", "kind": "b2c", "counterparty_id": acme, "currency": "USD" }))
            .await
            .expect_field_error(422, "counterparty_id");
        assert!(wrong_way.body["errors"][0]["message"].as_str().unwrap().contains("B2C"));
        app.post("/api/v1/deals", &json!({ "title": "x", "kind": "b2b", "counterparty_id": ann, "currency": "USD" }))
            .await
            .expect_field_error(422, "counterparty_id");
        // The counterparty cannot be switched to the wrong kind later either.
        app.patch(&format!("/api/v1/deals/{}", b2c.id()), &b2c.etag(), &json!({ "counterparty_id": acme }))
            .await
            .expect_field_error(422, "counterparty_id");
        assert_eq!(app.all("/api/v1/deals").await.len(), 2);
    }

    async fn deal_bad_input(app: &TestApp) {
        let ann = app.create_person("Ann Lee").await.id();
        let base = json!({ "title": "Offer", "kind": "b2c", "counterparty_id": ann, "amount_minor": 100, "currency": "USD" });
        let with = |field: &str, value: serde_json::Value| {
            let mut body = base.clone();
            body[field] = value;
            body
        };
        let b2b_stage = app.stage("b2b", "b2b_qualify").await;
        let won_stage = app.stage("b2c", "b2c_won").await;
        let b2b_playbook = app.playbook("b2b").await["id"].clone();
        // A whole number written with a fraction is still a whole number.
        let written_as_float = app.post("/api/v1/deals", &with("amount_minor", json!(2500.0))).await.expect(201);
        assert_eq!(written_as_float.body["amount"]["amount_minor"], 2500);
        app.delete(&format!("/api/v1/deals/{}", written_as_float.id()), "\"1\"").await.expect(200);
        let cases = [
            (with("amount_minor", json!(2500.5)), "amount_minor"),
            (with("currency", json!("XYZ")), "currency"),
            (with("currency", json!("dollars")), "currency"),
            (with("amount_minor", json!(-1)), "amount_minor"),
            (with("amount_minor", json!(1e20)), "amount_minor"),
            (with("amount_minor", json!(99_999_999_999_999_999u64)), "amount_minor"),
            (with("amount_minor", json!("100")), "amount_minor"),
            (with("kind", json!("b2x")), "kind"),
            (with("title", json!("   ")), "title"),
            (with("counterparty_id", json!("123")), "counterparty_id"),
            (with("stage_id", json!(b2b_stage)), "stage_id"),
            (with("stage_id", json!(won_stage)), "stage_id"),
            (with("playbook_id", b2b_playbook), "playbook_id"),
            (with("expected_close", json!("2026-13-45")), "expected_close"),
            (with("lead_source", json!("carrier pigeon")), "lead_source"),
        ];
        for (body, field) in cases {
            app.post("/api/v1/deals", &body).await.expect_field_error(422, field);
        }
        app.post("/api/v1/deals", &with("counterparty_id", json!("00000000-0000-7000-8000-000000000000")))
            .await
            .expect_field_error(404, "counterparty_id");
        app.post("/api/v1/deals", &with("playbook_id", json!("00000000-0000-7000-8000-000000000000")))
            .await
            .expect_field_error(404, "playbook_id");
        // Several bad fields are reported together.
        let many = app.post("/api/v1/deals", &with("currency", json!("XYZ")).as_object().map(|o| {
            let mut o = o.clone();
            o.insert("title".into(), json!(""));
            serde_json::Value::Object(o)
        }).unwrap()).await.expect(422);
        let fields = many.error_fields();
        assert!(fields.contains(&"title".to_owned()) && fields.contains(&"currency".to_owned()), "{fields:?}");
        assert!(app.all("/api/v1/deals").await.is_empty(), "no rejected deal was stored");
    }

    async fn b2b_moves_step_by_step_and_b2c_may_close_in_one_session(app: &TestApp) {
        let acme = app.create_organisation("Acme").await.id();
        let deal = app
            .post("/api/v1/deals", &json!({ "title": "ERP", "kind": "b2b", "counterparty_id": acme, "currency": "EUR", "amount_minor": 5_000_000 }))
            .await
            .expect(201);
        let path = format!("/api/v1/deals/{}/move", deal.id());
        let first_meeting = app.stage("b2b", "b2b_first_meeting").await;
        let contract = app.stage("b2b", "b2b_company_contract").await;
        let qualify = app.stage("b2b", "b2b_qualify").await;
        let lost = app.stage("b2b", "b2b_lost").await;

        let skip = app.post(&path, &json!({ "stage_id": contract })).await.expect_field_error(422, "stage_id");
        assert!(skip.body["errors"][0]["message"].as_str().unwrap().contains("D4"));
        // The gates of each stage are the subject of their own tests; here the admin overrides them.
        let moved = app.post(&path, &json!({ "stage_id": first_meeting, "override_reason": "shape test" })).await.expect(200);
        assert_eq!(moved.body["stage_id"], first_meeting);
        assert_eq!(moved.etag(), "\"2\"");
        app.post(&path, &json!({ "stage_id": qualify })).await.expect_field_error(422, "reason");
        app.post(&path, &json!({ "stage_id": qualify, "reason": "buyer reopened requirements" })).await.expect(200);
        app.send(reqwest::Method::POST, &path, Some(&json!({ "stage_id": first_meeting })), &[("if-match", "\"1\"")]).await.expect(412);

        app.post(&path, &json!({ "stage_id": lost })).await.expect_field_error(422, "lost_reason");
        app.post(&path, &json!({ "stage_id": lost, "lost_reason": "competitor" })).await.expect_field_error(422, "competitor");
        let closed = app
            .post(&path, &json!({ "stage_id": lost, "lost_reason": "competitor", "competitor": "Rival Corp" }))
            .await
            .expect(200);
        assert_eq!(closed.body["status"], "lost");
        assert_eq!(closed.body["competitor"], "Rival Corp");
        assert!(closed.body["closed_at"].is_string());

        let history = app.get(&format!("/api/v1/deals/{}/transitions", deal.id())).await.expect(200);
        let steps: Vec<_> = history.body.as_array().unwrap().iter().map(|t| t["to_stage_id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(steps, [qualify.clone(), first_meeting, qualify.clone(), lost]);
        assert_eq!(history.body[0]["from_stage_id"], json!(null));
        assert_eq!(history.body[2]["reason"], "buyer reopened requirements");

        // Reopening a lost deal needs a reason.
        app.post(&path, &json!({ "stage_id": qualify })).await.expect_field_error(422, "reason");
        let reopened = app.post(&path, &json!({ "stage_id": qualify, "reason": "new budget" })).await.expect(200);
        assert_eq!(reopened.body["status"], "open");
        assert_eq!(reopened.body["lost_reason"], json!(null));

        let ann = app.post("/api/v1/people", &json!({ "name": "Ann", "phones": ["+86 139 0000 0001"] })).await.expect(201).id();
        let walk_in = app
            .post("/api/v1/deals", &json!({
                "title": "Gym", "kind": "b2c", "counterparty_id": ann, "currency": "CNY", "amount_minor": 398_000,
                "qualification": { "need": "A year of classes near the office" }
            }))
            .await
            .expect(201);
        let offer = app
            .post(&format!("/api/v1/deals/{}/quotes", walk_in.id()), &json!({ "lines": [{ "description": "Annual pass", "quantity": 1, "list_unit_price_minor": 398_000 }] }))
            .await
            .expect(201)
            .id();
        app.post(&format!("/api/v1/quotes/{offer}/send"), &json!({})).await.expect(200);
        crate::gates::met_in_store(app, &walk_in.id(), &ann).await;
        let agreement = app.post(&format!("/api/v1/deals/{}/contracts", walk_in.id()), &json!({})).await.expect(201).id();
        for status in ["sent", "completed"] {
            app.post(&format!("/api/v1/contracts/{agreement}/signature"), &json!({ "status": status })).await.expect(200);
        }
        crate::billing::pay_in_full(app, &walk_in.id(), &offer).await;
        let won = app
            .post(&format!("/api/v1/deals/{}/move", walk_in.id()), &json!({ "stage_id": app.stage("b2c", "b2c_won").await }))
            .await
            .expect(200);
        assert_eq!(won.body["status"], "won");
    }

    async fn deal_filters_and_search(app: &TestApp) {
        let ann = app.post("/api/v1/people", &json!({ "name": "Ann Lee", "phones": ["+86 139 1111 2222"] })).await.expect(201).id();
        let acme = app.create_organisation("Acme Logistics").await.id();
        let other = app.create_organisation("Globex").await.id();
        let make = |title: &str, kind: &str, party: &str| json!({ "title": title, "kind": kind, "counterparty_id": party, "currency": "USD", "amount_minor": 1000 });
        app.post("/api/v1/deals", &make("Solar kit", "b2c", &ann)).await.expect(201);
        let fleet = app.post("/api/v1/deals", &make("Fleet rollout", "b2b", &acme)).await.expect(201);
        app.post("/api/v1/deals", &make("Audit", "b2b", &other)).await.expect(201);
        let lost = app.stage("b2b", "b2b_lost").await;
        app.post(&format!("/api/v1/deals/{}/move", fleet.id()), &json!({ "stage_id": lost, "lost_reason": "price" })).await.expect(200);

        let titles = |items: Vec<serde_json::Value>| {
            let mut titles: Vec<_> = items.iter().map(|d| d["title"].as_str().unwrap().to_owned()).collect();
            titles.sort();
            titles
        };
        assert_eq!(titles(app.all("/api/v1/deals?kind=b2b").await), ["Audit", "Fleet rollout"]);
        assert_eq!(titles(app.all("/api/v1/deals?status=lost").await), ["Fleet rollout"]);
        assert_eq!(titles(app.all(&format!("/api/v1/deals?stage_id={lost}")).await), ["Fleet rollout"]);
        assert_eq!(titles(app.all(&format!("/api/v1/deals?organisation_id={acme}")).await), ["Fleet rollout"]);
        assert_eq!(titles(app.all(&format!("/api/v1/deals?person_id={ann}")).await), ["Solar kit"]);
        assert_eq!(titles(app.all("/api/v1/deals?q=acme").await), ["Fleet rollout"]);
        assert_eq!(titles(app.all("/api/v1/deals?q=SOLAR").await), ["Solar kit"]);
        assert_eq!(titles(app.all("/api/v1/deals?q=1391111").await), ["Solar kit"]);
        let admin = app.get("/api/v1/deals?limit=1").await.body["items"][0]["owner_id"].as_str().unwrap().to_owned();
        assert_eq!(app.all(&format!("/api/v1/deals?owner_id={admin}")).await.len(), 3);
        app.get("/api/v1/deals?kind=b2x").await.expect_field_error(422, "kind");
        app.get("/api/v1/deals?status=pending").await.expect_field_error(422, "status");
        assert!(app.all(&format!("/api/v1/deals?organisation_id={acme}&person_id={ann}")).await.is_empty());
    }
}
