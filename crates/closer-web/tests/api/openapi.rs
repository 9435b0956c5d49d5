//! The OpenAPI document and Swagger UI.

use crate::support::on_both_backends;

on_both_backends! {
    async fn openapi_document_describes_the_api(app: &TestApp) {
        let doc = app.get("/api/openapi.json").await.expect(200).body;
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        for path in ["/api/v1/people", "/api/v1/people/{id}", "/api/v1/organisations", "/api/v1/employments", "/api/v1/deals",
                     "/api/v1/deals/{id}/move", "/api/v1/notes", "/api/v1/tasks", "/api/v1/playbooks", "/healthz", "/readyz"] {
            assert!(doc["paths"][path].is_object(), "{path} is documented");
        }
        assert!(doc["components"]["schemas"]["DealDraft"].is_object());
        // Signed-in operations document the refusals every one of them can give.
        let responses = &doc["paths"]["/api/v1/teams"]["post"]["responses"];
        for status in ["400", "401", "403"] {
            assert!(responses[status].is_object(), "POST /teams documents {status}");
        }
        assert!(doc["paths"]["/api/v1/session"]["post"]["responses"]["403"].is_null(), "signing in is public");
        let docs = app.client.get(format!("{}/api/docs/", app.base)).send().await.expect("docs");
        assert_eq!(docs.status(), 200);
        assert!(docs.text().await.unwrap().contains("swagger"));
        app.get("/readyz").await.expect(200);
    }
}
