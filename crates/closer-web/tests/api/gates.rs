//! Stage gates (D4): the stories of the two playbooks, over HTTP.

use serde_json::{Value, json};

use crate::support::{ADMIN_PASSWORD, on_both_backends};

fn keys(problem: &Value) -> Vec<String> {
    problem["criteria"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|c| c["gate"] == "hard" && c["verdict"] == "unmet")
                .filter_map(|c| c["key"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

on_both_backends! {
    async fn a_b2b_deal_reaches_the_contract_only_after_meeting_the_decision_maker_in_person(app: &TestApp) {
        let acme = app.post("/api/v1/organisations", &json!({ "name": "Acme", "phones": ["+86 21 5555 0100"] })).await.expect(201).id();
        let head = app.create_person("Li Wei").await.id();
        let ceo = app.create_person("Zhang Min").await.id();
        for (person, department) in [(&head, "IT"), (&ceo, "Executive")] {
            app.post("/api/v1/employments", &json!({ "person_id": person, "organisation_id": acme, "department": department })).await.expect(201);
        }
        let deal = app.post("/api/v1/deals", &json!({ "title": "ERP", "kind": "b2b", "counterparty_id": acme, "currency": "CNY" })).await.expect(201).id();
        let deal_path = format!("/api/v1/deals/{deal}");
        let move_to = |key: &'static str| async move { json!({ "stage_id": app.stage("b2b", key).await }) };

        // Qualify: a stakeholder and a scheduled first meeting are missing.
        let blocked = app.post(&format!("{deal_path}/move"), &move_to("b2b_first_meeting").await).await.expect(409);
        assert_eq!(blocked.header("content-type"), Some("application/problem+json"));
        assert_eq!(keys(&blocked.body), ["stakeholder_named", "first_meeting_scheduled"]);
        let first = &blocked.body["criteria"][0];
        assert_eq!(first["differences"], json!(["D1"]));
        assert!(first["action"].as_str().unwrap_or("").contains("stakeholder"));
        let gates = app.get(&format!("{deal_path}/gates")).await.expect(200).body;
        assert_eq!(gates["can_advance"], false);

        app.post(&format!("{deal_path}/stakeholders"), &json!({ "person_id": head, "roles": ["technical_buyer"], "is_key_person": true })).await.expect(201);
        let admin_id = app.get("/api/v1/session").await.body["user"]["id"].as_str().expect("id").to_owned();
        let meeting = |purpose: &str, venue: &str, person: &str| json!({
            "deal_id": deal, "purpose": purpose, "venue": venue, "objective": "Understand the problem",
            "planned_start": "2026-12-01T02:00:00Z", "planned_end": "2026-12-01T03:00:00Z",
            "attendees": [{ "person_id": person }, { "user_id": admin_id }]
        });
        let first_meeting = app.post("/api/v1/meetings", &meeting("first_meeting", "client_site", &head)).await.expect(201).id();
        assert_eq!(app.get(&format!("{deal_path}/gates")).await.body["can_advance"], true);
        app.post(&format!("{deal_path}/move"), &move_to("b2b_first_meeting").await).await.expect(200);

        // B2B never skips, whatever holds.
        app.post(&format!("{deal_path}/move"), &move_to("b2b_proposal_negotiation").await).await.expect_field_error(422, "stage_id");

        // First meeting: held, pain and metrics, the decision-maker named and invited.
        let blocked = app.post(&format!("{deal_path}/move"), &move_to("b2b_decision_maker_meeting").await).await.expect(409);
        assert_eq!(keys(&blocked.body), ["first_meeting_held", "pain_and_metrics", "decision_maker_named", "decision_maker_meeting_planned"]);
        let held = |person: &str| json!({
            "outcome": "held", "attendance": [{ "person_id": person, "attended": true }, { "user_id": admin_id, "attended": true }],
            "agreed_next_step": "Meet the CEO"
        });
        app.post(&format!("/api/v1/meetings/{first_meeting}/log"), &held(&head)).await.expect(200);
        app.patch(&deal_path, "*", &json!({ "qualification": {
            "identified_pain": "Month-end close takes nine days", "metrics": "Close in three days", "decision_process": "CEO signs after an IT review"
        } })).await.expect(200);
        app.post(&format!("{deal_path}/stakeholders"), &json!({ "person_id": ceo, "roles": ["decision_maker", "economic_buyer"] })).await.expect(201);
        let online = app.post("/api/v1/meetings", &meeting("decision_maker_meeting", "online", &ceo)).await.expect(201).id();
        app.post(&format!("{deal_path}/move"), &move_to("b2b_decision_maker_meeting").await).await.expect(200);

        // The decision-maker attended, but online: not enough for a B2B deal (D9).
        app.post(&format!("/api/v1/meetings/{online}/log"), &held(&ceo)).await.expect(200);
        app.patch(&deal_path, "*", &json!({ "qualification": { "decision_criteria": "Local support, total cost" } })).await.expect(200);
        let blocked = app.post(&format!("{deal_path}/move"), &move_to("b2b_proposal_negotiation").await).await.expect(409);
        assert_eq!(keys(&blocked.body), ["decision_maker_met_face_to_face"]);
        let warned: Vec<&str> = blocked.body["criteria"].as_array().expect("criteria").iter().filter(|c| c["verdict"] == "pending").filter_map(|c| c["key"].as_str()).collect();
        assert!(warned.contains(&"mutual_action_plan"), "declared criteria answer pending: {warned:?}");

        let visit = app.post("/api/v1/meetings", &meeting("decision_maker_meeting", "our_office", &ceo)).await.expect(201).id();
        app.post(&format!("/api/v1/meetings/{visit}/log"), &held(&ceo)).await.expect(200);
        app.post(&format!("{deal_path}/move"), &move_to("b2b_proposal_negotiation").await).await.expect(200);

        // Negotiation needs an issued quote first (its discount approvals come later).
        let blocked = app.post(&format!("{deal_path}/move"), &move_to("b2b_company_contract").await).await.expect(409);
        assert_eq!(keys(&blocked.body), ["quote_approved", "negotiation_face_to_face", "verbal_selection"]);
        let quote = app
            .post(&format!("{deal_path}/quotes"), &json!({ "lines": [{ "description": "ERP licences", "quantity": 50, "list_unit_price_minor": 120_000 }] }))
            .await
            .expect(201)
            .id();
        app.post(&format!("/api/v1/quotes/{quote}/send"), &json!({})).await.expect(200);

        // A rep cannot override the rest; a manager can, with a reason that is kept.
        let blocked = app.post(&format!("{deal_path}/move"), &move_to("b2b_company_contract").await).await.expect(409);
        assert_eq!(keys(&blocked.body), ["negotiation_face_to_face", "verbal_selection"]);
        let team = app.post("/api/v1/teams", &json!({ "name": "Enterprise" })).await.expect(201).id();
        let (rep, rep_token) = app.user("rep@example.com", "member").await;
        let (manager, _) = app.user("boss@example.com", "manager").await;
        for (user, manages) in [(&rep, false), (&manager, true)] {
            app.send(reqwest::Method::PUT, &format!("/api/v1/teams/{team}/members/{user}"), Some(&json!({ "is_manager": manages })), &[]).await.expect(200);
        }
        app.post(&format!("{deal_path}/assign"), &json!({ "owner_id": rep, "team_id": team })).await.expect(200);
        let mut overriding = move_to("b2b_company_contract").await;
        overriding["override_reason"] = json!("Signed heads of terms at the trade fair");
        app.as_(&rep_token).post(&format!("{deal_path}/move"), &overriding).await.expect(403);
        let manager_token = app.token_for("boss@example.com", ADMIN_PASSWORD, "read_write").await;
        let moved = app.as_(&manager_token).post(&format!("{deal_path}/move"), &overriding).await.expect(200);
        assert_eq!(moved.body["stage_id"], app.stage("b2b", "b2b_company_contract").await);
        let history = app.get(&format!("{deal_path}/transitions")).await.body;
        let last = history.as_array().and_then(|h| h.last()).expect("a transition");
        let reason = last["reason"].as_str().unwrap_or("");
        assert!(reason.contains("override of negotiation_face_to_face, verbal_selection") && reason.contains("trade fair"), "{reason}");
        assert_eq!(last["actor_id"], manager.as_str());
        let audit = app.get(&format!("/api/v1/audit?entity_id={deal}")).await.body;
        let overrides: Vec<&Value> = audit["items"].as_array().expect("items").iter().filter(|e| e["new_value"]["gate_override"].is_array()).collect();
        assert_eq!(overrides.len(), 1, "the override is audited");
        assert_eq!(overrides[0]["actor_id"], manager.as_str());
    }

    async fn a_b2c_lead_closes_in_one_sitting_once_its_criteria_hold(app: &TestApp) {
        let walk_in = app.create_person("Walk-in").await.id();
        let deal = app.post("/api/v1/deals", &json!({ "title": "Solar kit", "kind": "b2c", "counterparty_id": walk_in, "currency": "CNY", "lead_source": "inbound" })).await.expect(201).id();
        let won = json!({ "stage_id": app.stage("b2c", "b2c_won").await });
        let blocked = app.post(&format!("/api/v1/deals/{deal}/move"), &won).await.expect(409);
        assert_eq!(keys(&blocked.body), ["contact_point", "human_contact_call", "need_captured", "visit_or_offer", "quote_validated", "agreement_executed", "payment_succeeded"]);
        assert_eq!(blocked.body["criteria"][0]["differences"], json!(["D9"]));
        app.patch(&format!("/api/v1/people/{walk_in}"), "*", &json!({ "phones": ["+86 138 0013 8000"] })).await.expect(200);
        app.patch(&format!("/api/v1/deals/{deal}"), "*", &json!({ "qualification": { "need": "Panels for a 120 m² roof", "budget": "" } })).await.expect(200);
        // A Chinese number may be called only with consent on file; and the customer came in.
        let unconsented = app.post(&format!("/api/v1/deals/{deal}/move"), &won).await.expect(409);
        assert_eq!(&keys(&unconsented.body)[..2], ["consent_ok", "human_contact_call"]);
        met_in_store(app, &deal, &walk_in).await;
        // The offer is made in the same sitting: a quote written and handed over.
        let quote = app
            .post(&format!("/api/v1/deals/{deal}/quotes"), &json!({ "lines": [{ "description": "Solar kit, 6 kW", "quantity": 1, "list_unit_price_minor": 3_980_000 }] }))
            .await
            .expect(201)
            .id();
        let still = app.post(&format!("/api/v1/deals/{deal}/move"), &won).await.expect(409);
        assert_eq!(keys(&still.body), ["quote_validated", "agreement_executed", "payment_succeeded"], "a draft is no offer");
        app.post(&format!("/api/v1/quotes/{quote}/send"), &json!({})).await.expect(200);
        let unsigned = app.post(&format!("/api/v1/deals/{deal}/move"), &won).await.expect(409);
        assert_eq!(keys(&unsigned.body), ["agreement_executed", "payment_succeeded"], "the personal agreement is signed in the same sitting");
        let agreement = app.post(&format!("/api/v1/deals/{deal}/contracts"), &json!({})).await.expect(201).id();
        for status in ["sent", "completed"] {
            app.post(&format!("/api/v1/contracts/{agreement}/signature"), &json!({ "status": status })).await.expect(200);
        }
        let unpaid = app.post(&format!("/api/v1/deals/{deal}/move"), &won).await.expect(409);
        assert_eq!(keys(&unpaid.body), ["payment_succeeded"], "the consumer pays at once");
        crate::billing::pay_in_full(app, &deal, &quote).await;
        let closed = app.post(&format!("/api/v1/deals/{deal}/move"), &won).await.expect(200);
        assert_eq!(closed.body["status"], "won");
        assert_eq!(closed.body["qualification"], json!({ "need": "Panels for a 120 m² roof" }), "a blank note clears, and is not stored");
        let history = app.get(&format!("/api/v1/deals/{deal}/transitions")).await.body;
        assert_eq!(history.as_array().map(Vec::len), Some(2), "created, then won in one move");
        app.patch(&format!("/api/v1/deals/{deal}"), "*", &json!({ "qualification": { "mood": "great" } })).await.expect_field_error(422, "qualification.mood");
    }
}

/// The consumer signs the consent form and is met in the store: a held visit at our office.
pub async fn met_in_store(app: &crate::support::TestApp, deal: &str, person: &str) {
    app.post("/api/v1/consents", &json!({ "person_id": person, "channel": "phone", "granted": true, "evidence": "Signed the membership form in the store" })).await.expect(201);
    let admin_id = app.get("/api/v1/session").await.body["user"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let start = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    let at = |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).expect("time");
    let visit = app
        .post(
            "/api/v1/meetings",
            &json!({
                "deal_id": deal, "purpose": "store_visit", "venue": "our_office", "objective": "Show the kit",
                "planned_start": at(start), "planned_end": at(start + time::Duration::minutes(30)),
                "attendees": [{ "person_id": person }, { "user_id": admin_id }]
            }),
        )
        .await
        .expect(201)
        .id();
    let held = json!({
        "outcome": "held", "attendance": [{ "person_id": person, "attended": true }, { "user_id": admin_id, "attended": true }],
        "agreed_next_step": "Sign today"
    });
    app.post(&format!("/api/v1/meetings/{visit}/log"), &held)
        .await
        .expect(200);
}

on_both_backends! {
    async fn an_admin_revises_a_playbook_and_running_deals_keep_their_revision(app: &TestApp) {
        let acme = app.create_organisation("Acme").await.id();
        let create = || async { app.post("/api/v1/deals", &json!({ "title": "ERP", "kind": "b2b", "counterparty_id": acme, "currency": "CNY" })).await.expect(201) };
        let old_deal = create().await;
        let first = app.playbook("b2b").await;
        let catalogue = app.get("/api/v1/playbooks/criteria").await.expect(200).body;
        assert!(catalogue.as_array().is_some_and(|all| all.iter().any(|c| c["key"] == "decision_maker_met_face_to_face" && c["differences"] == json!(["D1", "D4", "D9"]))));

        let mut stages: Vec<Value> = first["stages"].as_array().expect("stages").iter().map(|s| json!({
            "key": s["key"], "name": s["name"], "status": s["status"], "probability": s["probability"],
            "target_days": s["target_days"], "rot_days": s["rot_days"], "criteria": s["criteria"]
        })).collect();
        stages[0]["criteria"] = json!([{ "key": "organisation_linked", "gate": "hard" }, { "key": "stakeholder_named", "gate": "soft" }]);
        let revision = json!({ "cycle_budget_max_days": 30, "stages": stages });
        let path = format!("/api/v1/playbooks/{}/revisions", first["id"].as_str().expect("id"));

        let (_, rep) = app.user("rep@example.com", "member").await;
        app.as_(&rep).post(&path, &revision).await.expect(403);
        let mut broken = revision.clone();
        broken["stages"][0]["criteria"] = json!([{ "key": "good_vibes", "gate": "hard" }]);
        app.post(&path, &broken).await.expect_field_error(422, "stages[0].criteria[0].key");
        let revised = app.post(&path, &revision).await.expect(201).body;
        assert_eq!((revised["revision"].as_i64(), revised["cycle_budget_max_days"].as_i64()), (Some(2), Some(30)));
        app.post(&path, &revision).await.expect(409);
        assert_eq!(app.playbook("b2b").await["id"], revised["id"], "the new revision is current");
        let old = app.get(&format!("/api/v1/playbooks/{}", first["id"].as_str().expect("id"))).await.expect(200).body;
        assert_eq!(old["is_default"], false);

        // The running deal keeps revision 1 and its hard gates; a new deal starts in revision 2.
        let stage_of = |playbook: &Value, key: &str| {
            playbook["stages"].as_array().and_then(|all| all.iter().find(|s| s["key"] == key)).map(|s| s["id"].clone()).expect("stage")
        };
        let blocked = app
            .post(&format!("/api/v1/deals/{}/move", old_deal.id()), &json!({ "stage_id": stage_of(&first, "b2b_first_meeting") }))
            .await
            .expect(409);
        assert_eq!(keys(&blocked.body), ["stakeholder_named", "first_meeting_scheduled"]);
        let new_deal = create().await;
        assert_eq!(new_deal.body["playbook_id"], revised["id"]);
        app.post(&format!("/api/v1/deals/{}/move", new_deal.id()), &json!({ "stage_id": stage_of(&revised, "b2b_first_meeting") }))
            .await
            .expect(200);
    }
}
