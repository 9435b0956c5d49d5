//! Contracts (D2): the company contract through the customer's approval chain, redlined and
//! signed, teaching the account its paper process; the consumer's agreement signed in one sitting
//! and cancelled within its cooling-off period.

use serde_json::{Value, json};

use crate::support::{TestApp, on_both_backends};

fn verdict(gates: &Value, key: &str) -> String {
    gates["criteria"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["key"] == key))
        .and_then(|c| c["verdict"].as_str())
        .unwrap_or("absent")
        .to_owned()
}

fn steps(contract: &Value) -> Vec<(String, String)> {
    contract["customer_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["function"].as_str().unwrap().to_owned(),
                s["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

/// A B2B deal of `organisation` at the contract stage, with a quote sent at list price.
async fn contract_deal(app: &TestApp, organisation: &str, title: &str) -> String {
    let stage = app.stage("b2b", "b2b_company_contract").await;
    let deal = app
        .post("/api/v1/deals", &json!({ "title": title, "kind": "b2b", "counterparty_id": organisation, "currency": "EUR", "amount_minor": 1, "stage_id": stage }))
        .await
        .expect(201)
        .id();
    let quote = app
        .post(&format!("/api/v1/deals/{deal}/quotes"), &json!({ "lines": [{ "description": "Fleet licences", "quantity": 10, "list_unit_price_minor": 100_000 }] }))
        .await
        .expect(201)
        .id();
    app.post(&format!("/api/v1/quotes/{quote}/send"), &json!({}))
        .await
        .expect(200);
    deal
}

on_both_backends! {
    async fn a_company_contract_goes_through_the_customers_chain_and_teaches_it(app: &TestApp) {
        let acme = app.create_organisation("Acme Logistics").await.id();
        let signer = app.create_person("Anna Schmidt").await.id();
        let stage = app.stage("b2b", "b2b_company_contract").await;
        let early = app
            .post("/api/v1/deals", &json!({ "title": "Pilot", "kind": "b2b", "counterparty_id": acme, "currency": "EUR", "amount_minor": 1, "stage_id": stage }))
            .await
            .expect(201)
            .id();
        let unquoted = app.post(&format!("/api/v1/deals/{early}/contracts"), &json!({})).await.expect(201);
        app.post(&format!("/api/v1/contracts/{}/ready", unquoted.id()), &json!({})).await.expect_field_error(422, "quote_id");

        let deal = contract_deal(app, &acme, "Fleet").await;
        let gates = app.get(&format!("/api/v1/deals/{deal}/gates")).await.expect(200).body;
        assert_eq!(verdict(&gates, "paper_process_mapped"), "unmet");
        let recommendations = app.get(&format!("/api/v1/deals/{deal}/recommendations")).await.expect(200).body;
        assert!(recommendations.as_array().unwrap().iter().any(|r| r["rule"] == "R2.2"), "{recommendations}");

        let chain = json!([
            { "order": 1, "function": "legal", "expected_days": 5 },
            { "order": 2, "function": "procurement", "expected_days": 4 },
            { "order": 2, "function": "it_security", "expected_days": 10 },
            { "order": 3, "function": "signatory", "approver_id": signer, "expected_days": 2 }
        ]);
        app.post(&format!("/api/v1/deals/{deal}/contracts"), &json!({ "customer_steps": [{ "order": 2, "function": "legal", "expected_days": 5 }] }))
            .await
            .expect_field_error(422, "customer_steps");
        app.post(&format!("/api/v1/deals/{deal}/contracts"), &json!({ "cooling_off_days": 7 }))
            .await
            .expect_field_error(422, "cooling_off_days");
        app.post(&format!("/api/v1/deals/{deal}/contracts"), &json!({ "their_signatory_ids": ["0190c5c8-0000-7000-8000-000000000000"] }))
            .await
            .expect_field_error(404, "their_signatory_ids[0]");
        let ghost = json!([{ "order": 1, "function": "legal", "expected_days": 5, "approver_id": "0190c5c8-0000-7000-8000-000000000000" }]);
        app.post(&format!("/api/v1/deals/{deal}/contracts"), &json!({ "customer_steps": ghost }))
            .await
            .expect_field_error(404, "customer_steps[0].approver_id");
        let created = app.post(&format!("/api/v1/deals/{deal}/contracts"), &json!({ "customer_steps": chain })).await.expect(201);
        let contract = format!("/api/v1/contracts/{}", created.id());
        assert_eq!(created.header("location"), Some(contract.as_str()));
        assert_eq!((created.body["kind"].as_str(), created.body["status"].as_str()), (Some("company_contract"), Some("draft")));
        assert!(created.body["quote_id"].is_string(), "drawn up from the issued quote");
        let act = |path: &'static str| {
            let contract = contract.clone();
            async move { app.post(&format!("{contract}/{path}"), &json!({})).await }
        };
        act("ready").await.expect(200);
        act("send-to-customer").await.expect_field_error(422, "their_signatory_ids");
        app.post(&format!("{contract}/signature"), &json!({ "status": "sent" })).await.expect_field_error(422, "status");

        let current = app.get(&contract).await.expect(200);
        app.patch(&contract, &current.etag(), &json!({ "their_signatory_ids": [signer] })).await.expect_field_error(422, "status");
        // A ready contract no longer changes: draw up another with the signatory, withdraw this one.
        // The signatory signs for the customer only once on the committee as one (R2.5).
        let fresh = app
            .post(&format!("/api/v1/deals/{deal}/contracts"), &json!({ "customer_steps": chain, "their_signatory_ids": [signer] }))
            .await
            .expect(201);
        act("cancel").await.expect(200);
        let contract = format!("/api/v1/contracts/{}", fresh.id());
        let step = |index: usize, outcome: &str| {
            let contract = contract.clone();
            let body = json!({ "outcome": outcome, "notes": "reviewed" });
            async move { app.post(&format!("{contract}/customer-steps/{index}"), &body).await }
        };
        app.post(&format!("{contract}/ready"), &json!({})).await.expect(200);
        app.post(&format!("{contract}/send-to-customer"), &json!({})).await.expect_field_error(422, "their_signatory_ids");
        app.post(&format!("/api/v1/deals/{deal}/stakeholders"), &json!({ "person_id": signer, "roles": ["signatory"], "department": "Legal" }))
            .await
            .expect(201);
        let sent = app.post(&format!("{contract}/send-to-customer"), &json!({})).await.expect(200).body;
        assert_eq!(sent["status"], "with_customer");
        assert_eq!(steps(&sent), pairs(&[("legal", "in_review"), ("procurement", "waiting"), ("it_security", "waiting"), ("signatory", "waiting")]));
        step(1, "approved").await.expect_field_error(422, "step");
        step(0, "waiting").await.expect_field_error(422, "outcome");
        app.post(&format!("{contract}/customer-steps/x"), &json!({ "outcome": "approved" })).await.expect(404);
        step(9, "approved").await.expect_field_error(422, "step");
        step(0, "approved").await.expect(200);
        step(1, "approved").await.expect(200);
        let redlining = step(2, "changes_requested").await.expect(200).body;
        assert_eq!(redlining["status"], "redlining");
        let revised = app.post(&format!("{contract}/revise"), &json!({ "commercial_change": false })).await.expect(200).body;
        assert_eq!((revised["contract_version"].as_i64(), revised["status"].as_str()), (Some(2), Some("with_customer")));
        assert_eq!(steps(&revised), pairs(&[("legal", "approved"), ("procurement", "approved"), ("it_security", "in_review"), ("signatory", "waiting")]));
        step(2, "approved").await.expect(200);
        let approved = step(3, "approved").await.expect(200).body;
        assert_eq!(approved["status"], "customer_approved");
        let gates = app.get(&format!("/api/v1/deals/{deal}/gates")).await.expect(200).body;
        assert_eq!((verdict(&gates, "paper_process_mapped").as_str(), verdict(&gates, "customer_approvals").as_str()), ("met", "met"));
        assert_eq!(verdict(&gates, "envelope_completed"), "unmet");

        let out = app.post(&format!("{contract}/signature"), &json!({ "status": "sent", "provider": "esign", "external_id": "env-42" })).await.expect(200).body;
        assert_eq!((out["status"].as_str(), out["signature"]["status"].as_str()), (Some("out_for_signature"), Some("sent")));
        app.post(&format!("{contract}/signature"), &json!({ "status": "delivered" })).await.expect(200);
        let signed = app.post(&format!("{contract}/signature"), &json!({ "status": "completed" })).await.expect(200).body;
        assert_eq!(signed["status"], "executed");
        assert!(signed["executed_at"].is_string(), "the deal is booked");
        let gates = app.get(&format!("/api/v1/deals/{deal}/gates")).await.expect(200).body;
        assert_eq!(verdict(&gates, "envelope_completed"), "met");
        app.post(&format!("{contract}/cancel"), &json!({})).await.expect_field_error(422, "status");

        // The account's next deal starts from the chain it went through.
        let learned = app.get(&format!("/api/v1/organisations/{acme}/paper-process")).await.expect(200).body;
        assert_eq!(learned["known"], true);
        assert_eq!(learned["steps"].as_array().map(Vec::len), Some(4));
        let next_deal = contract_deal(app, &acme, "Second fleet").await;
        let next = app.post(&format!("/api/v1/deals/{next_deal}/contracts"), &json!({})).await.expect(201).body;
        let functions: Vec<&str> = next["customer_steps"].as_array().unwrap().iter().map(|s| s["function"].as_str().unwrap()).collect();
        assert_eq!(functions, ["legal", "procurement", "it_security", "signatory"]);
        let other = app.create_organisation("Other GmbH").await.id();
        let usual = app.get(&format!("/api/v1/organisations/{other}/paper-process")).await.expect(200).body;
        assert_eq!(usual["known"], false);

        let (_, outsider) = app.user("outsider@example.com", "member").await;
        app.as_(&outsider).get(&contract).await.expect(404);
        app.as_(&outsider).get(&format!("/api/v1/deals/{deal}/contracts")).await.expect(404);
        let audit = app.all(&format!("/api/v1/audit?entity_id={}", fresh.id())).await;
        assert!(audit.len() >= 8, "every step is audited: {}", audit.len());
    }

    async fn a_consumer_signs_in_one_sitting_and_may_cool_off(app: &TestApp) {
        let person = app.create_person("Wang Wei").await.id();
        let stage = app.stage("b2c", "b2c_sign_pay").await;
        let deal = app
            .post("/api/v1/deals", &json!({ "title": "Membership", "kind": "b2c", "counterparty_id": person, "currency": "CNY", "amount_minor": 1, "stage_id": stage }))
            .await
            .expect(201)
            .id();
        app.post(&format!("/api/v1/deals/{deal}/contracts"), &json!({ "kind": "company_contract" }))
            .await
            .expect_field_error(422, "kind");
        let agreement = app
            .post(&format!("/api/v1/deals/{deal}/contracts"), &json!({ "cooling_off_days": 7, "their_signatory_ids": [person] }))
            .await
            .expect(201)
            .body;
        assert_eq!(agreement["kind"], "personal_agreement");
        assert_eq!(agreement["customer_steps"], json!([]), "a consumer signs alone");
        let contract = format!("/api/v1/contracts/{}", agreement["id"].as_str().unwrap());
        let gates_before = app.get(&format!("/api/v1/deals/{deal}/gates")).await.expect(200).body;
        assert_eq!(verdict(&gates_before, "agreement_executed"), "unmet");
        app.post(&format!("{contract}/send-to-customer"), &json!({})).await.expect_field_error(422, "status");
        app.post(&format!("{contract}/signature"), &json!({ "status": "sent", "provider": "paper" })).await.expect(200);
        app.post(&format!("{contract}/signature"), &json!({ "status": "completed" })).await.expect(200);
        let gates = || async { app.get(&format!("/api/v1/deals/{deal}/gates")).await.expect(200).body };
        assert_eq!(verdict(&gates().await, "agreement_executed"), "met");
        let cooled = app.post(&format!("{contract}/cancel"), &json!({})).await.expect(200).body;
        assert_eq!(cooled["status"], "cancelled", "within seven days the consumer may cancel");
        app.post(&format!("{contract}/terminate"), &json!({})).await.expect_field_error(422, "status");
        assert_eq!(verdict(&gates().await, "agreement_executed"), "unmet", "a cancelled agreement signs nothing");
    }
}
