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
                    { "description": "Gift towel", "quantity": 2, "list_unit_price_minor": 0 }
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
        assert_eq!(body["totals"]["list_total_minor"], 799_800);
        assert_eq!(body["totals"]["net_total_minor"], 719_820);
        assert_eq!(body["totals"]["discount_bp"], 1_000);
        assert_eq!(body["totals"]["max_line_discount_bp"], 1_000);

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
                &json!({ "lines": [{ "product_id": gym["id"], "quantity": 1, "net_unit_price_minor": 345_000 }] }),
            )
            .await
            .expect(200);
        assert_eq!(cheaper.body["totals"]["net_total_minor"], 345_000);
        app.post(&format!("/api/v1/quotes/{}/accept", second.id()), &json!({})).await.expect_field_error(422, "status");
        app.post(&format!("/api/v1/quotes/{}/send", second.id()), &json!({})).await.expect(200);

        let listed = app.get(&quotes).await.expect(200);
        let statuses: Vec<&str> = listed.body.as_array().unwrap().iter().map(|q| q["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["sent", "superseded"], "newest first; the first revision is superseded");

        let accepted = app.post(&format!("/api/v1/quotes/{}/accept", second.id()), &json!({})).await.expect(200);
        assert_eq!(accepted.body["status"], "accepted");
        let deal_now = app.get(&format!("/api/v1/deals/{deal}")).await.expect(200);
        assert_eq!(deal_now.body["amount"]["amount_minor"], 345_000, "the deal is worth what the customer accepted");
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
        assert_eq!(approval.body, json!({ "required": false, "need": null, "request": null }), "list price on Net 30 needs nobody");
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
        let unapproved = app.post(&format!("/api/v1/quotes/{}/send", quote.id()), &json!({})).await.expect(409);
        assert!(unapproved.body["detail"].as_str().unwrap().contains("sales_manager, director, deal_desk"), "{}", unapproved.body);
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

/// A B2B deal of the Enterprise team: its rep, the team's manager, a director and a CEO.
struct Approvers {
    deal: String,
    rep: crate::support::Auth,
    boss: crate::support::Auth,
    director: crate::support::Auth,
    director_id: String,
}

async fn approvers(app: &TestApp) -> Approvers {
    let team = app
        .post("/api/v1/teams", &json!({ "name": "Enterprise" }))
        .await
        .expect(201)
        .id();
    let (rep_id, rep) = app.user("rep@example.com", "member").await;
    let (boss_id, boss) = app.user("boss@example.com", "manager").await;
    let (director_id, director) = app.user("director@example.com", "member").await;
    for (user, manages) in [(&rep_id, false), (&boss_id, true)] {
        app.send(
            reqwest::Method::PUT,
            &format!("/api/v1/teams/{team}/members/{user}"),
            Some(&json!({ "is_manager": manages })),
            &[],
        )
        .await
        .expect(200);
    }
    let roles = format!("/api/v1/users/{director_id}/approver-roles");
    let set = app
        .send(
            reqwest::Method::PUT,
            &roles,
            Some(&json!({ "roles": ["director", "director"] })),
            &[],
        )
        .await
        .expect(200);
    assert_eq!(set.body, json!({ "roles": ["director"] }));
    app.send(reqwest::Method::PUT, &roles, Some(&json!({ "roles": ["chief"] })), &[])
        .await
        .expect_field_error(422, "roles[0]");
    app.as_(&rep)
        .send(reqwest::Method::PUT, &roles, Some(&json!({ "roles": [] })), &[])
        .await
        .expect(403);
    assert_eq!(app.get(&roles).await.expect(200).body, json!({ "roles": ["director"] }));
    let deal = deal(app, "b2b", "EUR").await;
    app.post(
        &format!("/api/v1/deals/{deal}/assign"),
        &json!({ "owner_id": rep_id, "team_id": team }),
    )
    .await
    .expect(200);
    Approvers {
        deal,
        rep,
        boss,
        director,
        director_id,
    }
}

async fn inbox(app: &TestApp, auth: &crate::support::Auth) -> Vec<Value> {
    app.as_(auth)
        .get("/api/v1/approvals")
        .await
        .expect(200)
        .body
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn line(product: &str, net: i64) -> Value {
    json!({ "description": product, "quantity": 1, "list_unit_price_minor": 100_000, "net_unit_price_minor": net })
}

fn step_statuses(approval: &Value) -> Vec<(String, String)> {
    approval["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["role"].as_str().unwrap().to_owned(),
                s["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

on_both_backends! {
    async fn a_deep_discount_waits_for_its_approvers_in_order(app: &TestApp) {
        let Approvers { deal, rep, boss, director, director_id } = approvers(app).await;
        let quote = app
            .as_(&rep)
            .post(&format!("/api/v1/deals/{deal}/quotes"), &json!({ "lines": [line("Platform", 75_000)] }))
            .await
            .expect(201);
        let quote_path = format!("/api/v1/quotes/{}", quote.id());
        app.as_(&rep).post(&format!("{quote_path}/send"), &json!({})).await.expect(409);

        let submitted = app
            .as_(&rep)
            .post(&format!("{quote_path}/approvals"), &json!({ "justification": "Three-year commitment" }))
            .await
            .expect(201);
        let approval = format!("/api/v1/approvals/{}", submitted.id());
        assert_eq!(submitted.header("location"), Some(approval.as_str()));
        assert_eq!(submitted.body["status"], "pending");
        assert_eq!(submitted.body["reasons"], json!(["discount"]));
        assert_eq!(step_statuses(&submitted.body), pairs(&[("sales_manager", "pending"), ("director", "waiting")]));
        assert!(submitted.body["steps"][0]["due_at"].is_string(), "the manager's step has an SLA");
        app.as_(&rep).post(&format!("{quote_path}/approvals"), &json!({})).await.expect(409);
        app.as_(&rep).patch(&quote_path, &quote.etag(), &json!({ "notes": "sweetener" })).await.expect(409);
        app.as_(&rep).delete(&quote_path, &quote.etag()).await.expect(409);

        // The director waits for the manager; the rep never approves their own request.
        assert!(inbox(app, &director).await.is_empty());
        app.as_(&director).post(&format!("{approval}/approve"), &json!({})).await.expect_field_error(422, "status");
        app.as_(&rep).post(&format!("{approval}/approve"), &json!({})).await.expect(403);
        let waiting = inbox(app, &boss).await;
        assert_eq!(waiting.len(), 1, "the team's manager decides as sales manager");
        assert_eq!(waiting[0]["yours_to_decide"], true);
        assert_eq!(waiting[0]["quote"]["discount_bp"], 2_500);
        assert_eq!(waiting[0]["justification"], "Three-year commitment");
        let after_boss = app.as_(&boss).send(reqwest::Method::POST, &format!("{approval}/approve"), None, &[]).await.expect(200);
        assert_eq!(step_statuses(&after_boss.body), pairs(&[("sales_manager", "approved"), ("director", "pending")]));
        assert_eq!(inbox(app, &director).await.len(), 1);
        // The director is not on the deal's team, yet reads the request as its approver.
        app.as_(&director).get(&format!("/api/v1/deals/{deal}")).await.expect(404);
        app.as_(&director).get(&approval).await.expect(200);
        let approved = app
            .as_(&director)
            .post(&format!("{approval}/approve"), &json!({ "comment": "Fine for three years" }))
            .await
            .expect(200);
        assert_eq!(approved.body["status"], "approved");
        assert_eq!(approved.body["steps"][1]["decided_by"], director_id.as_str());
        assert_eq!(approved.body["steps"][1]["comment"], "Fine for three years");
        app.as_(&rep).post(&format!("{approval}/recall"), &json!({})).await.expect_field_error(422, "status");
        app.as_(&rep).post(&format!("{quote_path}/send"), &json!({})).await.expect(200);

        // The next revision keeps what was approved; only a new deep line asks again.
        let second = app.as_(&rep).post(&format!("{quote_path}/revise"), &json!({})).await.expect(201);
        let second_path = format!("/api/v1/quotes/{}", second.id());
        let unchanged = app.as_(&rep).get(&format!("{second_path}/approval")).await.expect(200);
        assert_eq!(unchanged.body["required"], false, "unchanged lines keep their approval");
        let widened = app
            .as_(&rep)
            .patch(&second_path, &second.etag(), &json!({ "lines": [line("Platform", 75_000), line("Training", 85_000)] }))
            .await
            .expect(200);
        let need = app.as_(&rep).get(&format!("{second_path}/approval")).await.expect(200).body;
        assert_eq!(need["need"]["discount_bp"], 1_500, "judged on the new line: {need}");
        assert_eq!(need["need"]["chain"], json!([{ "order": 1, "role": "sales_manager" }]));

        let resubmitted = app.as_(&rep).post(&format!("{second_path}/approvals"), &json!({})).await.expect(201);
        let second_approval = format!("/api/v1/approvals/{}", resubmitted.id());
        app.as_(&boss).post(&format!("{second_approval}/reject"), &json!({})).await.expect_field_error(422, "comment");
        let rejected = app
            .as_(&boss)
            .post(&format!("{second_approval}/reject"), &json!({ "comment": "Training stays at list" }))
            .await
            .expect(200);
        assert_eq!(rejected.body["status"], "rejected");
        app.as_(&rep).post(&format!("{second_path}/send"), &json!({})).await.expect(409);

        // Recalled before anyone decides; then approved, then changed beyond it: invalidated.
        let third = app.as_(&rep).post(&format!("{second_path}/approvals"), &json!({})).await.expect(201);
        let recalled = app.as_(&rep).post(&format!("/api/v1/approvals/{}/recall", third.id()), &json!({})).await.expect(200);
        assert_eq!(recalled.body["status"], "recalled");
        assert_eq!(step_statuses(&recalled.body), pairs(&[("sales_manager", "cancelled")]));
        let fourth = app.as_(&rep).post(&format!("{second_path}/approvals"), &json!({})).await.expect(201);
        app.as_(&boss).post(&format!("/api/v1/approvals/{}/approve", fourth.id()), &json!({})).await.expect(200);
        let current = app.as_(&rep).get(&second_path).await.expect(200);
        app.as_(&rep)
            .patch(&second_path, &current.etag(), &json!({ "lines": [line("Platform", 75_000), line("Training", 70_000)] }))
            .await
            .expect(200);
        let history = app.as_(&rep).get(&format!("/api/v1/deals/{deal}/approvals")).await.expect(200).body;
        let statuses: Vec<&str> = history.as_array().unwrap().iter().map(|a| a["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["invalidated", "recalled", "rejected", "approved"], "newest first");
        app.as_(&rep).post(&format!("{second_path}/send"), &json!({})).await.expect(409);
        assert_ne!(widened.body["totals"], Value::Null);

        // Nobody holds the CFO's or the CEO's role yet: the request is refused, not stranded.
        let current = app.as_(&rep).get(&second_path).await.expect(200);
        app.as_(&rep)
            .patch(&second_path, &current.etag(), &json!({ "lines": [line("Platform", 50_000)] }))
            .await
            .expect(200);
        let stranded = app.as_(&rep).post(&format!("{second_path}/approvals"), &json!({})).await.expect(409);
        assert!(stranded.body["detail"].as_str().unwrap().contains("cfo, ceo"), "{}", stranded.body);

        // Someone outside the deal and its approvers sees nothing.
        let (_, outsider) = app.user("outsider@example.com", "member").await;
        app.as_(&outsider).get(&approval).await.expect(404);
        app.as_(&outsider).post(&format!("{approval}/approve"), &json!({})).await.expect(404);
        let audit = app.all(&format!("/api/v1/audit?entity_id={}", submitted.id())).await;
        assert!(audit.len() >= 3, "submit and both approvals are audited: {audit:?}");
    }
}

on_both_backends! {
    async fn administrators_set_the_approval_matrix_and_quotes_follow_it(app: &TestApp) {
        let default = app.get("/api/v1/approval-matrix").await.expect(200).body;
        assert_eq!((default["is_default"].as_bool(), default["version"].as_i64()), (Some(true), Some(0)));
        assert_eq!(default["tiers"].as_array().map(Vec::len), Some(5));

        let deal = deal(app, "b2b", "CNY").await;
        let quote = app
            .post(&format!("/api/v1/deals/{deal}/quotes"), &json!({ "lines": [line("Platform", 92_000)] }))
            .await
            .expect(201)
            .id();
        let needs = || async { app.get(&format!("/api/v1/quotes/{quote}/approval")).await.expect(200).body };
        assert_eq!(needs().await["required"], false, "8% is within the default ladder's 10%");

        let strict = json!({ "tiers": [
            { "deal_kind": "b2b", "above_bp": 500, "chain": [{ "order": 1, "role": "sales_manager" }], "sla_hours": 8 },
            { "deal_kind": "b2b", "above_bp": 500, "min_amount": { "currency": "cny", "amount_minor": 50_000 },
              "chain": [{ "order": 1, "role": "sales_manager" }, { "order": 2, "role": "cfo" }, { "order": 2, "role": "ceo" }], "sla_hours": 12 },
            { "deal_kind": "b2c", "above_bp": 1_500, "chain": [{ "order": 1, "role": "sales_manager" }], "sla_hours": 4 }
        ] });
        let (_, member) = app.user("rep@example.com", "member").await;
        app.as_(&member).send(reqwest::Method::PUT, "/api/v1/approval-matrix", Some(&strict), &[]).await.expect(403);
        let gapped = json!({ "tiers": [{ "deal_kind": "b2b", "above_bp": 500, "chain": [{ "order": 2, "role": "cfo" }], "sla_hours": 8 }] });
        app.send(reqwest::Method::PUT, "/api/v1/approval-matrix", Some(&gapped), &[]).await.expect_field_error(422, "tiers[0].chain");
        app.send(reqwest::Method::PUT, "/api/v1/approval-matrix", Some(&json!({ "tiers": [{ "deal_kind": "b2b" }] })), &[])
            .await
            .expect(422);
        let saved = app
            .send(reqwest::Method::PUT, "/api/v1/approval-matrix", Some(&strict), &[("if-match", "\"0\"")])
            .await
            .expect(200)
            .body;
        assert_eq!((saved["is_default"].as_bool(), saved["version"].as_i64()), (Some(false), Some(1)));
        assert_eq!(saved["tiers"][1]["min_amount"]["currency"], "CNY", "the currency is normalised");
        app.send(reqwest::Method::PUT, "/api/v1/approval-matrix", Some(&strict), &[("if-match", "\"0\"")])
            .await
            .expect(412);
        assert_eq!(app.get("/api/v1/approval-matrix").await.expect(200).body, saved);

        let need = needs().await;
        assert_eq!(need["required"], true, "8% now needs approval: {need}");
        assert_eq!(
            need["need"]["chain"],
            json!([{ "order": 1, "role": "sales_manager" }, { "order": 2, "role": "cfo" }, { "order": 2, "role": "ceo" }]),
            "¥920 is inside the band from ¥500"
        );
        assert_eq!(need["need"]["sla_hours"], 12);
        app.post(&format!("/api/v1/quotes/{quote}/send"), &json!({})).await.expect(409);
        let audit = app.all("/api/v1/audit?entity_type=approval_matrix").await;
        assert_eq!(audit.len(), 1, "the change is audited: {audit:?}");
    }
}
