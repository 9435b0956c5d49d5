//! The buying committee (D1), the deal team (D6) and meetings (D4, D8, D9) of a B2B deal.

use serde_json::{Value, json};

use crate::support::{ADMIN_PASSWORD, TestApp, on_both_backends};

async fn employee(app: &TestApp, organisation: &str, name: &str, department: &str, title: &str) -> String {
    let person = app.create_person(name).await.id();
    app.post(
        "/api/v1/employments",
        &json!({ "person_id": person, "organisation_id": organisation, "department": department, "title": title }),
    )
    .await
    .expect(201);
    person
}

fn stakeholder_of<'a>(committee: &'a Value, person: &str) -> &'a Value {
    committee["stakeholders"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["person_id"] == person))
        .expect("on the committee")
}

on_both_backends! {
    async fn the_committee_is_covered_by_meetings_actually_attended(app: &TestApp) {
        let acme = app.create_organisation("Acme").await.id();
        let head_of_it = employee(app, &acme, "Li Wei", "IT", "Head of IT").await;
        let ceo = employee(app, &acme, "Zhang Min", "Executive", "CEO").await;
        let cfo = employee(app, &acme, "Chen Yu", "Finance", "CFO").await;
        let deal = app
            .post("/api/v1/deals", &json!({ "title": "ERP", "kind": "b2b", "counterparty_id": acme, "currency": "CNY" }))
            .await
            .expect(201)
            .id();
        let committee_path = format!("/api/v1/deals/{deal}/stakeholders");

        let head = app
            .post(&committee_path, &json!({ "person_id": head_of_it, "roles": ["technical_buyer"], "is_key_person": true, "influence": 4 }))
            .await
            .expect(201);
        assert_eq!(head.body["department"], "IT", "taken from the employment");
        assert_eq!(head.body["engagement"], "identified");
        app.post(&committee_path, &json!({ "person_id": ceo, "roles": ["economic_buyer", "decision_maker"], "stance": "neutral" }))
            .await
            .expect(201);
        app.post(&committee_path, &json!({ "person_id": cfo, "roles": ["economic_buyer"] })).await.expect_field_error(422, "roles");
        app.post(&committee_path, &json!({ "person_id": head_of_it })).await.expect_field_error(422, "person_id");
        app.post(&committee_path, &json!({ "person_id": cfo, "influence": 9 })).await.expect_field_error(422, "influence");
        app.post(&committee_path, &json!({ "person_id": cfo, "roles": ["king"] })).await.expect_field_error(422, "roles[0]");
        app.post(&committee_path, &json!({ "person_id": deal })).await.expect_field_error(404, "person_id");

        let before = app.get(&committee_path).await.expect(200).body;
        assert_eq!(before["coverage"]["stakeholders"], 2);
        assert_eq!(before["coverage"]["single_threaded"], true);
        assert_eq!(before["coverage"]["decision_maker_identified"], true);
        assert_eq!(before["coverage"]["decision_maker_met"], false);
        assert_eq!(before["coverage"]["key_person_identified"], true);
        assert_eq!(before["coverage"]["departments"], json!(["Executive", "IT"]));

        // First meeting with the department head at their site, then the decision-maker at ours.
        let admin_id = app.get("/api/v1/session").await.body["user"]["id"].as_str().expect("id").to_owned();
        let meeting = |purpose: &str, venue: &str, person: &str| json!({
            "deal_id": deal, "purpose": purpose, "venue": venue,
            "planned_start": "2026-12-01T02:00:00Z", "planned_end": "2026-12-01T03:00:00Z",
            "objective": "Agree what a pilot must prove",
            "attendees": [{ "person_id": person, "response": "accepted" }, { "user_id": admin_id }]
        });
        let first = app.post("/api/v1/meetings", &meeting("first_meeting", "client_site", &head_of_it)).await.expect(201);
        assert_eq!(first.body["status"], "confirmed");
        assert_eq!((first.body["face_to_face"].as_bool(), first.body["home_ground"].as_bool()), (Some(true), Some(false)));
        let held = |person: &str| json!({
            "outcome": "held", "attendance": [{ "person_id": person, "attended": true }],
            "agreed_next_step": "Bring the CEO to our office next week"
        });
        app.post(&format!("/api/v1/meetings/{}/log", first.id()), &held(&head_of_it)).await.expect(200);
        let after_first = app.get(&committee_path).await.body;
        assert_eq!(stakeholder_of(&after_first, &head_of_it)["engagement"], "met");
        assert_eq!(after_first["coverage"]["decision_maker_met"], false, "meeting the key person is not meeting who decides");

        let second = app.post("/api/v1/meetings", &meeting("decision_maker_meeting", "our_office", &ceo)).await.expect(201);
        assert_eq!(second.body["home_ground"], true);
        app.post(&format!("/api/v1/meetings/{}/log", second.id()), &held(&ceo)).await.expect(200);
        let after = app.get(&committee_path).await.body;
        assert_eq!(after["coverage"]["threads"], 2);
        assert_eq!(after["coverage"]["single_threaded"], false);
        assert_eq!(after["coverage"]["decision_maker_met"], true);
        assert_eq!(stakeholder_of(&after, &ceo)["met_face_to_face"], true);
        assert_eq!(after["coverage"]["departments_engaged"], json!(["Executive", "IT"]));

        // The deal team covers the committee's roles; gaps are named.
        let (engineer, _) = app.user("engineer@example.com", "member").await;
        let team_path = format!("/api/v1/deals/{deal}/team");
        let member = app.post(&team_path, &json!({ "user_id": engineer, "role": "solution_engineer" })).await.expect(201);
        assert_eq!(member.body["covers"], json!(["technical_buyer"]));
        app.post(&team_path, &json!({ "user_id": engineer, "role": "deal_desk" })).await.expect_field_error(422, "user_id");
        app.post(&team_path, &json!({ "user_id": deal, "role": "deal_desk" })).await.expect_field_error(404, "user_id");
        let team = app.get(&team_path).await.expect(200).body;
        let gaps: Vec<&str> = team["coverage"]["gaps"].as_array().expect("gaps").iter().filter_map(Value::as_str).collect();
        assert!(gaps.contains(&"economic buyer has no counterpart"), "{gaps:?}");
        assert!(!gaps.iter().any(|g| g.starts_with("technical buyer")), "{gaps:?}");

        // A B2C deal has one decider and no committee.
        let consumer = app.create_person("Ann").await.id();
        let b2c = app
            .post("/api/v1/deals", &json!({ "title": "Kit", "kind": "b2c", "counterparty_id": consumer, "currency": "USD" }))
            .await
            .expect(201)
            .id();
        let refused = app.post(&format!("/api/v1/deals/{b2c}/stakeholders"), &json!({ "person_id": consumer })).await;
        let refused = refused.expect_field_error(422, "deal_id");
        assert!(refused.body["detail"].as_str().unwrap_or("").contains("D1"));
        let updated = app
            .patch(&format!("/api/v1/stakeholders/{}", head.id()), &head.etag(), &json!({ "stance": "supporter", "roles": ["technical_buyer", "champion"] }))
            .await
            .expect(200);
        assert_eq!(updated.body["engagement"], "engaged", "a champion who was met is engaged");
    }

    async fn meetings_follow_their_status_machine(app: &TestApp) {
        let acme = app.create_organisation("Acme").await.id();
        let buyer = employee(app, &acme, "Wang Fang", "Procurement", "Buyer").await;
        let base = json!({
            "purpose": "negotiation", "venue": "online", "objective": "Agree price and terms",
            "planned_start": "2026-12-02T06:00:00Z", "planned_end": "2026-12-02T07:00:00Z",
            "attendees": [{ "person_id": buyer }],
            "negotiation_plan": { "our_opening": "List price", "walk_away": "12% discount", "concessions": [{ "give": "Net 45", "get": "Two-year term" }] }
        });
        let planned = app.post("/api/v1/meetings", &base).await.expect(201);
        assert_eq!(planned.body["status"], "planned");
        assert_eq!(planned.body["face_to_face"], false);
        assert_eq!(planned.body["negotiation_plan"]["concessions"][0]["give"], "Net 45");
        let path = format!("/api/v1/meetings/{}", planned.id());

        let mut bad = base.clone();
        bad["planned_end"] = json!("2026-12-02T05:00:00Z");
        app.post("/api/v1/meetings", &bad).await.expect_field_error(422, "planned_end");
        let mut both = base.clone();
        both["attendees"] = json!([{ "person_id": buyer, "user_id": buyer }]);
        app.post("/api/v1/meetings", &both).await.expect_field_error(422, "attendees[0]");
        let mut ghost = base.clone();
        ghost["attendees"] = json!([{ "person_id": "0192f0c1-0000-7000-8000-000000000000" }]);
        app.post("/api/v1/meetings", &ghost).await.expect_field_error(404, "attendees[0]");
        let mut venue = base.clone();
        venue["venue"] = json!("the moon");
        app.post("/api/v1/meetings", &venue).await.expect_field_error(422, "venue");

        let no_step = json!({ "outcome": "held", "attendance": [{ "person_id": buyer, "attended": true }] });
        app.post(&format!("{path}/log"), &no_step).await.expect_field_error(422, "agreed_next_step");
        let nobody = json!({ "outcome": "held", "agreed_next_step": "Send the draft" });
        app.post(&format!("{path}/log"), &nobody).await.expect_field_error(422, "attendance");

        let moved = app
            .post(&format!("{path}/reschedule"), &json!({ "planned_start": "2026-12-03T06:00:00Z", "planned_end": "2026-12-03T07:00:00Z" }))
            .await
            .expect(201);
        assert_eq!(moved.body["status"], "planned");
        let old = app.get(&path).await.expect(200).body;
        assert_eq!(old["status"], "rescheduled");
        assert_eq!(old["rescheduled_to"], moved.body["id"]);
        app.post(&format!("{path}/cancel"), &json!({})).await.expect_field_error(422, "status");

        let moved_path = format!("/api/v1/meetings/{}", moved.id());
        let no_show = app.post(&format!("{moved_path}/log"), &json!({ "outcome": "no_show", "attendance": [{ "person_id": buyer, "attended": false }] })).await.expect(200);
        assert_eq!(no_show.body["status"], "no_show");
        assert_eq!(no_show.body["attendees"][0]["attendance"], "absent");
        app.patch(&moved_path, "*", &json!({ "venue": "our_office" })).await.expect_field_error(422, "status");

        assert_eq!(app.all("/api/v1/meetings?status=no_show").await.len(), 1);
        assert_eq!(app.all("/api/v1/meetings?from=2026-12-03T00:00:00Z").await.len(), 1);
        app.get("/api/v1/meetings?from=yesterday").await.expect_field_error(422, "from");
    }

    async fn a_place_on_the_deal_team_opens_the_deal(app: &TestApp) {
        let team_2 = app.post("/api/v1/teams", &json!({ "name": "Team 2" })).await.expect(201).id();
        let (outsider, _) = app.user("outsider@example.com", "member").await;
        app.send(reqwest::Method::PUT, &format!("/api/v1/teams/{team_2}/members/{outsider}"), Some(&json!({})), &[]).await.expect(200);
        // A new token, so that the team membership just given is in force.
        let token = app.token_for("outsider@example.com", ADMIN_PASSWORD, "read_write").await;
        let acme = app.create_organisation("Acme").await.id();
        let deal = app
            .post("/api/v1/deals", &json!({ "title": "ERP", "kind": "b2b", "counterparty_id": acme, "currency": "USD" }))
            .await
            .expect(201)
            .id();
        let deal_path = format!("/api/v1/deals/{deal}");
        let outside = app.as_(&token);
        outside.get(&deal_path).await.expect(404);

        let place = app
            .post(&format!("{deal_path}/team"), &json!({ "user_id": outsider, "role": "solution_engineer", "access": "read" }))
            .await
            .expect(201);
        outside.get(&deal_path).await.expect(200);
        assert!(outside.all("/api/v1/deals").await.iter().any(|d| d["id"] == deal.as_str()));
        outside.patch(&deal_path, "*", &json!({ "title": "mine now" })).await.expect(403);
        app.patch(&format!("/api/v1/deal-team/{}", place.id()), &place.etag(), &json!({ "access": "edit" })).await.expect(200);
        outside.patch(&deal_path, "*", &json!({ "title": "improved" })).await.expect(200);
        // Changing the committee or the team needs the right to edit the deal.
        outside.post(&format!("{deal_path}/team"), &json!({ "user_id": outsider, "role": "deal_desk" })).await.expect(422);

        app.delete(&format!("/api/v1/deal-team/{}", place.id()), "*").await.expect(200);
        outside.get(&deal_path).await.expect(404);
        assert!(outside.all("/api/v1/deals").await.is_empty());
    }
}
