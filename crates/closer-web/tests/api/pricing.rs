//! The catalogue and quotes: prices per currency, quote revisions that freeze once sent, the
//! customer's answer and what it does to the deal.

use serde_json::{Value, json};

use crate::support::{TestApp, on_both_backends};

async fn membership(app: &TestApp, sku: &str) -> Value {
    app.post(
        "/api/v1/products",
        &json!({
            "sku": sku, "name": "Annual membership", "category": "Fitness", "unit": "year",
            "prices": [{ "currency": "cny", "amount_minor": 399_900 }, { "currency": "USD", "amount_minor": 59_900 }]
        }),
    )
    .await
    .expect(201)
    .body
}

async fn deal(app: &TestApp, kind: &str, currency: &str) -> String {
    let customer = if kind == "b2c" {
        app.create_person("Li Na").await.id()
    } else {
        app.create_organisation("Acme Logistics").await.id()
    };
    app.post(
        "/api/v1/deals",
        &json!({ "title": "Membership", "kind": kind, "counterparty_id": customer, "currency": currency, "amount_minor": 100 }),
    )
    .await
    .expect(201)
    .id()
}

on_both_backends! {
    async fn the_catalogue_keeps_one_live_product_per_sku(app: &TestApp) {
        let gym = membership(app, "GYM-12").await;
        assert_eq!(gym["prices"][0], json!({ "amount_minor": 399_900, "currency": "CNY" }));
        assert_eq!(gym["active"], true);
        app.post("/api/v1/products", &json!({ "sku": "gym-12", "name": "Copy" }))
            .await
            .expect_field_error(422, "sku");
        app.post("/api/v1/products", &json!({ "sku": "A 1", "name": "x" }))
            .await
            .expect_field_error(422, "sku");
        app.post(
            "/api/v1/products",
            &json!({ "sku": "B1", "name": "x", "prices": [{ "currency": "XYZ", "amount_minor": 1 }] }),
        )
        .await
        .expect_field_error(422, "prices[0]");
        app.post(
            "/api/v1/products",
            &json!({ "sku": "B1", "name": "x", "prices": [{ "currency": "CNY", "amount_minor": 1 }, { "currency": "cny", "amount_minor": 2 }] }),
        )
        .await
        .expect_field_error(422, "prices[1]");
        app.post("/api/v1/products", &json!({ "sku": "B1", "name": "x", "prices": [{ "currency": "CNY", "amount_minor": -1 }] }))
            .await
            .expect_field_error(422, "prices[0]");

        let found = app.all("/api/v1/products?q=MEMBER").await;
        assert_eq!(found.len(), 1);
        assert_eq!(app.all("/api/v1/products?q=nothing").await.len(), 0);
        assert_eq!(app.all("/api/v1/products?category=Fitness&active=true").await.len(), 1);

        let id = gym["id"].as_str().unwrap().to_owned();
        let current = app.get(&format!("/api/v1/products/{id}")).await.expect(200);
        let repriced = app
            .patch(&format!("/api/v1/products/{id}"), &current.etag(), &json!({ "prices": [{ "currency": "CNY", "amount_minor": 349_900 }], "unit": null }))
            .await
            .expect(200);
        assert_eq!(repriced.body["prices"].as_array().unwrap().len(), 1);
        assert_eq!(repriced.body["unit"], Value::Null);

        // A member reads the catalogue but does not keep it.
        let (_, member) = app.user("rep@example.com", "member").await;
        assert_eq!(app.as_(&member).all("/api/v1/products").await.len(), 1);
        app.as_(&member).post("/api/v1/products", &json!({ "sku": "C1", "name": "x" })).await.expect(403);

        // A deleted product's SKU is free again; the old one cannot come back over the new one.
        let deleted = app.delete(&format!("/api/v1/products/{id}"), &repriced.etag()).await.expect(200);
        assert!(deleted.body["deleted_at"].is_string());
        membership(app, "GYM-12").await;
        app.post(&format!("/api/v1/products/{id}/restore"), &json!({}))
            .await
            .expect_field_error(422, "sku");
    }

    async fn a_sent_quote_is_frozen_and_revisions_supersede_it(app: &TestApp) {
        let gym = membership(app, "GYM-12").await;
        let deal = deal(app, "b2c", "CNY").await;
        let quotes = format!("/api/v1/deals/{deal}/quotes");
        let first = app
            .post(
                &quotes,
                &json!({ "lines": [
                    { "product_id": gym["id"], "quantity": 2, "net_unit_price_minor": 359_910 },
                    { "description": "Gift towel", "quantity": 2, "list_unit_price_minor": 5_000, "net_unit_price_minor": 0 }
                ] }),
            )
            .await
            .expect(201);
        let body = &first.body;
        assert_eq!((body["revision"].as_i64(), body["status"].as_str()), (Some(1), Some("draft")));
        assert_eq!(body["currency"], "CNY");
        assert_eq!(body["payment_terms"], "due_on_receipt", "B2C pays at once");
        assert_eq!(body["lines"][0]["description"], "Annual membership");
        assert_eq!(body["lines"][0]["list_unit_price_minor"], 399_900);
        assert_eq!(body["lines"][0]["discount_bp"], 1_000);
        assert_eq!(body["totals"]["list_total_minor"], 809_800);
        assert_eq!(body["totals"]["net_total_minor"], 719_820);
        assert_eq!(body["totals"]["discount_bp"], 1_111);
        assert_eq!(body["totals"]["max_line_discount_bp"], 10_000);

        app.post(&quotes, &json!({ "lines": [] })).await.expect(409);
        app.post(
            &format!("/api/v1/quotes/{}/send", first.id()),
            &json!({}),
        )
        .await
        .expect(200);
        let sent = app.get(&format!("/api/v1/quotes/{}", first.id())).await.expect(200);
        assert_eq!(sent.body["status"], "sent");
        assert!(sent.body["sent_at"].is_string());
        let refused = app
            .patch(&format!("/api/v1/quotes/{}", first.id()), &sent.etag(), &json!({ "notes": "late change" }))
            .await
            .expect_field_error(422, "status");
        assert!(refused.body["errors"][0]["message"].as_str().unwrap().contains("revision 2"), "{}", refused.body);
        app.delete(&format!("/api/v1/quotes/{}", first.id()), &sent.etag()).await.expect(409);

        let second = app.post(&format!("/api/v1/quotes/{}/revise", first.id()), &json!({})).await.expect(201);
        assert_eq!((second.body["revision"].as_i64(), second.body["status"].as_str()), (Some(2), Some("draft")));
        assert_eq!(second.body["lines"], first.body["lines"]);
        app.post(&format!("/api/v1/quotes/{}/revise", first.id()), &json!({})).await.expect(409);
        let cheaper = app
            .patch(
                &format!("/api/v1/quotes/{}", second.id()),
                &second.etag(),
                &json!({ "lines": [{ "product_id": gym["id"], "quantity": 1, "net_unit_price_minor": 300_000 }] }),
            )
            .await
            .expect(200);
        assert_eq!(cheaper.body["totals"]["net_total_minor"], 300_000);
        app.post(&format!("/api/v1/quotes/{}/accept", second.id()), &json!({})).await.expect_field_error(422, "status");
        app.post(&format!("/api/v1/quotes/{}/send", second.id()), &json!({})).await.expect(200);

        let listed = app.get(&quotes).await.expect(200);
        let statuses: Vec<&str> = listed.body.as_array().unwrap().iter().map(|q| q["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["sent", "superseded"], "newest first; the first revision is superseded");

        let accepted = app.post(&format!("/api/v1/quotes/{}/accept", second.id()), &json!({})).await.expect(200);
        assert_eq!(accepted.body["status"], "accepted");
        let deal_now = app.get(&format!("/api/v1/deals/{deal}")).await.expect(200);
        assert_eq!(deal_now.body["amount"]["amount_minor"], 300_000, "the deal is worth what the customer accepted");
        app.post(&format!("/api/v1/quotes/{}/decline", second.id()), &json!({})).await.expect_field_error(422, "status");
        app.post(&format!("/api/v1/quotes/{}/revise", second.id()), &json!({})).await.expect_field_error(422, "status");

        let audit = app.all(&format!("/api/v1/audit?entity_id={}", second.id())).await;
        assert!(audit.len() >= 3, "create, change, send and accept are audited: {audit:?}");
    }

    async fn quotes_follow_the_deal_kind_and_its_access(app: &TestApp) {
        let gym = membership(app, "GYM-12").await;
        let deal = deal(app, "b2b", "EUR").await;
        let quotes = format!("/api/v1/deals/{deal}/quotes");
        app.post(&quotes, &json!({ "lines": [{ "product_id": gym["id"], "quantity": 1 }] }))
            .await
            .expect_field_error(422, "lines[0].list_unit_price_minor");
        app.post(&quotes, &json!({ "lines": [{ "quantity": 0, "list_unit_price_minor": 1 }] }))
            .await
            .expect_field_error(422, "lines[0].quantity");
        app.post(&quotes, &json!({ "valid_until": "2000-01-01" }))
            .await
            .expect_field_error(422, "valid_until");
        app.post(&quotes, &json!({ "lines": [{ "product_id": "0190c5c8-0000-7000-8000-000000000000", "quantity": 1 }] }))
            .await
            .expect_field_error(422, "lines[0].product_id");
        let quote = app
            .post(&quotes, &json!({ "lines": [{ "product_id": gym["id"], "quantity": 3, "list_unit_price_minor": 50_000 }] }))
            .await
            .expect(201);
        assert_eq!(quote.body["payment_terms"], "net_30", "B2B pays on terms");
        assert_eq!(quote.body["currency"], "EUR");
        let approval = app.get(&format!("/api/v1/quotes/{}/approval", quote.id())).await.expect(200);
        assert_eq!(approval.body, json!({ "required": false, "need": null }), "list price on Net 30 needs nobody");
        let deeper = app
            .patch(
                &format!("/api/v1/quotes/{}", quote.id()),
                &quote.etag(),
                &json!({ "payment_terms": "net_60", "lines": [{ "product_id": gym["id"], "quantity": 3, "list_unit_price_minor": 50_000, "net_unit_price_minor": 36_000 }] }),
            )
            .await
            .expect(200);
        let approval = app.get(&format!("/api/v1/quotes/{}/approval", quote.id())).await.expect(200).body;
        assert_eq!(approval["required"], true);
        assert_eq!(approval["need"]["discount_bp"], 2_800);
        assert_eq!(approval["need"]["reasons"], json!(["discount", "payment_terms"]));
        let chain: Vec<(i64, &str)> = approval["need"]["chain"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["order"].as_i64().unwrap(), s["role"].as_str().unwrap()))
            .collect();
        assert_eq!(chain, [(1, "sales_manager"), (2, "director"), (3, "deal_desk")], "28% off on Net 60");
        app.get("/api/v1/quotes/0190c5c8-0000-7000-8000-000000000000/approval").await.expect(404);
        assert_eq!(deeper.body["totals"]["discount_bp"], 2_800);
        app.post(&format!("/api/v1/quotes/{}/send", quote.id()), &json!({}))
            .await
            .expect(200);
        app.post("/api/v1/deals/0190c5c8-0000-7000-8000-000000000000/quotes", &json!({}))
            .await
            .expect(404);

        // A rep outside the deal's team sees neither the deal nor its quotes.
        let (_, outsider) = app.user("outsider@example.com", "member").await;
        app.as_(&outsider).get(&quotes).await.expect(404);
        app.as_(&outsider).get(&format!("/api/v1/quotes/{}", quote.id())).await.expect(404);
        app.as_(&outsider).post(&quotes, &json!({})).await.expect(404);
    }
}
