//! Cycle budgets and rotting (D7), computed by the deal-health job; the job table itself.

use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::support::{TestApp, on_both_backends};

/// Makes a deal look `days` old and untouched since.
pub(crate) async fn age(app: &TestApp, deal: &str, days: i64) {
    let then = OffsetDateTime::now_utc() - Duration::days(days);
    let id = uuid::Uuid::parse_str(deal).expect("an id");
    match &app.db {
        closer_store::Db::Sqlite(closer_store::SqliteDb { pool, .. }) => {
            sqlx::query("UPDATE deals SET created_at = ?, updated_at = ?, stage_entered_at = ? WHERE id = ?")
                .bind(then)
                .bind(then)
                .bind(then)
                .bind(id)
                .execute(pool)
                .await
                .expect("aged");
        }
        closer_store::Db::Postgres(pool) => {
            sqlx::query("UPDATE deals SET created_at = $1, updated_at = $1, stage_entered_at = $1 WHERE id = $2")
                .bind(then)
                .bind(id)
                .execute(pool)
                .await
                .expect("aged");
        }
    }
}

on_both_backends! {
    async fn an_idle_deal_shows_as_rotting_on_the_next_job_run(app: &TestApp) {
        let ann = app.create_person("Ann").await.id();
        let idle = app.post("/api/v1/deals", &json!({ "title": "Idle", "kind": "b2c", "counterparty_id": ann, "currency": "USD" })).await.expect(201).id();
        let fresh = app.post("/api/v1/deals", &json!({ "title": "Fresh", "kind": "b2c", "counterparty_id": ann, "currency": "USD" })).await.expect(201).id();
        age(app, &idle, 12).await;

        let run = app.post("/api/v1/jobs/deal-health", &json!({})).await.expect(200);
        assert_eq!(run.body["deals_checked"], 2);
        let health = app.get(&format!("/api/v1/deals/{idle}/health")).await.expect(200).body;
        assert_eq!(health["rotting"], true, "{health}");
        assert_eq!(health["over_budget"], true, "12 days is past the B2C budget of 10");
        assert_eq!(health["cycle_age_days"], 12);
        let rotting: Vec<_> = app.all("/api/v1/deals?rotting=true").await.iter().map(|d| d["title"].as_str().unwrap_or("").to_owned()).collect();
        assert_eq!(rotting, ["Idle"]);
        assert_eq!(app.all("/api/v1/deals?over_budget=false").await.len(), 1);
        assert_eq!(app.get(&format!("/api/v1/deals/{fresh}/health")).await.body["rotting"], false);

        // The run also counts each deal's open next best actions for its board card, before
        // anyone opened the deal.
        let session = app.sign_in_page(crate::support::ADMIN_EMAIL, crate::support::ADMIN_PASSWORD).await;
        let board = app.page("/board?playbook=b2c_default", &session, None, &[]).await;
        let card = board.html.split(&format!("data-deal=\"{idle}\"")).nth(1).and_then(|rest| rest.split("</li>").next()).expect("the card");
        let proposed = app.get(&format!("/api/v1/deals/{idle}/recommendations")).await.expect(200).body;
        let count = proposed.as_array().map_or(0, Vec::len);
        assert!(count > 0, "an idle deal has something to do");
        assert!(card.contains(&format!(">{count} to do<")), "{card}");

        // Activity on the deal clears the flag at the next run.
        app.post("/api/v1/notes", &json!({ "subject_type": "deal", "subject_id": idle, "body": "Called back." })).await.expect(201);
        app.post("/api/v1/jobs/deal-health", &json!({})).await.expect(200);
        assert_eq!(app.get(&format!("/api/v1/deals/{idle}/health")).await.body["rotting"], false);
        assert!(app.all("/api/v1/deals?rotting=true").await.is_empty());

        let (_, rep) = app.user("rep@example.com", "member").await;
        app.as_(&rep).post("/api/v1/jobs/deal-health", &json!({})).await.expect(403);
    }

    async fn a_due_job_runs_once_however_many_workers_ask(app: &TestApp) {
        let workspace = closer_web::app::bootstrap::ensure_installation(&app.db, &Default::default())
            .await
            .expect("installation")
            .installation
            .workspace;
        closer_web::app::jobs::schedule(&app.db, workspace).await.expect("scheduled");
        closer_web::app::jobs::schedule(&app.db, workspace).await.expect("scheduling twice keeps one job");
        // Two servers, each with its own relationship index.
        let (graphs_a, graphs_b) = (Default::default(), Default::default());
        let (first, second) = tokio::join!(
            closer_web::app::jobs::run_due(&app.db, &graphs_a, "worker-a"),
            closer_web::app::jobs::run_due(&app.db, &graphs_b, "worker-b"),
        );
        assert_eq!(first.expect("ran") + second.expect("ran"), 2, "each job (deal health, speed to lead) ran exactly once");
        assert_eq!(closer_web::app::jobs::run_due(&app.db, &graphs_a, "worker-a").await.expect("ran"), 0, "next runs are in a minute and an hour");
    }
}
