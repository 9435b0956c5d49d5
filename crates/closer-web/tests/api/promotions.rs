//! B2C promotions: the catalogue of offers, the engine's answer for a cart, promotions on quotes,
//! and redemptions that never overspend a limit or a budget, even when customers accept at once.

use serde_json::{Value, json};

use crate::support::{Auth, TestApp, on_both_backends};

async fn product(app: &TestApp, sku: &str, category: &str, price: i64) -> String {
    app.post(
        "/api/v1/products",
        &json!({ "sku": sku, "name": sku, "category": category, "prices": [{ "currency": "CNY", "amount_minor": price }] }),
    )
    .await
    .expect(201)
    .id()
}

fn starts() -> String {
    "2026-01-01T00:00:00Z".to_owned()
}

async fn promotion(app: &TestApp, body: Value) -> String {
    let mut body = body;
    body["starts_at"] = json!(starts());
    app.post("/api/v1/promotions", &body).await.expect(201).id()
}

/// A B2C deal of a new customer, with a quote for `product` carrying `codes`, sent.
async fn sent_quote(app: &TestApp, n: usize, product: &str, codes: &[&str]) -> (String, Value) {
    let customer = app.create_person(&format!("Customer {n}")).await.id();
    let deal = app
        .post(
            "/api/v1/deals",
            &json!({ "title": format!("Membership {n}"), "kind": "b2c", "counterparty_id": customer, "currency": "CNY", "amount_minor": 1 }),
        )
        .await
        .expect(201)
        .id();
    let quote = app
        .post(
            &format!("/api/v1/deals/{deal}/quotes"),
            &json!({ "lines": [{ "product_id": product, "quantity": 1 }], "promotion_codes": codes }),
        )
        .await
        .expect(201);
    app.post(&format!("/api/v1/quotes/{}/send", quote.id()), &json!({}))
        .await
        .expect(200);
    (deal, quote.body)
}

/// Accepts every quote at once, each from its own task; the statuses in order.
async fn accept_all_at_once(app: &TestApp, quotes: &[Value]) -> Vec<u16> {
    let Auth::Bearer(token) = &app.admin else {
        panic!("the administrator signs in with a token");
    };
    let mut tasks = tokio::task::JoinSet::new();
    for (index, quote) in quotes.iter().enumerate() {
        let url = format!("{}/api/v1/quotes/{}/accept", app.base, quote["id"].as_str().unwrap());
        let (client, token) = (app.client.clone(), token.clone());
        tasks.spawn(async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            (index, response.status().as_u16())
        });
    }
    let mut statuses = vec![0; quotes.len()];
    while let Some(done) = tasks.join_next().await {
        let (index, status) = done.unwrap();
        statuses[index] = status;
    }
    statuses
}

