//! Relationships: interactions recorded as metadata only, and the warm paths they open, under
//! the access rules and each user's choice to share their connections.

use serde_json::{Value, json};

use crate::support::{Auth, TestApp, on_both_backends};

fn days_ago(days: i64) -> String {
    (time::OffsetDateTime::now_utc() - time::Duration::days(days))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn person(id: &str) -> Value {
    json!({ "person_id": id })
}

fn user(id: &str) -> Value {
    json!({ "user_id": id })
}

/// Records `body` `times` times as `auth`.
async fn record(app: &TestApp, auth: &Auth, times: usize, body: Value) -> Vec<String> {
    let mut ids = Vec::new();
    for _ in 0..times {
        ids.push(app.as_(auth).post("/api/v1/interactions", &body).await.expect(201).id());
    }
    ids
}

fn vias(paths: &Value) -> Vec<(String, String)> {
    paths["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["via"].as_str().unwrap().to_owned(),
                p["connector"]["name"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

on_both_backends! {
    async fn warm_paths_go_through_colleagues_and_people_we_know_never_through_the_hidden(app: &TestApp) {
        let admin_id = app.get("/api/v1/session").await.expect(200).body["user"]["id"].as_str().unwrap().to_owned();
        let (rep_id, rep) = app.user("rep@example.com", "member").await;
        let target = app.create_person("Li Wei").await.id();
        let friend = app.create_person("Zhang Min").await.id();
        // The rep looks after Li Wei; Zhang Min stays the admin's (private, as consumers are).
        app.post(&format!("/api/v1/people/{target}/assign"), &json!({ "owner_id": rep_id })).await.expect(200);
        let admin = app.admin.clone();

        record(app, &admin, 6, json!({ "kind": "email_thread", "occurred_at": days_ago(15), "two_way": true, "participants": [user(&admin_id), person(&friend)] })).await;
        record(app, &admin, 2, json!({ "kind": "meeting", "occurred_at": days_ago(20), "face_to_face": true, "participants": [person(&friend), person(&target)] })).await;
        let call = record(app, &admin, 1, json!({ "kind": "call", "occurred_at": days_ago(1), "duration_seconds": 600, "participants": [user(&admin_id), person(&target)] })).await;
        record(app, &rep, 4, json!({ "kind": "email_thread", "occurred_at": days_ago(3), "two_way": true, "participants": [user(&rep_id), person(&target)] })).await;
        record(app, &admin, 1, json!({ "kind": "meeting", "occurred_at": days_ago(30), "participants": [user(&rep_id), person(&friend)] })).await;

        let ask = |auth: Auth| {
            let target = target.clone();
            async move { app.as_(&auth).get(&format!("/api/v1/warm-paths?to={target}")).await.expect(200).body }
        };
        let mine = ask(admin.clone()).await;
        assert_eq!(vias(&mine), pairs(&[("colleague", "rep@example.com"), ("connector", "Zhang Min"), ("direct", "")]), "{mine}");
        let outside = &mine["paths"][1];
        let product = outside["first_hop"]["score"].as_f64().unwrap() * outside["last_hop"]["score"].as_f64().unwrap() * 0.8;
        assert!((outside["score"].as_f64().unwrap() - product).abs() < 1e-9, "one outside hop costs a fifth");
        assert_eq!(outside["first_hop"]["bucket"], "strong", "six two-way threads a fortnight ago");
        assert_eq!(mine["paths"][2]["last_hop"]["bucket"], "weak", "one call");
        let best = mine["paths"][0]["score"].as_f64().unwrap();
        assert!(mine["reach"].as_f64().unwrap() > best, "more paths, better reach");

        // The rep may not see Zhang Min: no path goes through her, and nothing names her.
        let theirs = ask(rep.clone()).await;
        assert_eq!(vias(&theirs), pairs(&[("direct", ""), ("colleague", &admin_email(app).await)]), "{theirs}");
        assert!(!theirs.to_string().contains(&friend) && !theirs.to_string().contains("Zhang"));
        app.as_(&rep).get(&format!("/api/v1/warm-paths?to={friend}")).await.expect(404);
        app.get("/api/v1/warm-paths?to=nobody").await.expect(422);
        app.get("/api/v1/warm-paths").await.expect(422);

        // A colleague who keeps their connections to themselves is no path for others.
        assert_eq!(app.as_(&rep).get("/api/v1/session/connection-sharing").await.expect(200).body, json!({ "shares": true }));
        app.as_(&rep).send(reqwest::Method::PUT, "/api/v1/session/connection-sharing", Some(&json!({ "shares": false })), &[]).await.expect(200);
        assert_eq!(vias(&ask(admin.clone()).await), pairs(&[("connector", "Zhang Min"), ("direct", "")]));
        assert_eq!(vias(&ask(rep.clone()).await)[0].0, "direct", "their own ties still serve them");

        // An interaction recorded in error is deleted, and the tie it made goes with it.
        let path = format!("/api/v1/interactions/{}", call[0]);
        let etag = app.get(&path).await.expect(200).etag();
        app.delete(&path, &etag).await.expect(200);
        assert_eq!(vias(&ask(admin.clone()).await), pairs(&[("connector", "Zhang Min")]));
    }

    async fn interactions_are_metadata_checked_and_listed_under_the_access_rules(app: &TestApp) {
        let admin_id = app.get("/api/v1/session").await.expect(200).body["user"]["id"].as_str().unwrap().to_owned();
        let (rep_id, rep) = app.user("rep@example.com", "member").await;
        let target = app.create_person("Li Wei").await.id();
        let hidden = app.create_person("Zhang Min").await.id();
        let acme = app.create_organisation("Acme").await.id();
        app.post(&format!("/api/v1/people/{target}/assign"), &json!({ "owner_id": rep_id })).await.expect(200);
        let base = json!({ "kind": "meeting", "occurred_at": days_ago(2), "participants": [user(&rep_id), person(&target)] });

        let created = app.as_(&rep).post("/api/v1/interactions", &base).await.expect(201);
        assert_eq!(created.body["participant_count"], 2);
        assert_eq!(created.body["source"], "api");
        assert_eq!(created.body["recorded_by"], json!(rep_id));
        assert_eq!(created.header("location"), Some(format!("/api/v1/interactions/{}", created.id()).as_str()));

        let with = |field: &str, value: Value| {
            let mut body = base.clone();
            body[field] = value;
            body
        };
        let rep_app = app.as_(&rep);
        rep_app.post("/api/v1/interactions", &with("body", json!("what was said"))).await.expect(422);
        rep_app.post("/api/v1/interactions", &with("subject", json!("Renewal"))).await.expect(422);
        rep_app.post("/api/v1/interactions", &with("occurred_at", json!(days_ago(-3)))).await.expect_field_error(422, "occurred_at");
        rep_app.post("/api/v1/interactions", &with("participants", json!([person(&target)]))).await.expect_field_error(422, "participants");
        rep_app.post("/api/v1/interactions", &with("participant_count", json!(1))).await.expect_field_error(422, "participant_count");
        rep_app.post("/api/v1/interactions", &with("duration_seconds", json!(60))).await.expect_field_error(422, "duration_seconds");
        rep_app.post("/api/v1/interactions", &with("kind", json!("fax"))).await.expect(422);
        rep_app
            .post("/api/v1/interactions", &with("participants", json!([user(&rep_id), { "person_id": target, "user_id": rep_id }])))
            .await
            .expect_field_error(422, "participants[1]");
        // Someone missing, an organisation, or a person the rep may not see all read the same.
        for missing in ["0192f0c1-0000-7000-8000-000000000000", acme.as_str(), hidden.as_str()] {
            let answer = rep_app.post("/api/v1/interactions", &with("participants", json!([user(&rep_id), person(missing)]))).await;
            let answer = answer.expect_field_error(404, "participants[1]");
            assert!(answer.body.to_string().contains("does not exist"), "{}", answer.body);
        }
        app.post("/api/v1/interactions", &with("participants", json!([user(&admin_id), user("0192f0c1-0000-7000-8000-000000000000")])))
            .await
            .expect_field_error(404, "participants[1]");
        let assertion = app
            .post("/api/v1/interactions", &json!({ "kind": "manual_assertion", "occurred_at": days_ago(1), "participants": [user(&admin_id), person(&hidden)] }))
            .await
            .expect(201);
        assert!(assertion.body["expires_at"].is_string(), "an assertion holds 180 days unless told");

        let listed = |auth: Auth, query: String| async move { app.as_(&auth).all(&format!("/api/v1/interactions{query}")).await };
        assert_eq!(listed(rep.clone(), format!("?participant_id={target}")).await.len(), 1);
        assert_eq!(listed(rep.clone(), String::new()).await.len(), 1, "without a person, the ones you recorded");
        app.as_(&rep).get(&format!("/api/v1/interactions?participant_id={hidden}")).await.expect(404);
        app.as_(&rep).get(&format!("/api/v1/interactions/{}", assertion.id())).await.expect(404);
        assert_eq!(listed(app.admin.clone(), String::new()).await.len(), 2, "administrators see every one");
        assert_eq!(listed(app.admin.clone(), "?kind=manual_assertion".into()).await.len(), 1);
        app.get("/api/v1/interactions?kind=fax").await.expect(422);
        let audit = app.all(&format!("/api/v1/audit?entity_type=interaction&entity_id={}", created.id())).await;
        assert!(!audit.is_empty(), "recording is audited");
    }
}

on_both_backends! {
    async fn a_meeting_held_in_closer_ties_those_who_came(app: &TestApp) {
        let admin_id = app.get("/api/v1/session").await.expect(200).body["user"]["id"].as_str().unwrap().to_owned();
        let acme = app.create_organisation("Acme").await.id();
        let wang = app.create_person("Wang Lei").await.id();
        let absent = app.create_person("Zhou Fang").await.id();
        for person in [&wang, &absent] {
            app.post("/api/v1/employments", &json!({ "person_id": person, "organisation_id": acme, "department": "IT" })).await.expect(201);
        }
        let deal = app
            .post("/api/v1/deals", &json!({ "title": "ERP", "kind": "b2b", "counterparty_id": acme, "currency": "CNY" }))
            .await
            .expect(201)
            .id();
        let meeting = |venue: &str| json!({
            "deal_id": deal, "purpose": "discovery", "venue": venue,
            "planned_start": days_ago(2), "planned_end": days_ago(2),
            "objective": "Map the approval chain",
            "attendees": [{ "person_id": wang }, { "person_id": absent }, { "user_id": admin_id }]
        });
        let visit = app.post("/api/v1/meetings", &meeting("client_site")).await.expect(201).id();
        let learnt = || async { app.all(&format!("/api/v1/interactions?participant_id={wang}")).await };
        assert!(learnt().await.is_empty(), "a planned meeting ties nobody yet");
        let held = json!({ "outcome": "held", "attendance": [{ "person_id": wang, "attended": true }, { "person_id": absent, "attended": false }], "agreed_next_step": "Meet the CIO" });
        app.post(&format!("/api/v1/meetings/{visit}/log"), &held).await.expect(200);
        let found = learnt().await;
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0]["kind"].as_str(), found[0]["source"].as_str(), found[0]["face_to_face"].as_bool()), (Some("meeting"), Some("meeting"), Some(true)));
        assert_eq!(found[0]["source_id"], json!(visit));
        assert_eq!(found[0]["participant_count"], 2, "who was absent is not tied");
        let paths = app.get(&format!("/api/v1/warm-paths?to={wang}")).await.expect(200).body;
        assert_eq!(vias(&paths), pairs(&[("direct", "")]));
        assert_eq!(paths["paths"][0]["last_hop"]["bucket"], "strong", "a small meeting in person: {paths}");
        assert!(app.all(&format!("/api/v1/interactions?participant_id={absent}")).await.is_empty());

        // The pages show who can introduce us: to the person, to the company's people, to the
        // deal's committee.
        app.post(&format!("/api/v1/deals/{deal}/stakeholders"), &json!({ "person_id": wang, "roles": ["technical_buyer"] })).await.expect(201);
        let session = app.sign_in_page(crate::support::ADMIN_EMAIL, crate::support::ADMIN_PASSWORD).await;
        for page in [format!("/people/{wang}"), format!("/organisations/{acme}"), format!("/deals/{deal}")] {
            let html = app.page(&page, &session, None, &[]).await.html;
            assert!(html.contains("Who can introduce us?") && html.contains("You know them") && html.contains("strong tie"), "{page}: {html}");
        }
        let account = app.get(&format!("/api/v1/deals/{deal}/warmth")).await.expect(200).body;
        let reach = account["stakeholders"][0]["reach"].as_f64().unwrap();
        assert!(reach > 0.7, "{account}");
        assert!((account["warmth"].as_f64().unwrap() - reach).abs() < 1e-9, "one stakeholder: the warmth is their reach");
        assert_eq!((account["threads"].as_u64(), account["single_threaded"].as_bool()), (Some(1), Some(true)));
        let deal_page = app.page(&format!("/deals/{deal}"), &session, None, &[]).await.html;
        assert!(deal_page.contains("Account warmth") && deal_page.contains("single-threaded"), "{deal_page}");
        app.get("/api/v1/deals/0192f0c1-0000-7000-8000-000000000000/warmth").await.expect(404);
        let chinese = app.page(&format!("/people/{wang}"), &session, None, &[("accept-language", "zh-CN")]).await.html;
        assert!(chinese.contains("谁能帮我们引荐") && chinese.contains("您认识对方"));
        // Zhou Fang missed the meeting, but works with Wang Lei: someone we know knows them.
        let through_colleague = app.page(&format!("/people/{absent}"), &session, None, &[]).await.html;
        assert!(through_colleague.contains("Someone you know knows them") && through_colleague.contains("Wang Lei"), "{through_colleague}");
        let stranger = app.create_person("Sun Li").await.id();
        let nobody = app.page(&format!("/people/{stranger}"), &session, None, &[]).await.html;
        assert!(nobody.contains("No warm path yet"));
        // Sharing one's connections is switched off from the preferences.
        let preferences = app.page("/preferences", &session, None, &[]).await;
        assert!(preferences.html.contains("name=\"shares_connections\" checked"));
        let csrf = preferences.field("csrf_token").unwrap();
        let off = app.page("/preferences/connection-sharing", &session, Some(&[("csrf_token", csrf.as_str())]), &[]).await;
        assert_eq!(off.status, reqwest::StatusCode::SEE_OTHER);
        assert_eq!(app.get("/api/v1/session/connection-sharing").await.expect(200).body, json!({ "shares": false }));

        let call = app.post("/api/v1/meetings", &meeting("phone")).await.expect(201).id();
        app.post(&format!("/api/v1/meetings/{call}/log"), &held).await.expect(200);
        let kinds: Vec<String> = learnt().await.iter().map(|i| i["kind"].as_str().unwrap().to_owned()).collect();
        assert_eq!(kinds, ["meeting", "call"], "a meeting by phone is a call");
    }
}

on_both_backends! {
    async fn an_endorsement_backs_a_b2b_deal_and_meets_the_trust_criterion(app: &TestApp) {
        let acme = app.create_organisation("Acme").await.id();
        let reference = app.create_person("Chen Jie").await.id();
        let deal = app
            .post("/api/v1/deals", &json!({ "title": "ERP", "kind": "b2b", "counterparty_id": acme, "currency": "CNY" }))
            .await
            .expect(201)
            .id();
        let trust = || async {
            let gates = app.get(&format!("/api/v1/deals/{deal}/gates")).await.expect(200).body;
            gates["next"]["criteria"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["key"] == "trust_endorsement")
                .map(|c| c["verdict"].as_str().unwrap().to_owned())
                .unwrap()
        };
        assert_eq!(trust().await, "unmet");
        let path = format!("/api/v1/deals/{deal}/endorsements");
        app.post(&path, &json!({ "kind": "reference_customer" })).await.expect_field_error(422, "by_person_id");
        app.post(&path, &json!({ "kind": "rumour" })).await.expect(422);
        app.post(&path, &json!({ "kind": "warm_intro", "by_person_id": "0192f0c1-0000-7000-8000-000000000000" }))
            .await
            .expect_field_error(404, "by_person_id");
        app.post(&path, &json!({ "kind": "case_study", "meeting_id": "0192f0c1-0000-7000-8000-000000000000" }))
            .await
            .expect_field_error(404, "meeting_id");
        app.post("/api/v1/deals/0192f0c1-0000-7000-8000-000000000000/endorsements", &json!({ "kind": "case_study" })).await.expect(404);
        assert!(app.get(&path).await.expect(200).body.as_array().unwrap().is_empty(), "refusals add nothing");

        let created = app
            .post(&path, &json!({ "kind": "reference_customer", "by_person_id": reference, "note": "Runs the same ERP at Beta Foods" }))
            .await
            .expect(201);
        assert_eq!(created.header("location"), Some(format!("/api/v1/endorsements/{}", created.id()).as_str()));
        assert_eq!(trust().await, "met", "a reference backs the deal");
        assert_eq!(app.get(&path).await.expect(200).body.as_array().unwrap().len(), 1);

        // Someone who may not see the deal cannot read or add its endorsements.
        let (_, outsider) = app.user("outsider@example.com", "member").await;
        app.as_(&outsider).get(&path).await.expect(404);
        app.as_(&outsider).get(&format!("/api/v1/endorsements/{}", created.id())).await.expect(404);

        let etag = app.get(&format!("/api/v1/endorsements/{}", created.id())).await.expect(200).etag();
        app.delete(&format!("/api/v1/endorsements/{}", created.id()), &etag).await.expect(200);
        assert_eq!(trust().await, "unmet");

        // From the deal page, in the panel of what backs us.
        let session = app.sign_in_page(crate::support::ADMIN_EMAIL, crate::support::ADMIN_PASSWORD).await;
        let page = app.page(&format!("/deals/{deal}"), &session, None, &[]).await;
        assert!(page.html.contains("What backs us") && page.html.contains("Nothing yet"));
        let csrf = page.field("csrf_token").unwrap();
        let form = format!("/deals/{deal}/endorsements");
        let refused = app.page(&form, &session, Some(&[("csrf_token", csrf.as_str()), ("kind", "warm_intro")]), &[]).await;
        assert_eq!(refused.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.html.contains("by_person_id"), "the refusal says what is missing");
        let fields = [("csrf_token", csrf.as_str()), ("kind", "warm_intro"), ("by_person_id", reference.as_str()), ("note", "Met at the expo")];
        assert_eq!(app.page(&form, &session, Some(&fields), &[]).await.status, reqwest::StatusCode::SEE_OTHER);
        let shown = app.page(&format!("/deals/{deal}"), &session, None, &[("accept-language", "zh-CN")]).await.html;
        assert!(shown.contains("熟人引荐") && shown.contains("Chen Jie") && shown.contains("Met at the expo"));
        assert_eq!(trust().await, "met");
    }
}

on_both_backends! {
    async fn an_introduction_is_asked_answered_made_and_booked_and_tires_the_connector(app: &TestApp) {
        let admin_id = app.get("/api/v1/session").await.expect(200).body["user"]["id"].as_str().unwrap().to_owned();
        let (rep_id, rep) = app.user("rep@example.com", "member").await;
        let (_, other) = app.user("other@example.com", "member").await;
        let target = app.create_person("Li Wei").await.id();
        let friend = app.create_person("Zhang Min").await.id();
        let admin = app.admin.clone();
        record(app, &admin, 3, json!({ "kind": "meeting", "occurred_at": days_ago(10), "participants": [user(&rep_id), person(&target)] })).await;
        record(app, &admin, 4, json!({ "kind": "email_thread", "two_way": true, "occurred_at": days_ago(5), "participants": [user(&admin_id), person(&friend)] })).await;
        record(app, &admin, 4, json!({ "kind": "email_thread", "two_way": true, "occurred_at": days_ago(5), "participants": [person(&friend), person(&target)] })).await;

        let asks = "/api/v1/intro-requests";
        app.post(asks, &json!({ "target_id": target })).await.expect_field_error(422, "connector_user_id");
        app.post(asks, &json!({ "target_id": target, "connector_user_id": admin_id })).await.expect_field_error(422, "connector_user_id");
        app.post(asks, &json!({ "target_id": "0192f0c1-0000-7000-8000-000000000000", "connector_user_id": rep_id })).await.expect_field_error(404, "target_id");
        app.post(asks, &json!({ "target_id": target, "connector_person_id": target })).await.expect_field_error(422, "connector_person_id");

        let asked = app.post(asks, &json!({ "target_id": target, "connector_user_id": rep_id, "message": "Could you introduce me?" })).await.expect(201);
        assert_eq!(asked.body["status"], "requested");
        assert!(asked.body["path_score"].as_f64().unwrap() > 0.4, "the path through the rep is kept: {}", asked.body);
        assert!(asked.body["expires_at"].is_string());
        let path = format!("/api/v1/intro-requests/{}", asked.id());
        assert_eq!(app.as_(&rep).all(asks).await.len(), 1, "the colleague asked sees it");
        app.as_(&other).get(&path).await.expect(404);
        assert!(app.as_(&other).all(asks).await.is_empty());

        let etag = || async { app.get(&path).await.expect(200).etag() };
        let step = |auth: Auth, name: &'static str, body: Value| {
            let path = path.clone();
            async move {
                let tag = app.get(&path).await.expect(200).etag();
                app.as_(&auth).send(reqwest::Method::POST, &format!("{path}/{name}"), Some(&body), &[("if-match", tag.as_str())]).await
            }
        };
        step(rep.clone(), "intro-made", json!({})).await.expect(403);
        step(admin.clone(), "intro-made", json!({})).await.expect_field_error(422, "status");
        step(rep.clone(), "accept", json!({})).await.expect(200);
        step(rep.clone(), "decline", json!({})).await.expect_field_error(422, "status");
        app.send(reqwest::Method::POST, &format!("{path}/intro-made"), Some(&json!({})), &[("if-match", "\"1\"")]).await.expect(412);
        step(admin.clone(), "intro-made", json!({})).await.expect(200);
        step(admin.clone(), "meeting-booked", json!({})).await.expect_field_error(422, "meeting_id");
        step(admin.clone(), "meeting-booked", json!({ "meeting_id": "0192f0c1-0000-7000-8000-000000000000" })).await.expect_field_error(404, "meeting_id");
        step(admin.clone(), "dance", json!({})).await.expect(404);
        let meeting = app
            .post("/api/v1/meetings", &json!({
                "purpose": "first_meeting", "venue": "our_office", "planned_start": days_ago(-3), "planned_end": days_ago(-3),
                "objective": "Meet Li Wei", "attendees": [{ "person_id": target }, { "user_id": admin_id }]
            }))
            .await
            .expect(201)
            .id();
        let booked = step(admin.clone(), "meeting-booked", json!({ "meeting_id": meeting })).await.expect(200);
        assert_eq!((booked.body["status"].as_str(), booked.body["meeting_id"].as_str()), (Some("meeting_booked"), Some(meeting.as_str())));
        assert_ne!(etag().await, "\"1\"");

        // Someone outside asked twice this month ranks lower; their answer is the requester's to record.
        let paths = || async { app.get(&format!("/api/v1/warm-paths?to={target}")).await.expect(200).body };
        let before = paths().await;
        let through_friend = |p: &Value| p["paths"].as_array().unwrap().iter().find(|p| p["via"] == "connector").cloned().unwrap();
        assert_eq!(through_friend(&before)["asked_lately"], 0);
        let mut last = String::new();
        for _ in 0..2 {
            last = app.post(asks, &json!({ "target_id": target, "connector_person_id": friend })).await.expect(201).id();
        }
        let after = through_friend(&paths().await);
        assert_eq!(after["asked_lately"], 2);
        let (score, rank) = (after["score"].as_f64().unwrap(), after["rank"].as_f64().unwrap());
        assert!((rank - score * 0.6).abs() < 1e-9, "{after}");
        let declined_path = format!("/api/v1/intro-requests/{last}");
        let tag = app.get(&declined_path).await.expect(200).etag();
        let declined = app
            .send(reqwest::Method::POST, &format!("{declined_path}/decline"), Some(&json!({ "reason": "Not a good moment" })), &[("if-match", tag.as_str())])
            .await
            .expect(200);
        assert_eq!((declined.body["status"].as_str(), declined.body["decline_reason"].as_str()), (Some("declined"), Some("Not a good moment")));
    }
}

