//! Data in: people and organisations from other CRMs' CSV files — previewed, matched by natural
//! keys, counted so the numbers add up, with an error report, and reverted — on both databases.

use serde_json::{Value, json};

use crate::support::on_both_backends;

const HUBSPOT_CONTACTS: &str = "\u{feff}Record ID,First Name,Last Name,Email,Phone Number,Company Name,Job Title\n\
101,Ann,Lee,ann@acme.example,+86 138 0013 8000,Acme,CTO\n\
102,Bo,Wang,bo@acme.example,,Acme,Buyer\n\
103,,,not-an-email,12345,,\n\
104,Ann,Lee,ANN@acme.example,,Acme,CTO\n";

/// The CSV rows of a text, byte-order mark aside.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.expect("a CSV row").iter().map(str::to_owned).collect())
        .collect()
}

fn counts(import: &Value) -> (i64, i64, i64, i64, i64) {
    let n = |k: &str| import[k].as_i64().unwrap_or_else(|| panic!("no {k} in {import}"));
    let counted = (n("rows_read"), n("created"), n("updated"), n("skipped"), n("failed"));
    assert_eq!(
        counted.0,
        counted.1 + counted.2 + counted.3 + counted.4,
        "the counts add up: {import}"
    );
    counted
}

on_both_backends! {
    async fn a_hubspot_export_is_previewed_imported_reported_and_reverted(app: &TestApp) {
        let preview = app.post_raw("/api/v1/imports/preview?kind=people", "text/csv", HUBSPOT_CONTACTS).await.expect(200);
        assert_eq!(preview.body["source"], "hubspot");
        assert_eq!(preview.body["shape"]["encoding"], "utf8");
        assert_eq!(preview.body["shape"]["has_header"], true);
        let fields: Vec<&str> = preview.body["columns"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap_or("-")).collect();
        assert_eq!(fields, ["external_id", "first_name", "last_name", "email", "phone", "organisation", "title"]);
        let rows = preview.body["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0]["values"]["email"], "ann@acme.example");
        assert_eq!(rows[2]["row"], 4, "the header is row 1");
        let columns: Vec<&str> = rows[2]["errors"].as_array().unwrap().iter().map(|e| e["column"].as_str().unwrap()).collect();
        assert_eq!(columns, ["Email", "Phone Number"]);
        assert!(app.all("/api/v1/people").await.is_empty(), "a preview writes nothing");

        let done = app.post_raw("/api/v1/imports?kind=people&file_name=contacts.csv", "text/csv", HUBSPOT_CONTACTS).await.expect(201);
        let import = done.body.clone();
        assert!(done.header("location").is_some_and(|l| l.ends_with(import["id"].as_str().unwrap())));
        assert_eq!(counts(&import), (4, 2, 0, 1, 1));
        assert_eq!(import["status"], "finished");
        assert_eq!(import["skipped_because"]["unchanged"], 1, "row 5 repeats Ann: {import}");
        assert_eq!(import["errors"][0]["row"], 4);
        assert_eq!(import["errors"][0]["column"], "Email");

        let people = app.all("/api/v1/people").await;
        assert_eq!(people.len(), 2);
        let ann = people.iter().find(|p| p["name"] == "Ann Lee").expect("Ann");
        assert_eq!(ann["phones"], json!(["+8613800138000"]));
        let organisations = app.all("/api/v1/organisations").await;
        assert_eq!(organisations.len(), 1, "Acme is made once and shared: {organisations:?}");
        let acme = organisations[0]["id"].as_str().unwrap();
        let staff = app.all(&format!("/api/v1/employments?organisation_id={acme}")).await;
        assert_eq!(staff.len(), 2);
        assert!(staff.iter().any(|e| e["title"] == "CTO"));

        // The error report names every failed row, column and reason.
        let id = import["id"].as_str().unwrap().to_owned();
        let (status, headers, report) = app.get_text(&format!("/api/v1/imports/{id}/errors")).await;
        assert_eq!(status, reqwest::StatusCode::OK);
        assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("text/csv; charset=utf-8"));
        let report = csv_rows(&report);
        assert_eq!(report[0], ["row", "column", "reason"]);
        assert_eq!(report.len(), 3, "{report:?}");
        assert_eq!((report[1][0].as_str(), report[1][1].as_str()), ("4", "Email"));
        assert_eq!(report[2][1], "Phone Number");

        // The same file again, creating only: everyone is there already.
        let again = app.post_raw("/api/v1/imports?kind=people&mode=create", "text/csv", HUBSPOT_CONTACTS).await.expect(201);
        assert_eq!(counts(&again.body), (4, 0, 0, 3, 1));
        assert_eq!(app.all("/api/v1/people").await.len(), 2);

        // Updating by e-mail adds a number; a row matching nobody is skipped.
        let update = "email,phone\nbo@acme.example,+44 20 7946 0000\nnobody@else.example,+44 20 7946 0001\n";
        let updated = app.post_raw("/api/v1/imports?kind=people&mode=update", "text/csv", update).await.expect(201);
        assert_eq!(counts(&updated.body), (2, 0, 1, 1, 0));
        assert_eq!(updated.body["skipped_because"]["matches no record"], 1);
        let bo = app.all("/api/v1/people?q=Bo").await;
        assert_eq!(bo[0]["phones"], json!(["+442079460000"]));
        let history = app.all(&format!("/api/v1/audit?entity_id={}", bo[0]["id"].as_str().unwrap())).await;
        assert!(history.iter().any(|h| h["request_id"].as_str().is_some_and(|r| r.starts_with("import:"))), "the audit trail names the import: {history:?}");

        // Reverting the first import removes what it made, and nothing else.
        let kept = app.create_person("Made by hand").await.id();
        let reverted = app.post(&format!("/api/v1/imports/{id}/revert"), &json!({})).await.expect(200);
        assert_eq!(reverted.body["import"]["status"], "reverted");
        assert_eq!(reverted.body["report"]["removed"], json!({ "person": 2, "organisation": 1, "employment": 2 }));
        let left = app.all("/api/v1/people").await;
        assert_eq!(left.len(), 1);
        assert_eq!(left[0]["id"], kept.as_str());
        assert!(app.all("/api/v1/organisations").await.is_empty());
        app.post(&format!("/api/v1/imports/{id}/revert"), &json!({})).await.expect(409);

        let listed = app.get("/api/v1/imports").await.expect(200);
        assert_eq!(listed.body.as_array().map(Vec::len), Some(3));
    }

    async fn files_in_chinese_encodings_and_without_headers_are_read(app: &TestApp) {
        // A GB18030 file from a Chinese spreadsheet, semicolons between cells.
        let text = "姓名;手机;邮箱;公司\n王小明;+86 139 0000 0001;xm@example.cn;星辰科技\n";
        let (gb, _, _) = encoding_rs::GB18030.encode(text);
        let done = app.post_raw("/api/v1/imports?kind=people", "text/csv", gb.into_owned()).await.expect(201);
        assert_eq!(counts(&done.body), (1, 1, 0, 0, 0));
        let people = app.all("/api/v1/people?q=xm@example.cn").await;
        assert_eq!(people[0]["name"], "王小明");
        assert_eq!(app.all("/api/v1/organisations").await[0]["name"], "星辰科技");

        // UTF-16 with a byte-order mark and tabs, as Excel saves "Unicode text".
        let text = "Name\tEmail\n李雷\tlilei@example.cn\n";
        let mut utf16 = vec![0xff, 0xfe];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let preview = app.post_raw("/api/v1/imports/preview?kind=people", "text/csv", utf16.clone()).await.expect(200);
        assert_eq!(preview.body["shape"]["encoding"], "utf16le");
        assert_eq!(preview.body["shape"]["delimiter"], "\t");
        app.post_raw("/api/v1/imports?kind=people", "text/csv", utf16).await.expect(201);
        assert_eq!(app.all("/api/v1/people?q=lilei").await[0]["name"], "李雷");

        // No header row: the cells tell e-mails and phones, the first other text is the name.
        let bare = "Mei Chen,mei@example.com,+86 137 0000 0002\n";
        let preview = app.post_raw("/api/v1/imports/preview?kind=people", "text/csv", bare).await.expect(200);
        assert_eq!(preview.body["shape"]["has_header"], false);
        assert_eq!(preview.body["rows"][0]["row"], 1);
        let done = app.post_raw("/api/v1/imports?kind=people&phone_prefix=%2B86", "text/csv", bare).await.expect(201);
        assert_eq!(counts(&done.body), (1, 1, 0, 0, 0));
        assert_eq!(app.all("/api/v1/people?q=mei").await[0]["phones"], json!(["+8613700000002"]));

        // Local numbers take the calling code given.
        let local = "name,mobile\nZhang Wei,013800000003\n";
        app.post_raw("/api/v1/imports?kind=people&phone_prefix=%2B86", "text/csv", local).await.expect(201);
        assert_eq!(app.all("/api/v1/people?q=Zhang").await[0]["phones"], json!(["+8613800000003"]));
    }

    async fn organisations_match_by_domain_and_tax_id_and_people_find_them(app: &TestApp) {
        let accounts = "Id,Name,Website,Phone,Industry,NumberOfEmployees,BillingCountry,AccountNumber\n\
001A,Acme Ltd,www.acme.example,+44 20 7946 0100,Manufacturing,250,GB,A-1\n\
001B,Beta GmbH,https://beta.example/de,,Retail,12,DE,B-2\n";
        let done = app.post_raw("/api/v1/imports?kind=organisations", "text/csv", accounts).await.expect(201);
        assert_eq!(done.body["source"], "salesforce");
        assert_eq!(counts(&done.body), (2, 2, 0, 0, 0));
        let acme = app.all("/api/v1/organisations?q=Acme").await.remove(0);
        assert_eq!(acme["website"], "https://www.acme.example");
        assert_eq!(acme["employee_band"], "201-500");
        assert_eq!(acme["region"], "GB");

        // The same accounts from another export: found by domain, changed in place.
        let again = "Company name,Company Domain Name,Industry\nACME Limited,acme.example,Engineering\n";
        let updated = app.post_raw("/api/v1/imports?kind=organisations", "text/csv", again).await.expect(201);
        assert_eq!(counts(&updated.body), (1, 0, 1, 0, 0));
        let acme = app.all("/api/v1/organisations?q=ACME").await.remove(0);
        assert_eq!((acme["name"].as_str(), acme["industry"].as_str()), (Some("ACME Limited"), Some("Engineering")));
        assert_eq!(app.all("/api/v1/organisations").await.len(), 2);

        // People say where they work by domain: the organisation is found, not made again.
        let people = "Full name,E-mail,Works at\nKate Moss,kate@acme.example,acme.example\n";
        let wrong = app.post_raw("/api/v1/imports?kind=people&mapping=%7B%22Nope%22%3A%22name%22%7D", "text/csv", people).await;
        wrong.expect_field_error(422, "mapping.Nope");
        let mapping = r#"{"Full name":"name","Works at":"organisation_domain"}"#;
        let path = format!("/api/v1/imports?kind=people&mapping={}", urlencode(mapping));
        let done = app.post_raw(&path, "text/csv", people).await.expect(201);
        assert_eq!(counts(&done.body), (1, 1, 0, 0, 0));
        assert_eq!(app.all("/api/v1/organisations").await.len(), 2);
        let staff = app.all(&format!("/api/v1/employments?organisation_id={}", acme["id"].as_str().unwrap())).await;
        assert_eq!(staff.len(), 1);
    }

    async fn imports_refuse_bad_requests_and_keep_to_access_rules(app: &TestApp) {
        app.post_raw("/api/v1/imports?kind=meetings", "text/csv", "a\n1\n").await.expect_field_error(422, "kind");
        app.post_raw("/api/v1/imports?kind=people", "application/json", "{}").await.expect(415);
        app.post_raw("/api/v1/imports?kind=people", "text/csv", "").await.expect_field_error(422, "file");
        app.post_raw("/api/v1/imports?kind=people", "text/csv", "colour,size\nred,9\n").await.expect_field_error(422, "mapping");
        app.post_raw("/api/v1/imports?kind=people&phone_prefix=86", "text/csv", "name\nA\n").await.expect_field_error(422, "phone_prefix");
        app.post_raw("/api/v1/imports?kind=people&mapping=%5B1%5D", "text/csv", "name\nA\n").await.expect_field_error(422, "mapping");
        // A file larger than the API's usual 1 MiB is read (a preview reads its beginning).
        let big = format!("name,email\n{}", (0..100_000).map(|i| format!("Person {i},p{i}@example.com\n")).collect::<String>());
        assert!(big.len() > 2 * 1024 * 1024);
        app.post_raw("/api/v1/imports/preview?kind=people", "text/csv", big).await.expect(200);
        let missing = uuid::Uuid::now_v7();
        app.post_raw(&format!("/api/v1/imports?kind=people&resume={missing}"), "text/csv", "name\nA\n").await.expect(404);

        let (_, viewer) = app.user("viewer@example.com", "viewer").await;
        app.as_(&viewer).post_raw("/api/v1/imports?kind=people", "text/csv", "name\nA\n").await.expect(403);
        let (_, rep) = app.user("rep@example.com", "member").await;
        let mine = app.as_(&rep).post_raw("/api/v1/imports?kind=people", "text/csv", format!("name,owner\nRep's lead,\nBoss's lead,{}\n", crate::support::ADMIN_EMAIL)).await.expect(201);
        assert_eq!(counts(&mine.body).1, 1, "{}", mine.body);
        assert_eq!(mine.body["failed"], 1, "a rep does not import for others: {}", mine.body);
        let theirs = app.post_raw("/api/v1/imports?kind=people", "text/csv", "name\nAdmin's\n").await.expect(201).id();
        app.as_(&rep).get(&format!("/api/v1/imports/{theirs}")).await.expect(404);
        app.as_(&rep).post(&format!("/api/v1/imports/{theirs}/revert"), &json!({})).await.expect(404);
        assert_eq!(app.as_(&rep).get("/api/v1/imports").await.expect(200).body.as_array().map(Vec::len), Some(1));
        // Resuming a finished import is refused.
        let id = mine.id();
        app.as_(&rep).post_raw(&format!("/api/v1/imports?kind=people&resume={id}"), "text/csv", format!("name,owner\nRep's lead,\nBoss's lead,{}\n", crate::support::ADMIN_EMAIL)).await.expect(409);
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

on_both_backends! {
    async fn the_duplicate_finder_pairs_records_with_their_reasons(app: &TestApp) {
        let ann = app.post("/api/v1/people", &json!({ "name": "Ann Lee", "emails": ["ann@acme.example"], "phones": ["+86 138 0013 8000"] })).await.expect(201).id();
        let again = app.post("/api/v1/people", &json!({ "name": "A. Lee", "emails": ["ANN@acme.example"], "phones": ["+8613800138000"] })).await.expect(201).id();
        app.post("/api/v1/people", &json!({ "name": "Bo Wang", "emails": ["bo@acme.example"] })).await.expect(201);
        let acme = app.post("/api/v1/organisations", &json!({ "name": "Acme", "website": "https://acme.example" })).await.expect(201).id();
        let acme_ltd = app.post("/api/v1/organisations", &json!({ "name": "ACME Ltd", "website": "http://www.acme.example/about" })).await.expect(201).id();
        let jon = app.create_person("Jon Smith").await.id();
        let john = app.create_person("John Smith").await.id();
        for person in [&jon, &john] {
            app.post("/api/v1/employments", &json!({ "person_id": person, "organisation_id": acme })).await.expect(201);
        }

        let people = app.get("/api/v1/duplicates?kind=person").await.expect(200).body;
        let pairs = people["pairs"].as_array().unwrap();
        assert_eq!(pairs.len(), 2, "{people}");
        let ids = |pair: &Value| {
            let mut ids = [pair["a"]["id"].as_str().unwrap().to_owned(), pair["b"]["id"].as_str().unwrap().to_owned()];
            ids.sort();
            ids
        };
        let mut expected = [ann.clone(), again.clone()];
        expected.sort();
        assert_eq!(ids(&pairs[0]), expected, "most reasons first");
        assert_eq!(pairs[0]["reasons"], json!(["same e-mail ann@acme.example", "same phone +8613800138000"]));
        let mut smiths = [jon, john];
        smiths.sort();
        assert_eq!(ids(&pairs[1]), smiths);
        assert_eq!(pairs[1]["reasons"], json!(["similar names at Acme"]));

        let organisations = app.get("/api/v1/duplicates?kind=organisation").await.expect(200).body;
        let mut both = [acme, acme_ltd];
        both.sort();
        assert_eq!(ids(&organisations["pairs"][0]), both);
        assert_eq!(organisations["pairs"][0]["reasons"], json!(["same web domain acme.example"]));

        // Before making one: what it would duplicate, and why.
        let check = app.get("/api/v1/duplicates/check?kind=person&email=Ann%40ACME.example&phone=%2B44%2020%207946%200000").await.expect(200).body;
        let found: Vec<&str> = check.as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
        assert_eq!(found.len(), 2, "{check}");
        assert!(found.contains(&ann.as_str()) && found.contains(&again.as_str()));
        assert_eq!(check[0]["reasons"], json!(["same e-mail ann@acme.example"]));
        let check = app.get("/api/v1/duplicates/check?kind=organisation&name=acme&website=acme.example").await.expect(200).body;
        assert_eq!(check.as_array().map(Vec::len), Some(2), "{check}");
        assert_eq!(app.get("/api/v1/duplicates/check?kind=person&email=new%40else.example&phone=junk").await.expect(200).body, json!([]));

        // A rep sees no pair of records they may not see; deleted records are no duplicates.
        let (_, rep) = app.user("rep@example.com", "member").await;
        assert_eq!(app.as_(&rep).get("/api/v1/duplicates?kind=person").await.expect(200).body["pairs"], json!([]));
        app.send(reqwest::Method::DELETE, &format!("/api/v1/people/{again}"), None, &[("if-match", "*")]).await.expect(200);
        assert_eq!(app.get("/api/v1/duplicates?kind=person").await.expect(200).body["pairs"].as_array().map(Vec::len), Some(1));
        app.get("/api/v1/duplicates?kind=deal").await.expect_field_error(422, "kind");
    }
}

on_both_backends! {
    async fn merging_duplicates_keeps_every_relation_and_is_audited(app: &TestApp) {
        let admin_id = app.get("/api/v1/session").await.expect(200).body["user"]["id"].as_str().unwrap().to_owned();
        let acme = app.create_organisation("Acme").await.id();
        let other = app.create_organisation("Other").await.id();
        // Ann came in twice: once by hand, once from a HubSpot export with another e-mail.
        let ann = app.post("/api/v1/people", &json!({ "name": "Ann Lee", "emails": ["ann@acme.example"] })).await.expect(201);
        let (kept, kept_etag) = (ann.id(), ann.etag());
        let imported = app
            .post_raw("/api/v1/imports?kind=people", "text/csv", "Record ID,First Name,Last Name,Email,Phone Number\n777,Ann,Lee,ann.lee@home.example,+86 138 0013 8000\n")
            .await
            .expect(201);
        assert_eq!(imported.body["created"], 1);
        let duplicate = app.get("/api/v1/people?q=home.example").await.expect(200).body["items"][0]["id"].as_str().unwrap().to_owned();

        // Each has relations: the duplicate's must all move.
        let employ = |person: &str, organisation: &str| json!({ "person_id": person, "organisation_id": organisation, "title": "CTO" });
        app.post("/api/v1/employments", &employ(&kept, &acme)).await.expect(201);
        let doubled = app.post("/api/v1/employments", &employ(&duplicate, &acme)).await.expect(201).id();
        let moved_job = app.post("/api/v1/employments", &employ(&duplicate, &other)).await.expect(201).id();
        let consumer_deal = app
            .post("/api/v1/deals", &json!({ "title": "Sofa", "kind": "b2c", "counterparty_id": duplicate, "currency": "CNY" }))
            .await
            .expect(201)
            .id();
        let company_deal = app
            .post("/api/v1/deals", &json!({ "title": "ERP", "kind": "b2b", "counterparty_id": acme, "currency": "CNY" }))
            .await
            .expect(201)
            .id();
        let committee = format!("/api/v1/deals/{company_deal}/stakeholders");
        app.post(&committee, &json!({ "person_id": kept, "roles": ["decision_maker"] })).await.expect(201);
        app.post(&committee, &json!({ "person_id": duplicate, "roles": ["technical_buyer"] })).await.expect(201);
        let note = app.post("/api/v1/notes", &json!({ "subject_type": "person", "subject_id": duplicate, "body": "Met at the fair" })).await.expect(201).id();
        let task = app.post("/api/v1/tasks", &json!({ "title": "Send brochure", "subject_type": "person", "subject_id": duplicate })).await.expect(201).id();
        let meeting = app
            .post("/api/v1/meetings", &json!({
                "deal_id": consumer_deal, "purpose": "first_meeting", "venue": "our_office",
                "planned_start": "2026-12-01T02:00:00Z", "planned_end": "2026-12-01T03:00:00Z",
                "attendees": [{ "person_id": duplicate }, { "user_id": admin_id }]
            }))
            .await
            .expect(201)
            .id();
        let interaction = app
            .post("/api/v1/interactions", &json!({ "kind": "call", "occurred_at": "2026-11-20T08:00:00Z",
                "participants": [{ "user_id": admin_id }, { "person_id": duplicate }] }))
            .await
            .expect(201)
            .id();

        // Refusals first: nothing may change.
        let merge_path = format!("/api/v1/people/{kept}/merge");
        app.post(&merge_path, &json!({ "duplicate_id": kept })).await.expect_field_error(422, "duplicate_id");
        app.post(&merge_path, &json!({ "duplicate_id": acme })).await.expect_field_error(404, "duplicate_id");
        app.post(&merge_path, &json!({ "duplicate": duplicate })).await.expect(422);
        app.post(&format!("/api/v1/organisations/{acme}/merge"), &json!({ "duplicate_id": duplicate })).await.expect(404);
        app.send(reqwest::Method::POST, &merge_path, Some(&json!({ "duplicate_id": duplicate })), &[("if-match", "\"99\"")]).await.expect(412);
        let (_, viewer) = app.user("viewer@example.com", "viewer").await;
        // Consumers are their owner's: another user does not even see them.
        app.as_(&viewer).post(&merge_path, &json!({ "duplicate_id": duplicate })).await.expect(404);
        assert_eq!(app.get(&format!("/api/v1/deals/{consumer_deal}")).await.expect(200).body["counterparty_id"], duplicate.as_str());

        let outcome = app
            .send(reqwest::Method::POST, &merge_path, Some(&json!({ "duplicate_id": duplicate })), &[("if-match", &kept_etag)])
            .await
            .expect(200)
            .body;
        assert_eq!(outcome["kept_id"], kept.as_str());
        assert_eq!(outcome["merged_id"], duplicate.as_str());
        assert_eq!(
            outcome["moved"],
            json!({ "deal": 1, "employment": 2, "stakeholder": 1, "note": 1, "task": 1, "meeting": 1, "interaction": 1 }),
            "the doubled employment and committee place move too, deleted: {outcome}"
        );
        assert_eq!(outcome["removed_doubles"], json!({ "employment": 1, "stakeholder": 1 }));

        // The kept person has both e-mails, the phone, and every relation.
        let person = app.get(&format!("/api/v1/people/{kept}")).await.expect(200).body;
        assert_eq!(person["emails"], json!(["ann@acme.example", "ann.lee@home.example"]));
        assert_eq!(person["phones"], json!(["+8613800138000"]));
        assert_eq!(person["version"], outcome["kept_version"]);
        app.get(&format!("/api/v1/people/{duplicate}")).await.expect(404);
        assert_eq!(app.get(&format!("/api/v1/deals/{consumer_deal}")).await.expect(200).body["counterparty_id"], kept.as_str());
        let places = app.get(&committee).await.expect(200).body;
        let on_committee: Vec<&str> = places["stakeholders"].as_array().unwrap().iter().map(|s| s["person_id"].as_str().unwrap()).collect();
        assert_eq!(on_committee, [kept.as_str()], "one place, the kept person's: {places}");
        assert_eq!(app.get(&format!("/api/v1/notes/{note}")).await.expect(200).body["subject_id"], kept.as_str());
        assert_eq!(app.get(&format!("/api/v1/tasks/{task}")).await.expect(200).body["subject_id"], kept.as_str());
        let attendees = app.get(&format!("/api/v1/meetings/{meeting}")).await.expect(200).body["attendees"].clone();
        assert_eq!(attendees[0]["person_id"], kept.as_str(), "{attendees}");
        let calls = app.get(&format!("/api/v1/interactions?participant_id={kept}")).await.expect(200).body;
        assert_eq!(calls["items"][0]["id"], interaction.as_str(), "{calls}");
        assert_eq!(app.get(&format!("/api/v1/employments/{moved_job}")).await.expect(200).body["person_id"], kept.as_str());
        app.get(&format!("/api/v1/employments/{doubled}")).await.expect(404);
        let staff = app.get(&format!("/api/v1/people?organisation_id={acme}")).await.expect(200).body;
        assert_eq!(staff["items"].as_array().map(Vec::len), Some(1), "{staff}");

        // The audit trail tells what was merged into what, record by record.
        let trail = app.get(&format!("/api/v1/audit?entity_id={kept}")).await.expect(200).body;
        assert!(
            trail["items"].as_array().unwrap().iter().any(|e| e["action"] == "merge" && e["field"] == "merged_from" && e["new_value"] == duplicate.as_str()),
            "{trail}"
        );
        let trail = app.get(&format!("/api/v1/audit?entity_id={consumer_deal}")).await.expect(200).body;
        assert!(
            trail["items"].as_array().unwrap().iter().any(|e| e["action"] == "merge" && e["field"] == "counterparty_id" && e["old_value"] == duplicate.as_str()),
            "{trail}"
        );

        // The finder no longer pairs them, and the HubSpot id now finds the kept person.
        assert_eq!(app.get("/api/v1/duplicates?kind=person").await.expect(200).body["pairs"], json!([]));
        let again = app
            .post_raw("/api/v1/imports?kind=people&mode=update", "text/csv", "Record ID,First Name,Last Name,Phone Number\n777,Ann,Lee,+86 139 0000 0000\n")
            .await
            .expect(201);
        assert_eq!((again.body["updated"].as_i64(), again.body["failed"].as_i64()), (Some(1), Some(0)), "{}", again.body);
        let person = app.get(&format!("/api/v1/people/{kept}")).await.expect(200).body;
        assert_eq!(person["phones"], json!(["+8613800138000", "+8613900000000"]));
        app.post(&merge_path, &json!({ "duplicate_id": duplicate })).await.expect(404);

        // Organisations: the duplicate's staff and deals go to the one kept, its details fill gaps.
        let acme_ltd = app.post("/api/v1/organisations", &json!({ "name": "ACME Ltd", "tax_id": "91310000MA1FL0001X", "parent_id": other })).await.expect(201).id();
        let bo = app.create_person("Bo Wang").await.id();
        app.post("/api/v1/employments", &employ(&bo, &acme_ltd)).await.expect(201);
        let crm = app.post("/api/v1/deals", &json!({ "title": "CRM", "kind": "b2b", "counterparty_id": acme_ltd, "currency": "CNY" })).await.expect(201).id();
        let merged = app.post(&format!("/api/v1/organisations/{acme}/merge"), &json!({ "duplicate_id": acme_ltd })).await.expect(200).body;
        assert_eq!(merged["moved"]["employment"], 1, "{merged}");
        assert_eq!(merged["moved"]["deal"], 1, "{merged}");
        let acme_now = app.get(&format!("/api/v1/organisations/{acme}")).await.expect(200).body;
        assert_eq!((acme_now["name"].as_str(), acme_now["tax_id"].as_str()), (Some("Acme"), Some("91310000MA1FL0001X")));
        assert_eq!(acme_now["parent_id"], other.as_str());
        let staff = app.get(&format!("/api/v1/people?organisation_id={acme}")).await.expect(200).body;
        assert_eq!(staff["items"].as_array().map(Vec::len), Some(2), "{staff}");
        assert_eq!(app.get(&format!("/api/v1/deals/{crm}")).await.expect(200).body["counterparty_id"], acme.as_str());
        app.get(&format!("/api/v1/organisations/{acme_ltd}")).await.expect(404);
    }
}

const SALESFORCE_OPPORTUNITIES: &str = "Opportunity ID,Opportunity Name,Account Name,Contact,Email,Type,Stage,Amount,Currency,Close Date,Lead Source,Loss Reason\n\
006A,ERP rollout,Acme,,,,Proposal/Price Quote,\"120,000.00\",CNY,2026-12-20,Trade Show,\n\
006B,Fleet tracking,Star Logistics,,,New Business,Closed Won,\"56,000\",CNY,2026-11-01,Web,\n\
006C,Sofa,,Li Na,li.na@home.example,个人,Qualification,8800,,2026-12-05,Referral,\n\
006D,Lost one,Acme,,,,Closed Lost,100,USD,2026-10-01,,Too expensive\n\
006E,Guess,Acme,,,,Perhaps next year,100,CNY,,,\n\
006F,Lots,Acme,,,,Prospecting,lots,CNY,,,\n";

on_both_backends! {
    async fn deals_and_notes_from_a_crm_export_land_in_the_playbooks_stages(app: &TestApp) {
        let acme = app.create_organisation("Acme").await.id();
        let preview = app.post_raw("/api/v1/imports/preview?kind=deals&currency=CNY", "text/csv", SALESFORCE_OPPORTUNITIES).await.expect(200).body;
        let field_of = |header: &str| preview["columns"].as_array().unwrap().iter().find(|c| c["header"] == header).map(|c| c["field"].clone());
        assert_eq!(field_of("Stage"), Some(json!("stage")));
        assert_eq!(field_of("Account Name"), Some(json!("organisation")));
        assert_eq!(field_of("Close Date"), Some(json!("expected_close")));

        let import = app.post_raw("/api/v1/imports?kind=deals&currency=CNY", "text/csv", SALESFORCE_OPPORTUNITIES).await.expect(201).body;
        assert_eq!(counts(&import), (6, 4, 0, 0, 2), "{import}");
        let errors: Vec<(i64, String)> = import["errors"].as_array().unwrap().iter().map(|e| (e["row"].as_i64().unwrap(), e["column"].as_str().unwrap_or("").to_owned())).collect();
        assert_eq!(errors, [(6, "Stage".to_owned()), (7, "Amount".to_owned())], "{import}");
        assert!(import["errors"][0]["reason"].as_str().unwrap().contains("Proposal & negotiation"), "the playbook's stages are named: {import}");

        let deals = app.all("/api/v1/deals").await;
        let deal = |title: &str| deals.iter().find(|d| d["title"] == title).unwrap_or_else(|| panic!("{title} imported")).clone();
        let erp = deal("ERP rollout");
        assert_eq!(erp["counterparty_id"], acme.as_str(), "found by name, not made again");
        assert_eq!((erp["kind"].as_str(), erp["amount"]["amount_minor"].as_i64(), erp["amount"]["currency"].as_str()), (Some("b2b"), Some(12_000_000), Some("CNY")));
        assert_eq!(erp["expected_close"], "2026-12-20");
        assert_eq!(erp["lead_source"], "event");
        let stage_of = |deal: &Value| {
            let id = deal["stage_id"].as_str().unwrap().to_owned();
            async move { app.get("/api/v1/playbooks").await.expect(200).body.as_array().unwrap().iter().flat_map(|p| p["stages"].as_array().unwrap().clone()).find(|s| s["id"] == id.as_str()).map(|s| s["key"].as_str().unwrap().to_owned()) }
        };
        assert_eq!(stage_of(&erp).await.as_deref(), Some("b2b_proposal_negotiation"));
        let fleet = deal("Fleet tracking");
        assert_eq!((fleet["status"].as_str(), stage_of(&fleet).await.as_deref()), (Some("won"), Some("b2b_won")));
        assert_eq!(app.get(&format!("/api/v1/organisations/{}", fleet["counterparty_id"].as_str().unwrap())).await.expect(200).body["name"], "Star Logistics");
        let sofa = deal("Sofa");
        assert_eq!((sofa["kind"].as_str(), sofa["amount"]["amount_minor"].as_i64(), stage_of(&sofa).await.as_deref()), (Some("b2c"), Some(880_000), Some("b2c_qualified")));
        let li_na = app.get(&format!("/api/v1/people/{}", sofa["counterparty_id"].as_str().unwrap())).await.expect(200).body;
        assert_eq!((li_na["name"].as_str(), li_na["emails"][0].as_str()), (Some("Li Na"), Some("li.na@home.example")));
        let lost = deal("Lost one");
        assert_eq!((lost["status"].as_str(), lost["lost_reason"].as_str(), lost["amount"]["currency"].as_str()), (Some("lost"), Some("price"), Some("USD")));

        // Notes find their deal by the id it had in the other system, or their person by e-mail.
        let notes = "Opportunity ID,Email,Body,Created Date\n006A,,\"Met the CFO; budget approved\",2026-11-20 10:00\n,li.na@home.example,Prefers weekend visits,2026-11-21\n006Z,,Orphan,2026-11-22\n,,Nobody,\n";
        let noted = app.post_raw("/api/v1/imports?kind=notes", "text/csv", notes).await.expect(201).body;
        assert_eq!(counts(&noted), (4, 2, 0, 0, 2), "{noted}");
        let erp_id = erp["id"].as_str().unwrap();
        let on_erp = app.get(&format!("/api/v1/notes?subject_id={erp_id}")).await.expect(200).body;
        assert_eq!(on_erp["items"][0]["body"], "Met the CFO; budget approved");
        assert_eq!(on_erp["items"][0]["created_at"], "2026-11-20T10:00:00Z", "the note keeps its date");
        let on_li = app.get(&format!("/api/v1/notes?subject_id={}", sofa["counterparty_id"].as_str().unwrap())).await.expect(200).body;
        assert_eq!(on_li["items"].as_array().map(Vec::len), Some(1));

        // The same export again, as an update: the deal changed there changes here.
        let changed = SALESFORCE_OPPORTUNITIES.replace("\"120,000.00\"", "\"150,000.00\"").replace("Proposal/Price Quote", "Contract Sent");
        let again = app.post_raw("/api/v1/imports?kind=deals&mode=update&currency=CNY", "text/csv", changed).await.expect(201).body;
        assert_eq!(counts(&again), (6, 0, 1, 4, 1), "{again}");
        assert_eq!(again["skipped_because"], json!({ "matches no record": 1, "unchanged": 3 }));
        let erp_now = app.get(&format!("/api/v1/deals/{erp_id}")).await.expect(200).body;
        assert_eq!(erp_now["amount"]["amount_minor"], 15_000_000);
        assert_eq!(stage_of(&erp_now).await.as_deref(), Some("b2b_company_contract"));
        let history = app.get(&format!("/api/v1/deals/{erp_id}/transitions")).await.expect(200).body;
        assert!(history.to_string().matches("import:").count() == 2, "the import's moves are told apart: {history}");

        // Reverting the deals removes them and the parties made for them, not Acme.
        let id = import["id"].as_str().unwrap();
        let reverted = app.post(&format!("/api/v1/imports/{id}/revert"), &json!({})).await.expect(200).body;
        assert_eq!(reverted["report"]["removed"]["deal"], 4, "{reverted}");
        assert_eq!(reverted["report"]["removed"]["organisation"], 1, "{reverted}");
        assert_eq!(reverted["report"]["removed"]["person"], 1, "{reverted}");
        app.get(&format!("/api/v1/deals/{erp_id}")).await.expect(404);
        app.get(&format!("/api/v1/organisations/{acme}")).await.expect(200);

        // A stage name Closer does not know is mapped by hand; a key no playbook has is refused.
        let custom = "Opportunity ID,Opportunity Name,Account Name,Stage,Amount\n007A,Pilot,Acme,Verbal yes,100\n";
        let stages = urlencode(r#"{"Verbal yes":"b2b_company_contract"}"#);
        let mapped = app.post_raw(&format!("/api/v1/imports?kind=deals&currency=CNY&stages={stages}"), "text/csv", custom).await.expect(201).body;
        assert_eq!(counts(&mapped), (1, 1, 0, 0, 0), "{mapped}");
        let pilot = app.all("/api/v1/deals").await.into_iter().find(|d| d["title"] == "Pilot").expect("the pilot");
        assert_eq!(stage_of(&pilot).await.as_deref(), Some("b2b_company_contract"));
        let wrong = urlencode(r#"{"Verbal yes":"b2b_handshake"}"#);
        app.post_raw(&format!("/api/v1/imports?kind=deals&currency=CNY&stages={wrong}"), "text/csv", custom).await.expect_field_error(422, "stages.Verbal yes");
        app.post_raw("/api/v1/imports?kind=deals&currency=CNY&stages=nope", "text/csv", custom).await.expect_field_error(422, "stages");

        // Bad requests: an unknown currency, a file without names.
        app.post_raw("/api/v1/imports?kind=deals&currency=XYZ", "text/csv", SALESFORCE_OPPORTUNITIES).await.expect_field_error(422, "currency");
        app.post_raw("/api/v1/imports?kind=deals", "text/csv", "Colour,Size\nred,big\n").await.expect_field_error(422, "mapping");
        app.post_raw("/api/v1/imports?kind=notes", "text/csv", "Deal ID,Date\n1,2026-01-01\n").await.expect_field_error(422, "mapping");
    }
}