on_both_backends! {
    async fn the_engine_picks_the_best_combination_and_explains_the_rest(app: &TestApp) {
        let gym = product(app, "GYM-12", "Fitness", 400_000).await;
        let towel = product(app, "TOWEL", "Gifts", 5_000).await;
        let (_, member) = app.user("rep@example.com", "member").await;
        let draft = json!({ "name": "x", "class": "order", "reward": { "type": "percentage", "bp": 1000 }, "starts_at": starts() });
        app.as_(&member).post("/api/v1/promotions", &draft).await.expect(403);
        app.post("/api/v1/promotions", &json!({ "name": "x", "class": "order", "reward": { "type": "gift", "product_id": towel, "quantity": 1 }, "starts_at": starts() }))
            .await
            .expect_field_error(422, "reward");
        app.post("/api/v1/promotions", &json!({ "name": "x", "class": "order", "reward": { "type": "percentage", "bp": 0 }, "starts_at": starts() }))
            .await
            .expect_field_error(422, "reward.bp");
        app.post("/api/v1/promotions", &json!({ "name": "x", "class": "order", "reward": { "type": "percent" }, "starts_at": starts() }))
            .await
            .expect(422);

        let members_day = promotion(app, json!({
            "name": "Members' day", "class": "product", "reward": { "type": "percentage", "bp": 1000 },
            "eligibility": { "categories": ["fitness"] }, "combines_with": { "gift": true }
        })).await;
        let gift_pack = promotion(app, json!({
            "name": "Towel gift pack", "class": "gift", "reward": { "type": "gift", "product_id": towel, "quantity": 2 },
            "combines_with": { "product": true }
        })).await;
        let welcome = promotion(app, json!({
            "name": "Welcome", "code": "welcome", "class": "order", "reward": { "type": "fixed_amount", "amount_minor": 60_000 },
            "currency": "CNY", "eligibility": { "first_order_only": true }
        })).await;
        let taken = app.post("/api/v1/promotions", &json!({ "name": "Copy", "code": "WELCOME", "class": "order", "reward": { "type": "percentage", "bp": 100 }, "starts_at": starts() })).await;
        taken.expect_field_error(422, "code");

        let cart = |codes: Value| json!({ "currency": "CNY", "lines": [{ "product_id": gym, "quantity": 1 }], "codes": codes, "channel": "store" });
        let outcome = app.post("/api/v1/promotions/evaluate", &cart(json!([]))).await.expect(200).body;
        let applied: Vec<&str> = outcome["applied"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
        assert_eq!(applied, ["Members' day", "Towel gift pack"], "10% off the membership and two towels: {outcome}");
        assert_eq!(outcome["discount_minor"], 40_000);
        assert_eq!(outcome["benefit_minor"], 50_000, "the towels are worth 100.00");
        assert_eq!(outcome["total_minor"], 360_000);
        let why = |outcome: &Value, id: &str| {
            outcome["explanations"].as_array().unwrap().iter().find(|e| e["promotion_id"] == id).map(|e| e["verdict"].clone())
        };
        assert_eq!(why(&outcome, &welcome), Some(json!("code_not_entered")));

        // With the code, 600.00 off beats 10% and the towels, which do not combine with it.
        let outcome = app.post("/api/v1/promotions/evaluate", &cart(json!(["welcome"]))).await.expect(200).body;
        assert_eq!(outcome["applied"][0]["promotion_id"], welcome.as_str(), "{outcome}");
        assert_eq!(outcome["discount_minor"], 60_000);
        assert_eq!(why(&outcome, &members_day), Some(json!("better_combination")));
        assert_eq!(why(&outcome, &gift_pack), Some(json!("better_combination")));

        app.post("/api/v1/promotions/evaluate", &json!({ "currency": "XYZ", "lines": [] }))
            .await
            .expect(422);
        app.post("/api/v1/promotions/evaluate", &json!({ "currency": "USD", "lines": [{ "product_id": gym, "quantity": 1 }] }))
            .await
            .expect_field_error(422, "lines[0].unit_price_minor");

        // A paused promotion stops applying.
        let current = app.get(&format!("/api/v1/promotions/{members_day}")).await.expect(200);
        let mut paused = current.body.clone();
        for field in ["id", "version", "created_at", "updated_at", "deleted_at", "used_count"] {
            paused.as_object_mut().unwrap().remove(field);
        }
        paused["status"] = json!("paused");
        paused["currency"] = Value::Null;
        app.send(reqwest::Method::PUT, &format!("/api/v1/promotions/{members_day}"), Some(&paused), &[("if-match", &current.etag())])
            .await
            .expect(200);
        let outcome = app.post("/api/v1/promotions/evaluate", &cart(json!([]))).await.expect(200).body;
        assert_eq!(why(&outcome, &members_day), Some(json!("not_active")));
    }

    async fn a_b2c_quote_carries_its_promotions_into_the_deal(app: &TestApp) {
        let gym = product(app, "GYM-12", "Fitness", 400_000).await;
        promotion(app, json!({
            "name": "Autumn", "code": "AUTUMN", "class": "order", "reward": { "type": "percentage", "bp": 1500 }
        })).await;
        let (deal, quote) = sent_quote(app, 1, &gym, &["autumn"]).await;
        assert_eq!(quote["promotion_codes"], json!(["AUTUMN"]));
        assert_eq!(quote["promotions"][0]["discount_minor"], 60_000);
        assert_eq!(quote["totals"]["promotion_discount_minor"], 60_000);
        assert_eq!(quote["totals"]["total_minor"], 340_000);
        assert_eq!(quote["totals"]["discount_bp"], 0, "the seller gave nothing off: no approval needed");
        app.post(&format!("/api/v1/quotes/{}/accept", quote["id"].as_str().unwrap()), &json!({})).await.expect(200);
        let deal_now = app.get(&format!("/api/v1/deals/{deal}")).await.expect(200).body;
        assert_eq!(deal_now["amount"]["amount_minor"], 340_000, "the deal is worth what the customer pays");

        let customer = app.create_person("Someone").await.id();
        let b2c = app
            .post("/api/v1/deals", &json!({ "title": "Trial", "kind": "b2c", "counterparty_id": customer, "currency": "CNY", "amount_minor": 1 }))
            .await
            .expect(201)
            .id();
        let quotes = format!("/api/v1/deals/{b2c}/quotes");
        let line = json!([{ "product_id": gym, "quantity": 1 }]);
        app.post(&quotes, &json!({ "lines": line, "promotion_codes": ["NOPE"] })).await.expect_field_error(422, "promotion_codes");
        let organisation = app.create_organisation("Acme").await.id();
        let b2b = app
            .post("/api/v1/deals", &json!({ "title": "Fleet", "kind": "b2b", "counterparty_id": organisation, "currency": "CNY", "amount_minor": 1 }))
            .await
            .expect(201)
            .id();
        app.post(&format!("/api/v1/deals/{b2b}/quotes"), &json!({ "lines": line, "promotion_codes": ["AUTUMN"] }))
            .await
            .expect_field_error(422, "promotion_codes");
        let plain = app.post(&format!("/api/v1/deals/{b2b}/quotes"), &json!({ "lines": line })).await.expect(201).body;
        assert_eq!(plain["promotions"], json!([]), "automatic promotions are for B2C deals");
    }

    async fn a_hand_discount_stacked_on_promotions_past_the_cap_needs_approval(app: &TestApp) {
        let bike = product(app, "BIKE-1", "Cycling", 100_000).await;
        promotion(app, json!({
            "name": "Quarter off", "class": "order", "reward": { "type": "percentage", "bp": 2500 }
        })).await;
        let customer = app.create_person("Cyclist").await.id();
        let deal = app
            .post("/api/v1/deals", &json!({ "title": "Bike", "kind": "b2c", "counterparty_id": customer, "currency": "CNY", "amount_minor": 1 }))
            .await
            .expect(201)
            .id();
        // 10% by hand is the seller's own; with the automatic quarter off it is 32.5% in all.
        let quote = app
            .post(
                &format!("/api/v1/deals/{deal}/quotes"),
                &json!({ "lines": [{ "product_id": bike, "quantity": 1, "net_unit_price_minor": 90_000 }] }),
            )
            .await
            .expect(201)
            .id();
        assert_eq!(
            app.get(&format!("/api/v1/quotes/{quote}")).await.expect(200).body["totals"]["total_minor"],
            67_500
        );
        let need = app.get(&format!("/api/v1/quotes/{quote}/approval")).await.expect(200).body;
        assert_eq!(need["required"], true, "{need}");
        assert_eq!(need["need"]["reasons"], json!(["total_discount_cap"]));
        assert_eq!(need["need"]["chain"], json!([{ "order": 1, "role": "sales_manager" }]));
        app.post(&format!("/api/v1/quotes/{quote}/send"), &json!({})).await.expect(409);

        let mut matrix = app.get("/api/v1/approval-matrix").await.expect(200).body;
        assert_eq!(matrix["max_b2c_total_discount_bp"], 3_000, "30% by default");
        matrix["max_b2c_total_discount_bp"] = json!(10_001);
        let body = json!({ "tiers": matrix["tiers"], "max_b2c_total_discount_bp": matrix["max_b2c_total_discount_bp"] });
        app.send(reqwest::Method::PUT, "/api/v1/approval-matrix", Some(&body), &[])
            .await
            .expect_field_error(422, "max_b2c_total_discount_bp");
        let body = json!({ "tiers": matrix["tiers"], "max_b2c_total_discount_bp": 4_000 });
        app.send(reqwest::Method::PUT, "/api/v1/approval-matrix", Some(&body), &[]).await.expect(200);
        let need = app.get(&format!("/api/v1/quotes/{quote}/approval")).await.expect(200).body;
        assert_eq!(need["required"], false, "32.5% is inside a 40% cap: {need}");
        app.post(&format!("/api/v1/quotes/{quote}/send"), &json!({})).await.expect(200);
    }

    async fn concurrent_acceptances_never_exceed_a_usage_limit_or_a_budget(app: &TestApp) {
        let gym = product(app, "GYM-12", "Fitness", 100_000).await;
        let flash = promotion(app, json!({
            "name": "Flash sale", "code": "FLASH", "class": "order", "reward": { "type": "percentage", "bp": 1000 },
            "usage_limit_total": 3
        })).await;
        let mut quotes = Vec::new();
        for n in 0..8 {
            quotes.push(sent_quote(app, n, &gym, &["FLASH"]).await.1);
        }
        let statuses = accept_all_at_once(app, &quotes).await;
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 3, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 5, "{statuses:?}");
        let used = app.get(&format!("/api/v1/promotions/{flash}")).await.expect(200).body;
        assert_eq!(used["used_count"], 3);
        let mut accepted = 0;
        for quote in &quotes {
            let now = app.get(&format!("/api/v1/quotes/{}", quote["id"].as_str().unwrap())).await.expect(200).body;
            accepted += usize::from(now["status"] == "accepted");
        }
        assert_eq!(accepted, 3, "a refused acceptance leaves the quote sent");

        // A spend budget of 250.00 pays for two 100.00 discounts, never a third.
        let campaign = app
            .post("/api/v1/promotion-campaigns", &json!({ "name": "Double Eleven", "starts_at": starts(), "budget": { "kind": "spend", "limit": 25_000, "currency": "cny" } }))
            .await
            .expect(201)
            .id();
        promotion(app, json!({
            "name": "Eleven", "code": "ELEVEN", "campaign_id": campaign, "class": "order",
            "reward": { "type": "fixed_amount", "amount_minor": 10_000 }, "currency": "CNY"
        })).await;
        let mut quotes = Vec::new();
        for n in 10..16 {
            quotes.push(sent_quote(app, n, &gym, &["ELEVEN"]).await.1);
        }
        let statuses = accept_all_at_once(app, &quotes).await;
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 2, "{statuses:?}");
        let spent = app.get(&format!("/api/v1/promotion-campaigns/{campaign}")).await.expect(200).body;
        assert_eq!((spent["spent_minor"].as_i64(), spent["used_count"].as_i64()), (Some(20_000), Some(2)));
        // The engine now says so before anyone tries.
        let outcome = app
            .post("/api/v1/promotions/evaluate", &json!({ "currency": "CNY", "lines": [{ "product_id": gym, "quantity": 1 }], "codes": ["ELEVEN"] }))
            .await
            .expect(200)
            .body;
        let eleven = outcome["explanations"].as_array().unwrap().iter().find(|e| e["name"] == "Eleven").cloned();
        assert_eq!(eleven.map(|e| e["verdict"].clone()), Some(json!("campaign_budget_spent")), "{outcome}");
    }
}