async fn admin_email(app: &TestApp) -> String {
    app.get("/api/v1/session").await.expect(200).body["user"]["display_name"]
        .as_str()
        .unwrap()
        .to_owned()
}

on_both_backends! {
    async fn the_rules_ask_for_a_warm_introduction_and_an_executive_sponsor_for_a_cold_large_account(app: &TestApp) {
        let admin_id = app.get("/api/v1/session").await.expect(200).body["user"]["id"].as_str().unwrap().to_owned();
        let (_, rep) = app.user("rep@example.com", "member").await;
        let as_rep = app.as_(&rep);
        let acme = as_rep.post("/api/v1/organisations", &json!({ "name": "Acme" })).await.expect(201).id();
        let boss = as_rep.post("/api/v1/people", &json!({ "name": "Wang Fang" })).await.expect(201).id();
        let finance = as_rep.post("/api/v1/people", &json!({ "name": "Liu Yang" })).await.expect(201).id();
        let deal = as_rep
            .post("/api/v1/deals", &json!({ "title": "ERP", "kind": "b2b", "counterparty_id": acme, "currency": "CNY", "amount_minor": 250_000_000 }))
            .await
            .expect(201)
            .id();
        as_rep.post(&format!("/api/v1/deals/{deal}/stakeholders"), &json!({ "person_id": boss, "roles": ["decision_maker"], "department": "Executive" })).await.expect(201);
        as_rep.post(&format!("/api/v1/deals/{deal}/stakeholders"), &json!({ "person_id": finance, "roles": ["finance"], "department": "Finance" })).await.expect(201);
        let proposals = || async {
            let listed = app.as_(&rep).get(&format!("/api/v1/deals/{deal}/recommendations")).await.expect(200).body;
            listed.as_array().unwrap().iter().filter(|p| p["rule"] == "R5.4" || p["rule"] == "R5.7").map(|p| (p["key"].as_str().unwrap().to_owned(), p["title"].as_str().unwrap().to_owned())).collect::<Vec<_>>()
        };
        // Nobody at the company knows anyone there: a large deal in a cold account.
        assert_eq!(proposals().await, [("R5.7:executive_sponsor".to_owned(), "A large deal in a cold account: 0% warm".to_owned())]);

        // The admin writes with the decision-maker often: ask the admin for an introduction.
        record(app, &app.admin, 6, json!({ "kind": "email_thread", "occurred_at": days_ago(15), "two_way": true, "participants": [user(&admin_id), person(&boss)] })).await;
        let name = admin_email(app).await;
        assert_eq!(proposals().await, [(format!("R5.4:{boss}"), format!("{name} can introduce you to Wang Fang"))], "warm now: no executive sponsor needed");

        // Once asked, the rule rests.
        app.as_(&rep).post("/api/v1/intro-requests", &json!({ "target_id": boss, "connector_user_id": admin_id, "deal_id": deal })).await.expect(201);
        assert!(proposals().await.is_empty());
    }
}

