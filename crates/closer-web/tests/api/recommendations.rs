//! Next best actions: proposed by the rules, acted on, dismissed with a reason, snoozed; and the
//! decision-maker meeting planned by itself after a first meeting without the decision-maker.

use serde_json::{Value, json};

use crate::support::on_both_backends;

fn rules(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|all| {
            all.iter()
                .filter_map(|p| p["rule"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn key_of(list: &Value, rule: &str) -> String {
    list.as_array()
        .and_then(|all| all.iter().find(|p| p["rule"] == rule))
        .and_then(|p| p["key"].as_str())
        .unwrap_or_else(|| panic!("{rule} in {list}"))
        .to_owned()
}

on_both_backends! {
    async fn a_first_meeting_without_the_decision_maker_leads_to_one(app: &TestApp) {
        let acme = app.create_organisation("Acme").await.id();
        let head = app.create_person("Li Wei").await.id();
        let ceo = app.create_person("Zhang Min").await.id();
        let deal = app.post("/api/v1/deals", &json!({ "title": "ERP", "kind": "b2b", "counterparty_id": acme, "currency": "CNY" })).await.expect(201).id();
        let deal_path = format!("/api/v1/deals/{deal}");
        app.post(&format!("{deal_path}/stakeholders"), &json!({ "person_id": head, "roles": ["technical_buyer"], "is_key_person": true })).await.expect(201);
        app.post(&format!("{deal_path}/stakeholders"), &json!({ "person_id": ceo, "roles": ["decision_maker"] })).await.expect(201);

        let first = app.get(&format!("{deal_path}/recommendations")).await.expect(200).body;
        assert!(rules(&first).contains(&"R4.5".to_owned()), "no next step yet: {first}");
        assert!(first[0]["differences"].as_array().is_some_and(|d| !d.is_empty()));

        let admin_id = app.get("/api/v1/session").await.body["user"]["id"].as_str().expect("id").to_owned();
        let meeting = app.post("/api/v1/meetings", &json!({
            "deal_id": deal, "purpose": "first_meeting", "venue": "client_site", "objective": "Understand the need",
            "planned_start": "2026-12-01T02:00:00Z", "planned_end": "2026-12-01T03:00:00Z",
            "attendees": [{ "person_id": head }, { "user_id": admin_id }]
        })).await.expect(201).id();
        app.post(&format!("/api/v1/meetings/{meeting}/log"), &json!({
            "outcome": "held", "attendance": [{ "person_id": head, "attended": true }], "agreed_next_step": "Meet the CEO"
        })).await.expect(200);

        // R4.1: the decision-maker meeting is planned at our office, with the CEO invited.
        let planned = app.all(&format!("/api/v1/meetings?deal_id={deal}&status=planned")).await;
        assert_eq!(planned.len(), 1, "{planned:?}");
        assert_eq!(planned[0]["purpose"], "decision_maker_meeting");
        assert_eq!(planned[0]["venue"], "our_office");
        assert_eq!(planned[0]["planned_start"], "2026-12-04T02:00:00Z");
        assert!(planned[0]["attendees"].as_array().is_some_and(|a| a.iter().any(|x| x["person_id"] == ceo.as_str())));

        let after = app.get(&format!("{deal_path}/recommendations")).await.body;
        let fired = rules(&after);
        assert!(fired.contains(&"R1.3".to_owned()), "{after}");
        assert!(!fired.contains(&"R4.5".to_owned()), "the planned meeting is the next step");

        let decisions = format!("{deal_path}/recommendations/decisions");
        let r13 = key_of(&after, "R1.3");
        app.post(&decisions, &json!({ "key": r13, "decision": "dismissed" })).await.expect_field_error(422, "reason");
        app.post(&decisions, &json!({ "key": r13, "decision": "postponed" })).await.expect_field_error(422, "decision");
        app.post(&decisions, &json!({ "key": "R0.0:nothing", "decision": "done" })).await.expect_field_error(404, "key");
        app.post(&decisions, &json!({ "key": r13, "decision": "dismissed", "reason": "The CEO joins by phone this time" })).await.expect(204);
        assert!(!rules(&app.get(&format!("{deal_path}/recommendations")).await.body).contains(&"R1.3".to_owned()));

        let later = app.get(&format!("{deal_path}/recommendations")).await.body;
        if let Some(first) = later.as_array().and_then(|all| all.first()) {
            let key = first["key"].as_str().expect("key").to_owned();
            app.post(&decisions, &json!({ "key": key, "decision": "snoozed", "snoozed_until": "2020-01-01T00:00:00Z" })).await.expect_field_error(422, "snoozed_until");
            app.post(&decisions, &json!({ "key": key, "decision": "snoozed", "snoozed_until": "2099-01-01T00:00:00Z" })).await.expect(204);
            let snoozed = app.get(&format!("{deal_path}/recommendations")).await.body;
            assert!(!snoozed.as_array().expect("list").iter().any(|p| p["key"] == key.as_str()));
        }
        let history = app.get(&format!("/api/v1/audit?entity_id={deal}")).await.body;
        assert!(history["items"].as_array().expect("items").iter().any(|e| e["new_value"]["reason"] == "The CEO joins by phone this time"));
    }
}
