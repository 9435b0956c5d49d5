//! Notes and tasks.

use serde_json::json;

use crate::support::on_both_backends;

on_both_backends! {
    async fn notes_attach_to_live_records(app: &TestApp) {
        let ann = app.create_person("Ann").await.id();
        let deal = app
            .post("/api/v1/deals", &json!({ "title": "Gym", "kind": "b2c", "counterparty_id": ann, "currency": "CNY" }))
            .await
            .expect(201)
            .id();
        let note = app
            .post("/api/v1/notes", &json!({ "subject_type": "deal", "subject_id": deal, "body": "Prefers weekend visits.\n周末方便。" }))
            .await
            .expect(201);
        assert_eq!(note.body["body"], "Prefers weekend visits.\n周末方便。");
        app.post("/api/v1/notes", &json!({ "subject_type": "person", "subject_id": deal, "body": "x" }))
            .await
            .expect_field_error(404, "subject_id");
        app.post("/api/v1/notes", &json!({ "subject_type": "deal", "subject_id": deal, "body": "" }))
            .await
            .expect_field_error(422, "body");
        app.post("/api/v1/notes", &json!({ "subject_type": "deal", "subject_id": deal, "body": "x".repeat(20_001) }))
            .await
            .expect_field_error(422, "body");
        let listed = app.all(&format!("/api/v1/notes?subject_id={deal}")).await;
        assert_eq!(listed.len(), 1);
        let edited = app.patch(&format!("/api/v1/notes/{}", note.id()), &note.etag(), &json!({ "body": "Prefers Saturdays." })).await.expect(200);
        assert_eq!(edited.body["body"], "Prefers Saturdays.");
    }

    async fn tasks_are_done_and_reopened(app: &TestApp) {
        let task = app.post("/api/v1/tasks", &json!({ "title": "Call back", "due_on": "2026-12-01" })).await.expect(201);
        assert_eq!(task.body["done"], false);
        let done = app.patch(&format!("/api/v1/tasks/{}", task.id()), &task.etag(), &json!({ "done": true })).await.expect(200);
        assert_eq!(done.body["done"], true);
        assert!(done.body["done_at"].is_string());
        assert_eq!(app.all("/api/v1/tasks?done=false").await.len(), 0);
        assert_eq!(app.all("/api/v1/tasks?done=true").await.len(), 1);
        let reopened = app.patch(&format!("/api/v1/tasks/{}", task.id()), &done.etag(), &json!({ "done": false })).await.expect(200);
        assert_eq!(reopened.body["done_at"], json!(null));
        assert_eq!(app.all("/api/v1/tasks?due_by=2026-12-01").await.len(), 1);
        assert_eq!(app.all("/api/v1/tasks?due_by=2026-11-30").await.len(), 0);
        app.post("/api/v1/tasks", &json!({ "title": "x", "subject_type": "deal" })).await.expect_field_error(422, "subject_id");
        app.post("/api/v1/tasks", &json!({ "title": "x", "due_on": "tomorrow" })).await.expect_field_error(422, "due_on");
        app.get("/api/v1/tasks?due_by=someday").await.expect_field_error(422, "due_by");
    }
}