on_both_backends! {
    async fn past_interactions_import_from_csv_and_icalendar_once_and_only_as_metadata(app: &TestApp) {
        let admin = admin_address(app).await;
        let li = app.post("/api/v1/people", &json!({ "name": "Li Wei", "emails": ["Li.Wei@Acme.cn"] })).await.expect(201).id();
        let zhang = app.post("/api/v1/people", &json!({ "name": "Zhang Min", "emails": ["zhang@beta.cn"] })).await.expect(201).id();
        let imports = "/api/v1/imports/interactions";

        let csv = format!(
            "\u{feff}id,occurred_at,kind,from,to,two_way,subject\n\
             m-1,2026-03-01 09:30,email,{admin},\"Li Wei <li.wei@acme.cn>\",yes,Renewal pricing\n\
             m-2,2026-03-02T10:00:00Z,call,{admin},zhang@beta.cn,no,Intro call\n\
             m-3,2026-03-03,email,{admin},stranger@nowhere.cn,yes,Cold\n\
             m-4,last tuesday,email,{admin},li.wei@acme.cn,yes,Bad date\n\
             m-5,2026-03-05,fax,{admin},li.wei@acme.cn,yes,Bad kind\n"
        );
        let report = app.post_raw(&format!("{imports}?timezone=Asia/Shanghai"), "text/csv; charset=utf-8", csv.clone()).await.expect(200).body;
        assert_eq!((report["read"].as_u64(), report["created"].as_u64(), report["skipped"].as_u64(), report["failed"].as_u64()), (Some(5), Some(2), Some(1), Some(2)), "{report}");
        assert_eq!(report["skipped_because"]["fewer than two participants known to Closer"], 1);
        let errors: Vec<(u64, String)> = report["errors"].as_array().unwrap().iter().map(|e| (e["row"].as_u64().unwrap(), e["column"].as_str().unwrap().to_owned())).collect();
        assert_eq!(errors, [(5, "occurred_at".to_owned()), (6, "kind".to_owned())]);
        assert_eq!(report["columns_ignored"], json!(["subject"]), "a subject is never read");

        let of = |person: String| async move { app.all(&format!("/api/v1/interactions?participant_id={person}")).await };
        let with_li = of(li.clone()).await;
        assert_eq!(with_li.len(), 1);
        assert_eq!(with_li[0]["kind"], "email_thread");
        assert_eq!(with_li[0]["source"], "import");
        assert_eq!(with_li[0]["occurred_at"], "2026-03-01T01:30:00Z", "09:30 in Shanghai");
        assert!(with_li[0]["two_way"].as_bool().unwrap());
        assert!(!with_li[0].to_string().contains("Renewal"), "no subject is kept");
        assert_eq!(of(zhang.clone()).await[0]["kind"], "call");
        let paths = app.get(&format!("/api/v1/warm-paths?to={li}")).await.expect(200).body;
        assert_eq!(paths["paths"][0]["via"], "direct", "the index took the import in: {paths}");

        // The same file again adds nothing.
        let again = app.post_raw(&format!("{imports}?timezone=Asia/Shanghai"), "text/csv", csv).await.expect(200).body;
        assert_eq!((again["created"].as_u64(), again["skipped_because"]["already imported"].as_u64()), (Some(0), Some(2)));

        let ics = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n\
             BEGIN:VEVENT\r\nUID:ev-1@example.com\r\nDTSTART;TZID=Asia/Shanghai:20260310T100000\r\nDTEND;TZID=Asia/Shanghai:20260310T113000\r\n\
             SUMMARY:Secret plans\r\nLOCATION:Acme HQ\\, Room 3\r\nORGANIZER;CN=Me:mailto:{admin}\r\n\
             ATTENDEE;CN=Li Wei;PARTSTAT=ACCEPTED:mailto:li.wei@acme.cn\r\nATTENDEE;PARTSTAT=DECLINED:mailto:zhang@beta.cn\r\n\
             ATTENDEE;CUTYPE=ROOM:mailto:room3@acme.cn\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:ev-2@example.com\r\nDTSTART:20260311T020000Z\r\nDURATION:PT45M\r\nSTATUS:CANCELLED\r\n\
             ORGANIZER:mailto:{admin}\r\nATTENDEE:mailto:zhang@beta.cn\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:ev-3@example.com\r\nDTSTART:20990101T020000Z\r\nORGANIZER:mailto:{admin}\r\nATTENDEE:mailto:zhang@beta.cn\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:ev-4@example.com\r\nDTSTART:20260312T020000Z\r\nDURATION:PT30M\r\nLOCATION:https://zoom.us/j/1\r\n\
             ORGANIZER:mailto:{admin}\r\nATTENDEE:mailto:zhang@beta.cn\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:ev-5@example.com\r\nORGANIZER:mailto:{admin}\r\nEND:VEVENT\r\n\
             END:VCALENDAR\r\n"
        );
        let report = app.post_raw(imports, "text/calendar", ics).await.expect(200).body;
        assert_eq!((report["read"].as_u64(), report["created"].as_u64(), report["skipped"].as_u64(), report["failed"].as_u64()), (Some(5), Some(2), Some(2), Some(1)), "{report}");
        assert_eq!(report["errors"][0]["column"], "DTSTART");
        let meetings: Vec<Value> = of(li.clone()).await.into_iter().filter(|i| i["kind"] == "meeting").collect();
        assert_eq!(meetings.len(), 1);
        let meeting = &meetings[0];
        assert_eq!((meeting["occurred_at"].as_str(), meeting["face_to_face"].as_bool(), meeting["duration_seconds"].as_u64()), (Some("2026-03-10T02:00:00Z"), Some(true), None));
        assert_eq!(meeting["participants"].as_array().unwrap().len(), 2, "the one who declined and the room are left out");
        assert!(!meeting.to_string().contains("Secret"));
        let online = of(zhang.clone()).await.into_iter().find(|i| i["kind"] == "meeting").unwrap();
        assert_eq!(online["face_to_face"].as_bool(), Some(false), "a link is no place to meet");

        // Refusals say why and add nothing.
        app.post_raw(imports, "application/json", "{}").await.expect(415);
        app.post_raw(imports, "text/calendar", "hello").await.expect_field_error(422, "file");
        app.post_raw(imports, "text/csv", "when,who\n2026-01-01,a@b.cn").await.expect_field_error(422, "file");
        app.post_raw(&format!("{imports}?timezone=Mars/Olympus"), "text/csv", "x").await.expect_field_error(422, "timezone");
        app.post_raw(imports, "text/csv", "\u{0}\u{ff}\u{fe}").await.expect_field_error(422, "file");
        assert_eq!(of(li.clone()).await.len(), 2);

        // A member finds only the people they may see: the admin's Li Wei is nobody to them.
        let (_, rep) = app.user("rep@example.com", "member").await;
        let theirs = app.as_(&rep).post_raw(imports, "text/csv", "occurred_at,participants\n2026-04-01,rep@example.com;li.wei@acme.cn\n").await.expect(200).body;
        assert_eq!(theirs["skipped_because"]["fewer than two participants known to Closer"], 1, "{theirs}");
    }
}

