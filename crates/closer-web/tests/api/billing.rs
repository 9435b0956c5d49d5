//! Billing (D3): invoices from the accepted quote's terms, numbered without gaps even when
//! finalised at once, the PO a customer requires, partial payments, refunds that give promotions
//! back, and the receivables' ageing.

use serde_json::{Value, json};

use crate::support::{Auth, TestApp, on_both_backends};

/// Accepts the sent quote, invoices it, finalises and pays every invoice.
pub async fn pay_in_full(app: &TestApp, deal: &str, quote: &str) {
    app.post(&format!("/api/v1/quotes/{quote}/accept"), &json!({}))
        .await
        .expect(200);
    let invoices = app
        .post(&format!("/api/v1/deals/{deal}/invoices"), &json!({}))
        .await
        .expect(201)
        .body;
    for invoice in invoices.as_array().unwrap() {
        let id = invoice["id"].as_str().unwrap();
        let open = app
            .post(&format!("/api/v1/invoices/{id}/finalise"), &json!({}))
            .await
            .expect(200)
            .body;
        let amount = open["amount_due_minor"].clone();
        app.post(
            &format!("/api/v1/invoices/{id}/payments"),
            &json!({ "method": "wechat_pay", "amount_minor": amount }),
        )
        .await
        .expect(201);
    }
}

