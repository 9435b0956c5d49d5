//! People, organisations and employments.

use serde_json::json;

use crate::support::on_both_backends;

on_both_backends! {
    async fn person_lifecycle(app: &TestApp) {
        let created = app
            .post("/api/v1/people", &json!({
                "name": "  王小明 ",
                "emails": ["Xiaoming.Wang@Example.CN"],
                "phones": ["+86 138-0013-8000"],
                "timezone": "Asia/Shanghai"
            }))
            .await
            .expect(201);
        let id = created.id();
        assert_eq!(created.body["name"], "王小明");
        assert_eq!(created.body["emails"], json!(["Xiaoming.Wang@example.cn"]));
        assert_eq!(created.body["phones"], json!(["+8613800138000"]));
        assert_eq!(created.body["version"], 1);
        assert_eq!(created.etag(), "\"1\"");
        assert_eq!(created.header("location"), Some(format!("/api/v1/people/{id}").as_str()));

        let read = app.get(&format!("/api/v1/people/{id}")).await.expect(200);
        assert_eq!(read.body, created.body);
        assert_eq!(read.etag(), "\"1\"");

        let patched = app
            .patch(&format!("/api/v1/people/{id}"), "\"1\"", &json!({ "timezone": null, "name": "Wang Xiaoming" }))
            .await
            .expect(200);
        assert_eq!(patched.body["timezone"], json!(null));
        assert_eq!(patched.body["name"], "Wang Xiaoming");
        assert_eq!(patched.body["phones"], json!(["+8613800138000"]), "absent fields stay");
        assert_eq!(patched.etag(), "\"2\"");

        // A write based on the old version is refused and changes nothing.
        let stale = app.patch(&format!("/api/v1/people/{id}"), "\"1\"", &json!({ "name": "Lost update" })).await.expect(412);
        assert_eq!(stale.header("content-type"), Some("application/problem+json"));
        let missing = app
            .send(reqwest::Method::PATCH, &format!("/api/v1/people/{id}"), Some(&json!({ "name": "x" })), &[])
            .await
            .expect(428);
        assert_eq!(missing.body["status"], 428);
        assert_eq!(app.get(&format!("/api/v1/people/{id}")).await.body["name"], "Wang Xiaoming");

        app.delete(&format!("/api/v1/people/{id}"), "\"1\"").await.expect(412);
        let deleted = app.delete(&format!("/api/v1/people/{id}"), "\"2\"").await.expect(200);
        assert!(deleted.body["deleted_at"].is_string());
        app.get(&format!("/api/v1/people/{id}")).await.expect(404);
        assert!(app.all("/api/v1/people").await.is_empty());
        assert_eq!(app.all("/api/v1/people?deleted=only").await.len(), 1);

        let restored = app.post(&format!("/api/v1/people/{id}/restore"), &json!({})).await.expect(200);
        assert_eq!(restored.body["deleted_at"], json!(null));
        assert_eq!(restored.etag(), "\"4\"");
        app.post(&format!("/api/v1/people/{id}/restore"), &json!({})).await.expect(409);
        assert_eq!(app.all("/api/v1/people").await.len(), 1);

        let history = app.get(&format!("/api/v1/audit?entity_id={id}")).await.expect(200);
        let actions: Vec<_> = history.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
        assert_eq!(actions.first().map(String::as_str), Some("create"));
        assert!(actions.iter().any(|a| a == "update"));
        assert!(actions.iter().any(|a| a == "delete"));
        assert!(actions.iter().any(|a| a == "restore"));
        let name_change = history.body["items"].as_array().unwrap().iter().find(|e| e["field"] == "name").expect("a name change");
        assert_eq!(name_change["old_value"], "王小明");
        assert_eq!(name_change["new_value"], "Wang Xiaoming");
        assert!(name_change["request_id"].is_string());
    }

    async fn person_bad_input_is_rejected_and_changes_nothing(app: &TestApp) {
        let cases = [
            (json!({ "name": "" }), "name"),
            (json!({ "name": "x".repeat(201) }), "name"),
            (json!({ "name": 42 }), "name"),
            (json!({ "emails": [] }), "name"),
            (json!({ "name": "Ann", "emails": ["not-an-email"] }), "emails[0]"),
            (json!({ "name": "Ann", "phones": ["13800138000"] }), "phones[0]"),
            (json!({ "name": "Ann", "phones": ["+1 555 CALL NOW"] }), "phones[0]"),
            (json!({ "name": "Ann", "timezone": "Mars/Olympus Mons" }), "timezone"),
            (json!({ "name": "Ann", "owner_id": "not-a-uuid" }), "owner_id"),
            (json!({ "name": "Ann", "nickname": "Annie" }), "nickname"),
            (json!({ "name": "Ann", "emails": "ann@example.com" }), "emails"),
        ];
        for (body, field) in cases {
            app.post("/api/v1/people", &body).await.expect_field_error(422, field);
        }
        // The owner is protected: it is set on create and changed only by the assign action.
        app.post("/api/v1/people", &json!({ "name": "Ann", "owner_id": "00000000-0000-7000-8000-00000000dead" }))
            .await
            .expect_field_error(422, "owner_id");
        let malformed = app.post_raw("/api/v1/people", "application/json", "{\"name\": \"Ann\"").await.expect(400);
        assert!(malformed.body["detail"].as_str().unwrap().contains("malformed JSON"));
        app.post_raw("/api/v1/people", "text/plain", "{\"name\": \"Ann\"}").await.expect(415);

        let ann = app.create_person("Ann Lee").await;
        let etag = ann.etag();
        let path = format!("/api/v1/people/{}", ann.id());
        app.patch(&path, &etag, &json!({ "name": null })).await.expect_field_error(422, "name");
        app.patch(&path, &etag, &json!({ "emails": ["bad"] })).await.expect_field_error(422, "emails[0]");
        app.patch(&path, &etag, &json!({ "id": "x" })).await.expect_field_error(422, "id");
        app.send(reqwest::Method::PATCH, &path, Some(&json!({ "name": "B" })), &[("if-match", "garbage")]).await.expect(412);

        // Nothing above left a trace: one person, still at version 1.
        let people = app.all("/api/v1/people").await;
        assert_eq!(people.len(), 1);
        assert_eq!(people[0]["version"], 1);
        assert_eq!(people[0]["name"], "Ann Lee");
    }

    async fn organisations_and_employment(app: &TestApp) {
        let group = app
            .post("/api/v1/organisations", &json!({
                "name": "星辰科技",
                "legal_name": "上海星辰科技有限公司",
                "website": "https://xingchen.example.cn",
                "employee_band": "201-500",
                "requires_po": true,
                "phones": ["+86 21 5555 0000"]
            }))
            .await
            .expect(201);
        assert_eq!(group.body["requires_po"], true);
        let subsidiary = app
            .post("/api/v1/organisations", &json!({ "name": "星辰云", "parent_id": group.id() }))
            .await
            .expect(201);
        // A cycle in the group structure is refused.
        app.patch(&format!("/api/v1/organisations/{}", group.id()), &group.etag(), &json!({ "parent_id": subsidiary.id() }))
            .await
            .expect_field_error(422, "parent_id");
        app.post("/api/v1/organisations", &json!({ "name": "Bad", "website": "javascript:alert(1)" }))
            .await
            .expect_field_error(422, "website");
        app.post("/api/v1/organisations", &json!({ "name": "Bad", "employee_band": "huge" }))
            .await
            .expect_field_error(422, "employee_band");
        let children = app.all(&format!("/api/v1/organisations?parent_id={}", group.id())).await;
        assert_eq!(children.len(), 1);

        let li = app.create_person("李娜").await;
        let employment = app
            .post("/api/v1/employments", &json!({
                "person_id": li.id(),
                "organisation_id": group.id(),
                "title": "采购总监",
                "department": "采购部",
                "seniority": "director",
                "started_on": "2024-03-01"
            }))
            .await
            .expect(201);
        assert_eq!(employment.body["department"], "采购部");
        // Wrong kinds on either side, and an end before the start, are refused.
        app.post("/api/v1/employments", &json!({ "person_id": group.id(), "organisation_id": li.id() }))
            .await
            .expect_field_error(422, "person_id");
        app.post("/api/v1/employments", &json!({
            "person_id": li.id(), "organisation_id": group.id(), "started_on": "2024-03-01", "ended_on": "2023-01-01"
        }))
        .await
        .expect_field_error(422, "ended_on");
        app.post("/api/v1/employments", &json!({ "person_id": li.id(), "organisation_id": group.id(), "started_on": "March" }))
            .await
            .expect_field_error(422, "started_on");
        let employees = app.all(&format!("/api/v1/people?organisation_id={}", group.id())).await;
        assert_eq!(employees.len(), 1);
        assert_eq!(employees[0]["name"], "李娜");
        let ended = app
            .patch(&format!("/api/v1/employments/{}", employment.id()), &employment.etag(), &json!({ "ended_on": "2026-06-30" }))
            .await
            .expect(200);
        assert_eq!(ended.body["ended_on"], "2026-06-30");
    }

    async fn search_by_name_email_and_phone(app: &TestApp) {
        app.post("/api/v1/people", &json!({ "name": "Ann O'Neil", "emails": ["ann@acme.example"], "phones": ["+1 415 555 0100"] }))
            .await
            .expect(201);
        app.post("/api/v1/people", &json!({ "name": "张伟", "phones": ["+86 138 0013 8000"] })).await.expect(201);
        app.post("/api/v1/people", &json!({ "name": "100% Real_Name" })).await.expect(201);
        let names = |items: Vec<serde_json::Value>| items.iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
        assert_eq!(names(app.all("/api/v1/people?q=o%27neil").await), ["Ann O'Neil"]);
        assert_eq!(names(app.all("/api/v1/people?q=ACME.example").await), ["Ann O'Neil"]);
        assert_eq!(names(app.all("/api/v1/people?q=138%200013").await), ["张伟"]);
        assert_eq!(names(app.all("/api/v1/people?q=%E5%BC%A0").await), ["张伟"]);
        // LIKE wildcards in the query match literally.
        assert_eq!(names(app.all("/api/v1/people?q=100%25").await), ["100% Real_Name"]);
        assert_eq!(names(app.all("/api/v1/people?q=a_e").await), Vec::<String>::new());
    }
}