async fn admin_address(app: &TestApp) -> String {
    app.get("/api/v1/session").await.expect(200).body["user"]["email"]
        .as_str()
        .unwrap()
        .to_owned()
}

on_both_backends! {
    async fn an_introduction_is_asked_from_a_warm_path_and_answered_on_the_introductions_page(app: &TestApp) {
        let admin_id = app.get("/api/v1/session").await.expect(200).body["user"]["id"].as_str().unwrap().to_owned();
        let (_, rep) = app.user("rep@example.com", "member").await;
        let li = app.as_(&rep).post("/api/v1/people", &json!({ "name": "Li Wei" })).await.expect(201).id();
        record(app, &app.admin, 6, json!({ "kind": "email_thread", "occurred_at": days_ago(15), "two_way": true, "participants": [user(&admin_id), person(&li)] })).await;

        let rep_session = app.sign_in_page("rep@example.com", crate::support::ADMIN_PASSWORD).await;
        let person_page = app.page(&format!("/people/{li}"), &rep_session, None, &[]).await;
        assert!(person_page.html.contains("A colleague knows them") && person_page.html.contains("Ask for an introduction"), "{}", person_page.html);
        assert_eq!(person_page.field("connector_user_id").as_deref(), Some(admin_id.as_str()));
        let csrf = person_page.field("csrf_token").unwrap();
        let ask = [("csrf_token", csrf.as_str()), ("target_id", li.as_str()), ("connector_user_id", admin_id.as_str())];
        let forged = [("csrf_token", "forged"), ("target_id", li.as_str()), ("connector_user_id", admin_id.as_str())];
        assert_eq!(app.page("/introductions", &rep_session, Some(&forged), &[]).await.status, reqwest::StatusCode::FORBIDDEN);
        let asked = app.page("/introductions", &rep_session, Some(&ask), &[]).await;
        assert_eq!((asked.status, asked.location()), (reqwest::StatusCode::SEE_OTHER, Some("/introductions")));
        let mine = app.page("/introductions", &rep_session, None, &[]).await.html;
        assert!(mine.contains("Li Wei") && mine.contains("Waiting for an answer"), "{mine}");
        assert!(!mine.contains("data-step=\"accept\""), "the colleague asked answers, not who asked");
        let to_self = [("csrf_token", csrf.as_str()), ("target_id", li.as_str())];
        let refused = app.page("/introductions", &rep_session, Some(&to_self), &[]).await;
        assert_eq!(refused.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.html.contains("connector_user_id"), "the refusal says what is missing");

        // The admin, asked, accepts on their introductions page; the rep then says it was made.
        let admin_session = app.sign_in_page(crate::support::ADMIN_EMAIL, crate::support::ADMIN_PASSWORD).await;
        let inbox = app.page("/introductions", &admin_session, None, &[]).await;
        assert!(inbox.html.contains("Asked of you") && inbox.html.contains("data-step=\"accept\""), "{}", inbox.html);
        let request = app.all("/api/v1/intro-requests").await[0]["id"].as_str().unwrap().to_owned();
        let admin_csrf = inbox.field("csrf_token").unwrap();
        let stale = [("csrf_token", admin_csrf.as_str()), ("version", "7")];
        assert_eq!(app.page(&format!("/introductions/{request}/accept"), &admin_session, Some(&stale), &[]).await.status, reqwest::StatusCode::CONFLICT);
        let fresh = [("csrf_token", admin_csrf.as_str()), ("version", "1")];
        assert_eq!(app.page(&format!("/introductions/{request}/accept"), &admin_session, Some(&fresh), &[]).await.status, reqwest::StatusCode::SEE_OTHER);
        let accepted = app.page("/introductions", &rep_session, None, &[("accept-language", "zh-CN")]).await.html;
        assert!(accepted.contains("已接受") && accepted.contains("已完成引荐"), "{accepted}");
        let made = [("csrf_token", csrf.as_str()), ("version", "2")];
        assert_eq!(app.page(&format!("/introductions/{request}/intro-made"), &rep_session, Some(&made), &[]).await.status, reqwest::StatusCode::SEE_OTHER);
        assert_eq!(app.get(&format!("/api/v1/intro-requests/{request}")).await.expect(200).body["status"], "intro_made");
        assert_eq!(app.page(&format!("/introductions/{request}/dance"), &rep_session, Some(&made), &[]).await.status, reqwest::StatusCode::NOT_FOUND);
    }
}

