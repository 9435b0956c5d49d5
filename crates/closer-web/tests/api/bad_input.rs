//! Every resource refuses bad input with a precise problem and keeps its data as it was.

use serde_json::{Value, json};

use crate::support::{TestApp, on_both_backends};

/// A valid create body per resource, and bodies that must be refused with the field they name.
async fn resources(app: &TestApp) -> Vec<(&'static str, Value, Vec<(Value, &'static str)>)> {
    let person = app.create_person("Ann Lee").await.id();
    let organisation = app.create_organisation("Acme").await.id();
    let long = "x".repeat(20_001);
    vec![
        (
            "people",
            json!({ "name": "Bo" }),
            vec![
                (json!({ "name": ["Bo"] }), "name"),
                (json!({ "name": "x".repeat(201) }), "name"),
                (json!({ "name": "Bo", "emails": ["bo@"] }), "emails[0]"),
                (json!({ "name": "Bo", "phones": ["+86 (0)"] }), "phones[0]"),
                (json!({ "name": "Bo", "phones": vec!["+8613800138000"; 11] }), "phones"),
                (json!({ "name": "Bo", "timezone": 8 }), "timezone"),
            ],
        ),
        (
            "organisations",
            json!({ "name": "Globex" }),
            vec![
                (json!({ "name": true }), "name"),
                (json!({ "name": "G", "tax_id": "9".repeat(65) }), "tax_id"),
                (json!({ "name": "G", "industry": "i".repeat(121) }), "industry"),
                (json!({ "name": "G", "emails": ["sales@globex"] }), "emails[0]"),
                (json!({ "name": "G", "requires_po": "yes" }), "requires_po"),
                (json!({ "name": "G", "parent_id": "123" }), "parent_id"),
            ],
        ),
        (
            "employments",
            json!({ "person_id": person, "organisation_id": organisation }),
            vec![
                (json!({ "person_id": person }), "organisation_id"),
                (
                    json!({ "person_id": person, "organisation_id": organisation, "title": "t".repeat(121) }),
                    "title",
                ),
                (
                    json!({ "person_id": person, "organisation_id": organisation, "seniority": "boss" }),
                    "seniority",
                ),
                (json!({ "person_id": 7, "organisation_id": organisation }), "person_id"),
            ],
        ),
        (
            "deals",
            json!({ "title": "Kit", "kind": "b2c", "counterparty_id": person, "currency": "USD", "amount_minor": 5 }),
            vec![
                (
                    json!({ "title": "Kit", "kind": "b2c", "counterparty_id": person, "currency": "US$" }),
                    "currency",
                ),
                (
                    json!({ "title": "Kit", "kind": "b2c", "counterparty_id": person, "currency": "USD", "amount_minor": -5 }),
                    "amount_minor",
                ),
                (
                    json!({ "title": "Kit", "kind": "b2c", "counterparty_id": person, "currency": "USD", "amount_minor": 9.3e18 }),
                    "amount_minor",
                ),
                (
                    json!({ "title": "Kit", "kind": "b2c", "counterparty_id": person, "currency": "USD", "amount_minor": 1_000_000_000_000_001i64 }),
                    "amount_minor",
                ),
                (
                    json!({ "title": "t".repeat(201), "kind": "b2c", "counterparty_id": person, "currency": "USD" }),
                    "title",
                ),
                (
                    json!({ "title": "Kit", "kind": "b2c", "counterparty_id": "zzz", "currency": "USD" }),
                    "counterparty_id",
                ),
            ],
        ),
        (
            "notes",
            json!({ "subject_type": "person", "subject_id": person, "body": "Met at the fair." }),
            vec![
                (
                    json!({ "subject_type": "person", "subject_id": person, "body": long }),
                    "body",
                ),
                (
                    json!({ "subject_type": "lead", "subject_id": person, "body": "x" }),
                    "subject_type",
                ),
                (
                    json!({ "subject_type": "person", "subject_id": person, "body": "a\u{0}b" }),
                    "body",
                ),
            ],
        ),
        (
            "tasks",
            json!({ "title": "Call back", "due_on": "2026-12-01" }),
            vec![
                (json!({ "title": "t".repeat(201) }), "title"),
                (json!({ "title": "Call", "due_on": "01/12/2026" }), "due_on"),
                (json!({ "title": "Call", "done": "no" }), "done"),
                (json!({ "title": "Call", "assignee_id": "me" }), "assignee_id"),
            ],
        ),
    ]
}

on_both_backends! {
    async fn every_resource_refuses_bad_input_and_stale_writes(app: &TestApp) {
        for (resource, valid, invalid) in resources(app).await {
            let base = format!("/api/v1/{resource}");
            let created = app.post(&base, &valid).await.expect(201);
            let path = format!("{base}/{}", created.id());
            let before = app.all(&base).await;

            for (body, field) in invalid {
                app.post(&base, &body).await.expect_field_error(422, field);
            }
            app.post(&base, &json!([valid.clone()])).await.expect(422);
            app.post(&base, &json!(null)).await.expect(422);
            app.post(&base, &json!({ "surprise": 1 })).await.expect(422);
            app.post_raw(&base, "application/json", "{").await.expect(400);

            // Ids that are not UUIDs, or name nothing, are 404s.
            app.get(&format!("{base}/42")).await.expect(404);
            app.delete(&format!("{base}/not-an-id"), "\"1\"").await.expect(404);
            app.get(&format!("{base}/0192f0c1-0000-7000-8000-000000000000")).await.expect(404);

            // Stale and missing versions are refused.
            app.patch(&path, "\"7\"", &json!({})).await.expect(412);
            app.send(reqwest::Method::PATCH, &path, Some(&json!({})), &[]).await.expect(428);
            app.delete(&path, "\"0\"").await.expect(412);
            app.send(reqwest::Method::DELETE, &path, None, &[]).await.expect(428);
            app.patch(&path, "\"1\"", &json!({ "created_at": "2020-01-01T00:00:00Z" })).await.expect(422);

            assert_eq!(app.all(&base).await, before, "{resource}: refused requests changed nothing");
            assert_eq!(app.get(&path).await.expect(200).etag(), "\"1\"");
        }
    }
}
