//! The authorization matrix: who may read and change which record, checked against a policy
//! table written as data, through every kind of request a user can make.

use serde_json::{Value, json};

use crate::support::{ADMIN_PASSWORD, Auth, TestApp, on_both_backends};

/// Principals, in the column order of the table below.
const PRINCIPALS: [&str; 9] = [
    "admin",
    "manager",
    "rep_a",
    "rep_b",
    "rep_c",
    "viewer",
    "rep_a_read_only",
    "anonymous",
    "disabled",
];

/// Per record: can each principal read it (Y: 200 and listed, N: 404 and never listed, U: 401)
/// and what a change answers (2: 200, 3: 403, 4: 404, U: 401). Rep A and B are in team 1,
/// managed by the manager; rep C is in team 2; the viewer is in no team. Defaults: organisations
/// public, contacts and deals team-readable, consumers private.
const POLICY: [(&str, &str, &str); 8] = [
    ("a_consumer", "YYYNNNYUU", "2224443UU"),
    ("a_organisation", "YYYYYYYUU", "2223333UU"),
    ("a_contact", "YYYYNNYUU", "2223443UU"),
    ("a_deal", "YYYYNNYUU", "2223443UU"),
    ("a_note", "YYYYNNYUU", "2223443UU"),
    // A task on A's deal that rep C must do: C sees and changes it without seeing the deal.
    ("a_task", "YYYYYNYUU", "2223243UU"),
    ("c_deal", "YNNNYNNUU", "2444244UU"),
    ("c_consumer", "YNNNYNNUU", "2444244UU"),
];

struct World {
    principals: Vec<Auth>,
    /// (name, collection path, id)
    records: Vec<(&'static str, &'static str, String)>,
    rep_b: String,
}