/// A B2B deal with a quote on 30% / 70% terms, sent and accepted.
async fn accepted_deal(app: &TestApp, customer: &str, n: usize) -> String {
    let deal = app
        .post("/api/v1/deals", &json!({ "title": format!("Line {n}"), "kind": "b2b", "counterparty_id": customer, "currency": "EUR", "amount_minor": 1 }))
        .await
        .expect(201)
        .id();
    let quote = app
        .post(
            &format!("/api/v1/deals/{deal}/quotes"),
            &json!({ "lines": [{ "description": "Assembly line", "quantity": 1, "list_unit_price_minor": 1_000_001 }], "payment_terms": "30_signature_70_acceptance" }),
        )
        .await
        .expect(201)
        .id();
    app.post(&format!("/api/v1/quotes/{quote}/send"), &json!({}))
        .await
        .expect(200);
    app.post(&format!("/api/v1/quotes/{quote}/accept"), &json!({}))
        .await
        .expect(200);
    deal
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

on_both_backends! {
    async fn invoices_follow_the_terms_need_the_po_and_age(app: &TestApp) {
        let acme = app.create_organisation("Acme Logistics").await.id();
        let clerk = app.create_person("Payables Clerk").await.id();
        let profile = format!("/api/v1/billing-profiles/{acme}");
        let empty = app.get(&profile).await.expect(200).body;
        assert_eq!(empty["missing"], json!(["legal_entity", "tax_id", "billing_address", "ap_contact"]));
        app.send(reqwest::Method::PUT, &profile, Some(&json!({ "ap_email": "not an address" })), &[]).await.expect_field_error(422, "ap_email");
        let set = app
            .send(reqwest::Method::PUT, &profile, Some(&json!({
                "legal_entity": "Acme Logistics GmbH", "tax_id": "DE123456789", "billing_address": "Hafenstraße 1, Hamburg",
                "ap_contact_id": clerk, "requires_po": true
            })), &[])
            .await
            .expect(200)
            .body;
        assert_eq!(set["missing"], json!([]));

        let deal = accepted_deal(app, &acme, 1).await;
        let invoices = app.post(&format!("/api/v1/deals/{deal}/invoices"), &json!({})).await.expect(201).body;
        let parts: Vec<(i64, &str)> = invoices
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["amount_due_minor"].as_i64().unwrap(), i["label"].as_str().unwrap()))
            .collect();
        assert_eq!(parts, [(300_000, "30% on signature"), (700_001, "70% on acceptance")], "the parts add up to the total");
        app.post(&format!("/api/v1/deals/{deal}/invoices"), &json!({})).await.expect(409);
        let [first, second] = <[String; 2]>::try_from(ids(&invoices)).unwrap();
        app.post(&format!("/api/v1/invoices/{first}/finalise"), &json!({})).await.expect_field_error(422, "po_number");
        let draft = app.get(&format!("/api/v1/invoices/{first}")).await.expect(200);
        assert_eq!(draft.body["number"], Value::Null, "a refused finalisation spends no number");
        app.patch(&format!("/api/v1/invoices/{first}"), &draft.etag(), &json!({ "po_number": "PO-4711" })).await.expect(200);
        let open = app.post(&format!("/api/v1/invoices/{first}/finalise"), &json!({})).await.expect(200).body;
        assert_eq!((open["number"].as_str(), open["status"].as_str()), (Some("INV-000001"), Some("open")));
        app.post(&format!("/api/v1/invoices/{first}/payments"), &json!({ "method": "bank_transfer", "amount_minor": 300_001 }))
            .await
            .expect_field_error(422, "amount_minor");
        app.post(&format!("/api/v1/invoices/{second}/payments"), &json!({ "method": "bank_transfer", "amount_minor": 1 }))
            .await
            .expect_field_error(422, "status");
        let part = app
            .post(&format!("/api/v1/invoices/{first}/payments"), &json!({ "method": "bank_transfer", "amount_minor": 100_000, "reference": "SWIFT 1" }))
            .await
            .expect(201)
            .body;
        let aging = app.get("/api/v1/receivables").await.expect(200).body;
        assert_eq!(aging["currencies"][0]["currency"], "EUR");
        assert_eq!(aging["currencies"][0]["buckets"]["current"], 200_000, "{aging}");
        let pending = app
            .post(&format!("/api/v1/invoices/{first}/payments"), &json!({ "method": "card", "amount_minor": 200_000, "status": "pending" }))
            .await
            .expect(201)
            .body;
        assert_eq!(app.get(&format!("/api/v1/invoices/{first}")).await.body["status"], "open", "a pending payment pays nothing yet");
        let settled = app
            .post(&format!("/api/v1/payments/{}/status", pending["id"].as_str().unwrap()), &json!({ "status": "succeeded" }))
            .await
            .expect(200)
            .body;
        assert_eq!(settled["status"], "succeeded");
        let paid = app.get(&format!("/api/v1/invoices/{first}")).await.body;
        assert_eq!((paid["status"].as_str(), paid["amount_paid_minor"].as_i64()), (Some("paid"), Some(300_000)));
        let refund = |amount: i64| json!({ "amount_minor": amount, "reason": "requested_by_customer" });
        let part_id = part["id"].as_str().unwrap();
        app.post(&format!("/api/v1/payments/{part_id}/refunds"), &refund(100_001)).await.expect_field_error(422, "amount_minor");
        let refunded = app.post(&format!("/api/v1/payments/{part_id}/refunds"), &refund(40_000)).await.expect(200).body;
        assert_eq!(refunded["refunded_minor"], 40_000);
        assert_eq!(app.get(&format!("/api/v1/invoices/{first}")).await.body["amount_paid_minor"], 260_000);

        // The payment stage's gates read these records.
        let verdicts = |gates: &Value| -> Vec<(String, String)> {
            gates["criteria"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| (c["key"].as_str().unwrap_or("").to_owned(), c["verdict"].as_str().unwrap_or("").to_owned()))
                .collect()
        };
        let stage = app.stage("b2b", "b2b_payment").await;
        let at_payment = app
            .post("/api/v1/deals", &json!({ "title": "Spare parts", "kind": "b2b", "counterparty_id": acme, "currency": "EUR", "amount_minor": 1, "stage_id": stage }))
            .await
            .expect(201)
            .id();
        let gates = app.get(&format!("/api/v1/deals/{at_payment}/gates")).await.expect(200).body;
        let unmet = [("invoice_finalised".to_owned(), "unmet".to_owned()), ("first_payment".to_owned(), "unmet".to_owned())];
        assert_eq!(verdicts(&gates), unmet);
        let quote = app
            .post(&format!("/api/v1/deals/{at_payment}/quotes"), &json!({ "lines": [{ "description": "Parts", "quantity": 1, "list_unit_price_minor": 5_000 }] }))
            .await
            .expect(201)
            .id();
        app.post(&format!("/api/v1/quotes/{quote}/send"), &json!({})).await.expect(200);
        app.post(&format!("/api/v1/quotes/{quote}/accept"), &json!({})).await.expect(200);
        let invoice = app.post(&format!("/api/v1/deals/{at_payment}/invoices"), &json!({})).await.expect(201).body[0]["id"].clone();
        let invoice = invoice.as_str().unwrap();
        let draft = app.get(&format!("/api/v1/invoices/{invoice}")).await.expect(200);
        app.patch(&format!("/api/v1/invoices/{invoice}"), &draft.etag(), &json!({ "po_number": "PO-4712" })).await.expect(200);
        app.post(&format!("/api/v1/invoices/{invoice}/finalise"), &json!({})).await.expect(200);
        app.post(&format!("/api/v1/invoices/{invoice}/payments"), &json!({ "method": "bank_transfer", "amount_minor": 5_000 })).await.expect(201);
        let gates = app.get(&format!("/api/v1/deals/{at_payment}/gates")).await.expect(200).body;
        let met = [("invoice_finalised".to_owned(), "met".to_owned()), ("first_payment".to_owned(), "met".to_owned())];
        assert_eq!(verdicts(&gates), met);

        let (_, outsider) = app.user("outsider@example.com", "member").await;
        app.as_(&outsider).get(&format!("/api/v1/invoices/{first}")).await.expect(404);
        let theirs = app.as_(&outsider).get("/api/v1/receivables").await.expect(200).body;
        assert_eq!(theirs["currencies"], json!([]), "receivables follow the access rules");
    }

    async fn invoices_finalised_at_once_are_numbered_without_gaps(app: &TestApp) {
        let customer = app.create_organisation("Globex").await.id();
        let mut drafts = Vec::new();
        for n in 0..4 {
            let deal = accepted_deal(app, &customer, n).await;
            drafts.extend(ids(&app.post(&format!("/api/v1/deals/{deal}/invoices"), &json!({})).await.expect(201).body));
        }
        let Auth::Bearer(token) = &app.admin else {
            panic!("the administrator signs in with a token");
        };
        let mut tasks = tokio::task::JoinSet::new();
        for id in &drafts {
            let url = format!("{}/api/v1/invoices/{id}/finalise", app.base);
            let (client, token) = (app.client.clone(), token.clone());
            tasks.spawn(async move {
                let response = client.post(url).bearer_auth(token).json(&json!({})).send().await.unwrap();
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                (status, body["number"].as_str().unwrap_or("").to_owned())
            });
        }
        let mut numbers = Vec::new();
        while let Some(done) = tasks.join_next().await {
            let (status, number) = done.unwrap();
            assert_eq!(status, 200, "{number}");
            numbers.push(number);
        }
        numbers.sort();
        let expected: Vec<String> = (1..=drafts.len()).map(|n| format!("INV-{n:06}")).collect();
        assert_eq!(numbers, expected, "one after another, none skipped, none twice");
    }

    async fn a_full_refund_gives_the_promotion_back(app: &TestApp) {
        let gym = app
            .post("/api/v1/products", &json!({ "sku": "GYM", "name": "Gym", "prices": [{ "currency": "CNY", "amount_minor": 100_000 }] }))
            .await
            .expect(201)
            .id();
        let promotion = app
            .post("/api/v1/promotions", &json!({
                "name": "Once", "code": "ONCE", "class": "order", "reward": { "type": "percentage", "bp": 1000 },
                "usage_limit_total": 1, "starts_at": "2026-01-01T00:00:00Z"
            }))
            .await
            .expect(201)
            .id();
        let customer = app.create_person("Li Lei").await.id();
        let deal = app
            .post("/api/v1/deals", &json!({ "title": "Gym", "kind": "b2c", "counterparty_id": customer, "currency": "CNY", "amount_minor": 1 }))
            .await
            .expect(201)
            .id();
        let quote = app
            .post(&format!("/api/v1/deals/{deal}/quotes"), &json!({ "lines": [{ "product_id": gym, "quantity": 1 }], "promotion_codes": ["ONCE"] }))
            .await
            .expect(201)
            .id();
        app.post(&format!("/api/v1/quotes/{quote}/send"), &json!({})).await.expect(200);
        pay_in_full(app, &deal, &quote).await;
        assert_eq!(app.get(&format!("/api/v1/promotions/{promotion}")).await.body["used_count"], 1);
        let payments = app.get(&format!("/api/v1/deals/{deal}/payments")).await.expect(200).body;
        let payment = payments[0]["id"].as_str().unwrap().to_owned();
        assert_eq!(payments[0]["amount_minor"], 90_000, "the customer paid the promoted price");
        app.post(&format!("/api/v1/payments/{payment}/refunds"), &json!({ "amount_minor": 90_000, "reason": "requested_by_customer" }))
            .await
            .expect(200);
        assert_eq!(app.get(&format!("/api/v1/promotions/{promotion}")).await.body["used_count"], 0, "the limit is free again");
    }
}
