//! Data out: a list view with its filters as CSV, as the caller may see it, every risky cell
//! neutralised, on both databases.

use serde_json::json;

use crate::support::on_both_backends;

/// The rows of a CSV file (without its byte-order mark), as cells.
fn rows(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(
        text.strip_prefix('\u{feff}')
            .expect("a UTF-8 byte-order mark")
            .as_bytes(),
    );
    reader
        .records()
        .map(|r| r.expect("a CSV row").iter().map(str::to_owned).collect())
        .collect()
}

on_both_backends! {
    async fn lists_export_as_csv_with_their_filters_and_access_rules(app: &TestApp) {
        let ann = app.post("/api/v1/people", &json!({ "name": "=cmd|' /C calc'!A0", "emails": ["ann@example.com"], "phones": ["+86 138 0013 8000"] })).await.expect(201).id();
        let bo = app.create_person("Bo 博").await.id();
        app.post("/api/v1/deals", &json!({ "title": "Solar kit", "kind": "b2c", "counterparty_id": ann, "currency": "CNY", "amount_minor": 1_280_050, "lead_source": "inbound" })).await.expect(201);
        app.post("/api/v1/deals", &json!({ "title": "Gym", "kind": "b2c", "counterparty_id": bo, "currency": "USD", "amount_minor": 9_900 })).await.expect(201);

        let (status, headers, text) = app.get_text("/api/v1/people/export").await;
        assert_eq!(status, reqwest::StatusCode::OK);
        assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("text/csv; charset=utf-8"));
        assert!(headers.get("content-disposition").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("people.csv")));
        let people = rows(&text);
        assert_eq!(people[0], ["id", "name", "emails", "phones", "timezone", "owner", "created_at", "updated_at"]);
        assert_eq!(people.len(), 3, "{text}");
        let first = people.iter().find(|r| r[0] == ann).expect("Ann's row");
        assert_eq!((first[1].as_str(), first[2].as_str(), first[3].as_str()), ("'=cmd|' /C calc'!A0", "ann@example.com", "'+8613800138000"), "formulas neutralised");
        assert_eq!(first[5], crate::support::ADMIN_EMAIL);
        assert!(people.iter().any(|r| r[1] == "Bo 博"));

        // The list's filters hold.
        let (_, _, only_bo) = app.get_text("/api/v1/people/export?q=Bo").await;
        assert_eq!(rows(&only_bo).len(), 2);
        let (_, _, deals) = app.get_text("/api/v1/deals/export?kind=b2c&q=Solar").await;
        let deals = rows(&deals);
        assert_eq!(deals.len(), 2, "{deals:?}");
        assert_eq!(deals[0][..7], ["id", "title", "kind", "status", "stage", "amount", "currency"]);
        assert_eq!(deals[1][1..9], ["Solar kit", "b2c", "open", "New lead", "12800.50", "CNY", ann.as_str(), "'=cmd|' /C calc'!A0"].map(str::to_owned));
        assert_eq!(deals[1][10], "inbound");

        let acme = app.post("/api/v1/organisations", &json!({ "name": "@Acme", "tax_id": "91310000MA1K", "requires_po": true })).await.expect(201).id();
        let (_, _, organisations) = app.get_text("/api/v1/organisations/export?q=Acme").await;
        let organisations = rows(&organisations);
        assert_eq!(organisations.len(), 2, "{organisations:?}");
        assert_eq!((organisations[1][0].as_str(), organisations[1][1].as_str(), organisations[1][3].as_str(), organisations[1][11].as_str()), (acme.as_str(), "'@Acme", "91310000MA1K", "true"));

                // A rep exports what they may see: their own.
        let (_, rep) = app.user("rep@example.com", "member").await;
        app.as_(&rep).post("/api/v1/people", &json!({ "name": "Rep's contact" })).await.expect(201);
        let (status, _, theirs) = app.as_(&rep).get_text("/api/v1/people/export").await;
        assert_eq!(status, reqwest::StatusCode::OK);
        let visible = app.as_(&rep).all("/api/v1/people").await.len();
        assert_eq!(rows(&theirs).len(), visible + 1, "the export shows what the list shows");
        let (status, _, _) = app.get_text("/api/v1/deals/export?kind=sideways").await;
        assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    }
}

on_both_backends! {
    async fn tasks_and_meetings_export_with_their_filters(app: &TestApp) {
        let admin_id = app.get("/api/v1/session").await.expect(200).body["user"]["id"].as_str().unwrap().to_owned();
        let ann = app.create_person("Ann Lee").await.id();
        let deal = app
            .post("/api/v1/deals", &json!({ "title": "Sofa", "kind": "b2c", "counterparty_id": ann, "currency": "CNY" }))
            .await
            .expect(201)
            .id();
        app.post("/api/v1/tasks", &json!({ "title": "=HYPERLINK(\"x\")", "due_on": "2026-12-01", "subject_type": "deal", "subject_id": deal })).await.expect(201);
        app.post("/api/v1/tasks", &json!({ "title": "Call back", "due_on": "2026-12-20" })).await.expect(201);
        let (status, headers, text) = app.get_text("/api/v1/tasks/export?due_by=2026-12-10").await;
        assert_eq!(status, reqwest::StatusCode::OK);
        assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
        let tasks = rows(&text);
        assert_eq!(tasks[0][..3], ["id", "title", "due_on"]);
        assert_eq!(tasks.len(), 2, "the filter holds: {text}");
        assert_eq!(tasks[1][1], "'=HYPERLINK(\"x\")", "formulas are neutralised");
        assert_eq!((tasks[1][5].as_str(), tasks[1][6].as_str()), ("deal", deal.as_str()));

        let meeting = json!({
            "deal_id": deal, "purpose": "first_meeting", "venue": "our_office", "location": "Shanghai showroom",
            "planned_start": "2026-12-01T02:00:00Z", "planned_end": "2026-12-01T03:00:00Z",
            "attendees": [{ "person_id": ann }, { "user_id": admin_id }]
        });
        app.post("/api/v1/meetings", &meeting).await.expect(201);
        let (_, _, text) = app.get_text(&format!("/api/v1/meetings/export?deal_id={deal}")).await;
        let meetings = rows(&text);
        assert_eq!(meetings.len(), 2, "{text}");
        let column = |name: &str| meetings[0].iter().position(|h| h == name).unwrap();
        assert_eq!(meetings[1][column("venue")], "our_office");
        assert_eq!(meetings[1][column("buyer_attendees")], "Ann Lee");
        assert_eq!(meetings[1][column("location")], "Shanghai showroom");
        let (_, _, none) = app.get_text("/api/v1/meetings/export?from=2027-01-01T00:00:00Z").await;
        assert_eq!(rows(&none).len(), 1, "the header only");
        let (status, _, _) = app.get_text("/api/v1/tasks/export?done=perhaps").await;
        assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
        // A rep sees none of the admin's tasks in the file.
        let (_, rep) = app.user("rep@example.com", "member").await;
        let (_, _, theirs) = app.as_(&rep).get_text("/api/v1/tasks/export").await;
        assert_eq!(rows(&theirs).len(), 1, "{theirs}");
    }
}