async fn world(app: &TestApp) -> World {
    let team_1 = app
        .post("/api/v1/teams", &json!({ "name": "Team 1" }))
        .await
        .expect(201)
        .id();
    let team_2 = app
        .post("/api/v1/teams", &json!({ "name": "Team 2" }))
        .await
        .expect(201)
        .id();
    let (manager_id, _) = app.user("manager@example.com", "manager").await;
    let (rep_a_id, _) = app.user("rep.a@example.com", "member").await;
    let (rep_b_id, _) = app.user("rep.b@example.com", "member").await;
    let (rep_c_id, _) = app.user("rep.c@example.com", "member").await;
    let (disabled_id, _) = app.user("gone@example.com", "member").await;
    app.user("viewer@example.com", "viewer").await;
    let join = |team: String, user: String, manager: bool| async move {
        app.send(
            reqwest::Method::PUT,
            &format!("/api/v1/teams/{team}/members/{user}"),
            Some(&json!({ "is_manager": manager })),
            &[],
        )
        .await
        .expect(200);
    };
    join(team_1.clone(), manager_id, true).await;
    join(team_1.clone(), rep_a_id, false).await;
    join(team_1.clone(), rep_b_id.clone(), false).await;
    join(team_1, disabled_id.clone(), false).await;
    join(team_2, rep_c_id, false).await;
    // Tokens are made after joining, but teams are read on every request anyway.
    let token = |email: &'static str, scope: &'static str| app.token_for(email, ADMIN_PASSWORD, scope);
    let principals = vec![
        app.admin.clone(),
        token("manager@example.com", "read_write").await,
        token("rep.a@example.com", "read_write").await,
        token("rep.b@example.com", "read_write").await,
        token("rep.c@example.com", "read_write").await,
        token("viewer@example.com", "read_write").await,
        token("rep.a@example.com", "read").await,
        Auth::Nobody,
        app.sign_in("gone@example.com", ADMIN_PASSWORD).await,
    ];
    let rep_a = &principals[2];
    let rep_c = &principals[4];
    let a = app.as_(rep_a);
    let a_consumer = a
        .post("/api/v1/people", &json!({ "name": "Consumer of A" }))
        .await
        .expect(201)
        .id();
    let a_organisation = a
        .post("/api/v1/organisations", &json!({ "name": "Organisation of A" }))
        .await
        .expect(201)
        .id();
    let a_contact = a
        .post("/api/v1/people", &json!({ "name": "Contact of A" }))
        .await
        .expect(201)
        .id();
    a.post(
        "/api/v1/employments",
        &json!({ "person_id": a_contact, "organisation_id": a_organisation }),
    )
    .await
    .expect(201);
    let a_deal = a
        .post(
            "/api/v1/deals",
            &json!({ "title": "Deal of A", "kind": "b2b", "counterparty_id": a_organisation, "currency": "USD" }),
        )
        .await
        .expect(201)
        .id();
    let a_note = a
        .post(
            "/api/v1/notes",
            &json!({ "subject_type": "deal", "subject_id": a_deal, "body": "Note of A" }),
        )
        .await
        .expect(201)
        .id();
    let rep_c_id = app.as_(rep_c).get("/api/v1/session").await.body["user"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let a_task = a
        .post(
            "/api/v1/tasks",
            &json!({ "title": "Task for C", "subject_type": "deal", "subject_id": a_deal, "assignee_id": rep_c_id }),
        )
        .await
        .expect(201)
        .id();
    let c = app.as_(rep_c);
    let c_consumer = c
        .post("/api/v1/people", &json!({ "name": "Consumer of C" }))
        .await
        .expect(201)
        .id();
    let c_deal = c
        .post(
            "/api/v1/deals",
            &json!({ "title": "Deal of C", "kind": "b2c", "counterparty_id": c_consumer, "currency": "CNY" }),
        )
        .await
        .expect(201)
        .id();
    c.post(
        "/api/v1/notes",
        &json!({ "subject_type": "deal", "subject_id": c_deal, "body": "Note of C" }),
    )
    .await
    .expect(201);
    // The disabled user's session was valid until now.
    app.as_(&principals[8]).get("/api/v1/session").await.expect(200);
    app.patch(
        &format!("/api/v1/users/{disabled_id}"),
        "\"1\"",
        &json!({ "disabled": true }),
    )
    .await
    .expect(200);
    World {
        principals,
        records: vec![
            ("a_consumer", "people", a_consumer),
            ("a_organisation", "organisations", a_organisation),
            ("a_contact", "people", a_contact),
            ("a_deal", "deals", a_deal),
            ("a_note", "notes", a_note),
            ("a_task", "tasks", a_task),
            ("c_deal", "deals", c_deal),
            ("c_consumer", "people", c_consumer),
        ],
        rep_b: rep_b_id,
    }
}

fn change_for(collection: &str, principal: &str) -> Value {
    match collection {
        "people" | "organisations" => json!({ "name": format!("renamed by {principal}") }),
        "deals" => json!({ "title": format!("renamed by {principal}") }),
        "tasks" => json!({ "title": format!("renamed by {principal}") }),
        _ => json!({ "body": format!("edited by {principal}") }),
    }
}

on_both_backends! {
    async fn the_policy_table_holds_for_every_principal_and_record(app: &TestApp) {
        let world = world(app).await;
        for (record, reads, writes) in POLICY {
            let (_, collection, id) = world.records.iter().find(|(name, _, _)| *name == record).expect("record");
            let path = format!("/api/v1/{collection}/{id}");
            for (column, principal) in PRINCIPALS.iter().enumerate() {
                let who = app.as_(&world.principals[column]);
                let read = reads.as_bytes()[column];
                let expected_get = match read { b'Y' => 200, b'N' => 404, _ => 401 };
                let got = who.get(&path).await;
                assert_eq!(got.status.as_u16(), expected_get, "{principal} GET {record}: {}", got.body);
                if read != b'U' {
                    let listed = who.all(&format!("/api/v1/{collection}")).await.iter().any(|item| item["id"] == id.as_str());
                    assert_eq!(listed, read == b'Y', "{principal} lists {record}");
                }
                let before = app.get(&path).await.body;
                let expected_patch = match writes.as_bytes()[column] { b'2' => 200, b'3' => 403, b'4' => 404, _ => 401 };
                let answer = who.patch(&path, "*", &change_for(collection, principal)).await;
                assert_eq!(answer.status.as_u16(), expected_patch, "{principal} PATCH {record}: {}", answer.body);
                // Deleting follows the same rule as changing; an allowed delete is undone at once.
                let deleted = who.delete(&path, "*").await;
                assert_eq!(deleted.status.as_u16(), expected_patch, "{principal} DELETE {record}: {}", deleted.body);
                if deleted.status == 200 {
                    app.post(&format!("{path}/restore"), &json!({})).await.expect(200);
                }
                if expected_patch != 200 {
                    let after = app.get(&path).await.body;
                    assert_eq!(after, before, "{principal}'s refused change left {record} as it was");
                    assert!(answer.body.get("id").is_none() && answer.body.get("version").is_none(), "no record data in a refusal");
                }
            }
        }
    }

    async fn side_doors_follow_the_same_policy(app: &TestApp) {
        let world = world(app).await;
        let id = |name: &str| world.records.iter().find(|(n, _, _)| *n == name).map(|(_, _, id)| id.clone()).expect("record");
        let (rep_a, rep_b, rep_c, manager) = (&world.principals[2], &world.principals[3], &world.principals[4], &world.principals[1]);
        let (c_deal, c_consumer, a_deal) = (id("c_deal"), id("c_consumer"), id("a_deal"));

        // Searches, child lists, histories and references never reveal another team's records.
        assert!(app.as_(rep_a).all("/api/v1/people?q=consumer%20of%20c").await.is_empty());
        assert_eq!(app.all("/api/v1/people?q=consumer%20of%20c").await.len(), 1);
        assert!(app.as_(rep_a).all("/api/v1/deals?q=consumer%20of%20c").await.is_empty());
        assert!(app.as_(rep_a).all(&format!("/api/v1/notes?subject_id={c_deal}")).await.is_empty());
        assert_eq!(app.as_(rep_c).all(&format!("/api/v1/notes?subject_id={c_deal}")).await.len(), 1);
        app.as_(rep_a).get(&format!("/api/v1/deals/{c_deal}/transitions")).await.expect(404);
        app.as_(rep_a).get(&format!("/api/v1/audit?entity_id={c_deal}")).await.expect(404);
        app.as_(rep_c).get(&format!("/api/v1/audit?entity_id={c_deal}")).await.expect(200);
        app.as_(rep_a).get("/api/v1/audit").await.expect_field_error(422, "entity_id");
        app.get("/api/v1/audit").await.expect(200);
        app.as_(rep_a)
            .post("/api/v1/notes", &json!({ "subject_type": "deal", "subject_id": c_deal, "body": "peek" }))
            .await
            .expect_field_error(404, "subject_id");
        app.as_(rep_a)
            .post("/api/v1/deals", &json!({ "title": "x", "kind": "b2c", "counterparty_id": c_consumer, "currency": "USD" }))
            .await
            .expect_field_error(404, "counterparty_id");
        app.as_(rep_a)
            .post("/api/v1/employments", &json!({ "person_id": c_consumer, "organisation_id": id("a_organisation") }))
            .await
            .expect_field_error(404, "person_id");

        // Deleting and restoring follow editing; the recycle bin shows only what one may read.
        app.as_(rep_b).delete(&format!("/api/v1/deals/{a_deal}"), "*").await.expect(403);
        app.as_(rep_a).delete(&format!("/api/v1/deals/{a_deal}"), "*").await.expect(200);
        assert!(app.as_(rep_b).all("/api/v1/deals?deleted=only").await.iter().any(|d| d["id"] == a_deal.as_str()));
        assert!(app.as_(rep_c).all("/api/v1/deals?deleted=only").await.is_empty());
        app.as_(rep_c).post(&format!("/api/v1/deals/{a_deal}/restore"), &json!({})).await.expect(404);
        app.as_(rep_a).post(&format!("/api/v1/deals/{a_deal}/restore"), &json!({})).await.expect(200);

        // Only a manager of the record's team (or an admin) reassigns it.
        let assign = format!("/api/v1/deals/{a_deal}/assign");
        app.as_(rep_a).post(&assign, &json!({ "owner_id": world.rep_b })).await.expect(403);
        app.as_(rep_c).post(&assign, &json!({ "owner_id": world.rep_b })).await.expect(404);
        let assigned = app.as_(manager).post(&assign, &json!({ "owner_id": world.rep_b })).await.expect(200);
        assert_eq!(assigned.body["owner_id"], world.rep_b.as_str());
        app.as_(rep_b).patch(&format!("/api/v1/deals/{a_deal}"), "*", &json!({ "title": "now B's" })).await.expect(200);
        app.as_(manager)
            .post(&assign, &json!({ "owner_id": "00000000-0000-7000-8000-000000000000" }))
            .await
            .expect_field_error(404, "owner_id");

        // A read-only token reads but never writes; a viewer never writes.
        let read_only = &world.principals[6];
        app.as_(read_only).get("/api/v1/deals").await.expect(200);
        app.as_(read_only).post("/api/v1/people", &json!({ "name": "x" })).await.expect(403);
        app.as_(read_only).post("/api/v1/tokens", &json!({ "name": "x", "scope": "read_write" })).await.expect(403);
        app.as_(&world.principals[5]).post("/api/v1/people", &json!({ "name": "x" })).await.expect(403);

        // Administration is for administrators.
        app.as_(manager).post("/api/v1/users", &json!({ "email": "x@example.com", "display_name": "X", "role": "admin" })).await.expect(403);
        app.as_(manager).post("/api/v1/teams", &json!({ "name": "Mine" })).await.expect(403);
        app.as_(manager).send(reqwest::Method::PUT, "/api/v1/access-defaults", Some(&json!({
            "organisation": "public_write", "contact": "public_write", "consumer": "public_write", "deal": "public_write"
        })), &[]).await.expect(403);

        // Widening a default widens every list at once.
        app.send(reqwest::Method::PUT, "/api/v1/access-defaults", Some(&json!({
            "organisation": "public_read", "contact": "team_read", "consumer": "public_read", "deal": "team_read"
        })), &[]).await.expect(200);
        assert_eq!(app.as_(rep_a).all("/api/v1/people?q=consumer%20of%20c").await.len(), 1);
        app.as_(rep_a).patch(&format!("/api/v1/people/{c_consumer}"), "*", &json!({ "name": "x" })).await.expect(403);
    }

    async fn every_list_holds_exactly_the_records_one_may_read(app: &TestApp) {
        let world = world(app).await;
        let levels = ["private", "team_read", "team_write", "public_read", "public_write"];
        let mut rng = fastrand::Rng::with_seed(20_261_127);
        let collections = ["people", "organisations", "deals", "notes", "employments", "tasks"];
        for _round in 0..4 {
            let mut defaults = serde_json::Map::new();
            for record_type in ["organisation", "contact", "consumer", "deal"] {
                defaults.insert(record_type.into(), json!(levels[rng.usize(..levels.len())]));
            }
            app.send(reqwest::Method::PUT, "/api/v1/access-defaults", Some(&Value::Object(defaults.clone())), &[]).await.expect(200);
            for collection in collections {
                let every_id: Vec<String> =
                    app.all(&format!("/api/v1/{collection}")).await.iter().map(|r| r["id"].as_str().unwrap_or("").to_owned()).collect();
                for (column, principal) in PRINCIPALS.iter().enumerate().take(7) {
                    let who = app.as_(&world.principals[column]);
                    let mut listed: Vec<String> =
                        who.all(&format!("/api/v1/{collection}")).await.iter().map(|r| r["id"].as_str().unwrap_or("").to_owned()).collect();
                    let mut readable = Vec::new();
                    for id in &every_id {
                        if who.get(&format!("/api/v1/{collection}/{id}")).await.status == 200 {
                            readable.push(id.clone());
                        }
                    }
                    listed.sort();
                    readable.sort();
                    assert_eq!(listed, readable, "{principal} lists exactly what it may read in {collection} under {defaults:?}");
                }
            }
        }
    }
}