on_both_backends! {
    async fn people_who_worked_together_are_a_weak_path_whenever_the_employment_arrives(app: &TestApp) {
        let admin_id = app.get("/api/v1/session").await.expect(200).body["user"]["id"].as_str().unwrap().to_owned();
        let acme = app.create_organisation("Acme").await.id();
        let friend = app.create_person("Zhang Min").await.id();
        let buyer = app.create_person("Li Wei").await.id();
        let newcomer = app.create_person("Chen Jie").await.id();
        record(app, &app.admin, 6, json!({ "kind": "email_thread", "occurred_at": days_ago(10), "two_way": true, "participants": [user(&admin_id), person(&friend)] })).await;
        app.post("/api/v1/employments", &json!({ "person_id": friend, "organisation_id": acme, "department": "Finance", "started_on": "2019-03-01" })).await.expect(201);
        app.post("/api/v1/employments", &json!({ "person_id": buyer, "organisation_id": acme, "department": "Finance", "started_on": "2021-01-04" })).await.expect(201);

        // Built from what is on file: Zhang Min worked with Li Wei.
        let to_buyer = app.get(&format!("/api/v1/warm-paths?to={buyer}")).await.expect(200).body;
        assert_eq!(vias(&to_buyer), pairs(&[("connector", "Zhang Min")]), "{to_buyer}");
        assert_eq!(to_buyer["paths"][0]["last_hop"]["bucket"], "weak", "working together alone is a weak tie");

        // Learnt as it arrives: Chen Jie joins Acme, where Zhang Min still works.
        app.post("/api/v1/employments", &json!({ "person_id": newcomer, "organisation_id": acme, "started_on": "2024-01-01" })).await.expect(201);
        let to_newcomer = app.get(&format!("/api/v1/warm-paths?to={newcomer}")).await.expect(200).body;
        assert_eq!(vias(&to_newcomer), pairs(&[("connector", "Zhang Min")]), "{to_newcomer}");
        let former = app.create_person("Wu Lei").await.id();
        app.post("/api/v1/employments", &json!({ "person_id": former, "organisation_id": acme, "started_on": "2010-09-01", "ended_on": "2018-12-31" })).await.expect(201);
        assert!(vias(&app.get(&format!("/api/v1/warm-paths?to={former}")).await.expect(200).body).is_empty(), "left before Zhang Min came");
    }
}
