//! Signing in and out, sessions, CSRF, throttling, passwords, disabled users, response headers
//! and protected fields.

use reqwest::Method;
use serde_json::json;

use crate::support::{ADMIN_EMAIL, ADMIN_PASSWORD, Auth, on_both_backends};

fn cookie_of(auth: &Auth) -> String {
    match auth {
        Auth::Session { cookie, .. } => cookie.clone(),
        _ => panic!("not a session"),
    }
}

on_both_backends! {
    async fn sessions_start_rotate_and_really_end(app: &TestApp) {
        let nobody = Auth::Nobody;
        let anonymous = app.as_(&nobody);
        let wrong = anonymous.post("/api/v1/session", &json!({ "email": ADMIN_EMAIL, "password": "not it at all" })).await.expect(401);
        let unknown = anonymous.post("/api/v1/session", &json!({ "email": "nobody@example.com", "password": "not it at all" })).await.expect(401);
        assert_eq!(wrong.body["detail"], unknown.body["detail"], "unknown accounts are not told apart");
        assert_eq!(wrong.header("www-authenticate"), Some("Bearer realm=\"closer\""));
        anonymous.get("/api/v1/deals").await.expect(401);
        anonymous.post("/api/v1/session", &json!({ "email": ADMIN_EMAIL })).await.expect_field_error(422, "password");

        let answer = anonymous.post("/api/v1/session", &json!({ "email": "Admin@Test.Example", "password": ADMIN_PASSWORD })).await.expect(201);
        let set_cookie = answer.header("set-cookie").expect("a cookie").to_owned();
        assert!(set_cookie.starts_with("__Host-closer_session="), "{set_cookie}");
        for attribute in ["Path=/", "HttpOnly", "SameSite=Lax", "Secure"] {
            assert!(set_cookie.contains(attribute), "{attribute} in {set_cookie}");
        }
        let secret = set_cookie.split(';').next().and_then(|c| c.split_once('=')).map(|(_, v)| v.to_owned()).expect("value");
        assert_eq!(secret.len(), 64, "256 random bits");
        assert_eq!(answer.body["user"]["email"], ADMIN_EMAIL);

        // A session id planted before sign-in is never adopted; each sign-in gets a new one.
        let planted = Auth::Session { cookie: "__Host-closer_session=planted-by-attacker".into(), csrf: String::new() };
        app.as_(&planted).get("/api/v1/session").await.expect(401);
        let first = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let second = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_ne!(cookie_of(&first), cookie_of(&second));
        assert_ne!(cookie_of(&first), "__Host-closer_session=planted-by-attacker");
        let me = app.as_(&first).get("/api/v1/session").await.expect(200);
        assert_eq!(me.body["via"], "session");

        let out = app.as_(&first).send(Method::DELETE, "/api/v1/session", None, &[]).await.expect(204);
        assert!(out.header("set-cookie").is_some_and(|c| c.contains("Max-Age=0")));
        app.as_(&first).get("/api/v1/session").await.expect(401);
        app.as_(&second).get("/api/v1/session").await.expect(200);
        app.send(Method::DELETE, "/api/v1/session", None, &[]).await.expect(409);
    }

    async fn idle_and_old_sessions_end(app: &TestApp) {
        let idle = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let old = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let fresh = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        // Age the sessions as a day of silence and two weeks of use would.
        let hash = |auth: &Auth| closer_web::app::auth::secret_hash(cookie_of(auth).split_once('=').map(|(_, v)| v).unwrap_or(""));
        let (idle_hash, old_hash) = (hash(&idle), hash(&old));
        let day_ago = time::OffsetDateTime::now_utc() - time::Duration::hours(25);
        let weeks_ago = time::OffsetDateTime::now_utc() - time::Duration::days(15);
        match &app.db {
            closer_store::Db::Sqlite(closer_store::SqliteDb { pool, .. }) => {
                sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?").bind(day_ago).bind(&idle_hash).execute(pool).await.expect("age");
                sqlx::query("UPDATE sessions SET expires_at = ? WHERE token_hash = ?").bind(weeks_ago).bind(&old_hash).execute(pool).await.expect("age");
            }
            closer_store::Db::Postgres(pool) => {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2").bind(day_ago).bind(&idle_hash).execute(pool).await.expect("age");
                sqlx::query("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2").bind(weeks_ago).bind(&old_hash).execute(pool).await.expect("age");
            }
        }
        app.as_(&idle).get("/api/v1/session").await.expect(401);
        app.as_(&old).get("/api/v1/session").await.expect(401);
        app.as_(&fresh).get("/api/v1/session").await.expect(200);
    }

    async fn idempotency_keys_belong_to_their_client(app: &TestApp) {
        let (_, other) = app.user("other@example.com", "member").await;
        let key = [("idempotency-key", "shared-key")];
        let mine = app.send(Method::POST, "/api/v1/people", Some(&json!({ "name": "Mine" })), &key).await.expect(201);
        let theirs = app.as_(&other).send(Method::POST, "/api/v1/people", Some(&json!({ "name": "Theirs" })), &key).await.expect(201);
        assert_ne!(mine.id(), theirs.id());
        assert!(theirs.header("idempotent-replayed").is_none());
    }

    async fn cookie_writes_need_the_csrf_token(app: &TestApp) {
        let session = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let Auth::Session { cookie, csrf } = &session else { unreachable!("a session") };
        let body = json!({ "name": "Forged" });
        let send = |headers: Vec<(&'static str, String)>| {
            let mut request = app.client.post(format!("{}/api/v1/people", app.base)).json(&body).header("cookie", cookie.clone());
            for (name, value) in headers {
                request = request.header(name, value);
            }
            async move { request.send().await.expect("sent").status().as_u16() }
        };
        assert_eq!(send(vec![]).await, 403);
        assert_eq!(send(vec![("x-csrf-token", "0".repeat(64))]).await, 403);
        assert_eq!(send(vec![("x-csrf-token", csrf.clone()), ("sec-fetch-site", "cross-site".into())]).await, 403);
        assert!(app.all("/api/v1/people").await.is_empty(), "no refused request wrote anything");
        assert_eq!(send(vec![("x-csrf-token", csrf.clone()), ("sec-fetch-site", "same-origin".into())]).await, 201);
        let read = app.client.get(format!("{}/api/v1/people", app.base)).header("cookie", cookie.clone()).send().await.expect("sent");
        assert_eq!(read.status(), 200, "reads need no token");
    }

    async fn sign_in_failures_lock_the_account_for_a_while(app: &TestApp) {
        app.user("target@example.com", "member").await;
        app.user("bystander@example.com", "member").await;
        let nobody = Auth::Nobody;
        for _ in 0..10 {
            app.as_(&nobody).post("/api/v1/session", &json!({ "email": "target@example.com", "password": "guess guess guess" })).await.expect(401);
        }
        let locked = app.as_(&nobody).post("/api/v1/session", &json!({ "email": "TARGET@example.com", "password": ADMIN_PASSWORD })).await.expect(429);
        let retry: i64 = locked.header("retry-after").and_then(|v| v.parse().ok()).expect("Retry-After seconds");
        assert!((1..=900).contains(&retry), "{retry}");
        // Another account from the same address still signs in.
        app.sign_in("bystander@example.com", ADMIN_PASSWORD).await;
    }

    async fn passwords_are_argon2id_and_checked(app: &TestApp) {
        let make = |password: &str| json!({ "email": "p@example.com", "display_name": "P", "role": "member", "password": password });
        app.post("/api/v1/users", &make("short1!")).await.expect_field_error(422, "password");
        app.post("/api/v1/users", &make("password123")).await.expect_field_error(422, "password");
        app.post("/api/v1/users", &make(&"Zq9".repeat(43))).await.expect_field_error(422, "password");
        let long = format!("{}x", "pale-violet rain over the old harbour at dusk ".repeat(2)).chars().take(73).collect::<String>();
        app.post("/api/v1/users", &make(&long)).await.expect(201);
        let mut near = long.clone();
        near.pop();
        near.push('y');
        app.as_(&Auth::Nobody).post("/api/v1/session", &json!({ "email": "p@example.com", "password": near })).await.expect(401);
        let session = app.sign_in("p@example.com", &long).await;

        let hashes: Vec<String> = match &app.db {
            closer_store::Db::Sqlite(closer_store::SqliteDb { pool, .. }) => sqlx::query_scalar("SELECT password_hash FROM users").fetch_all(pool).await.expect("hashes"),
            closer_store::Db::Postgres(pool) => sqlx::query_scalar("SELECT password_hash FROM users").fetch_all(pool).await.expect("hashes"),
        };
        assert!(!hashes.is_empty());
        for hash in hashes {
            assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        }

        let change = |current: &str, new: &str| json!({ "current_password": current, "new_password": new });
        app.as_(&session).post("/api/v1/session/password", &change("wrong", "a different long passphrase")).await
            .expect_field_error(422, "current_password");
        app.as_(&session).post("/api/v1/session/password", &change(&long, "a different long passphrase")).await.expect(204);
        app.as_(&session).get("/api/v1/session").await.expect(401);
        app.sign_in("p@example.com", "a different long passphrase").await;
    }

    async fn a_disabled_user_loses_every_session_and_token(app: &TestApp) {
        let (id, token) = app.user("leaver@example.com", "member").await;
        let session = app.sign_in("leaver@example.com", ADMIN_PASSWORD).await;
        app.as_(&token).get("/api/v1/deals").await.expect(200);
        app.patch(&format!("/api/v1/users/{id}"), "*", &json!({ "disabled": true })).await.expect(200);
        app.as_(&token).get("/api/v1/deals").await.expect(401);
        app.as_(&session).get("/api/v1/deals").await.expect(401);
        app.as_(&Auth::Nobody).post("/api/v1/session", &json!({ "email": "leaver@example.com", "password": ADMIN_PASSWORD })).await.expect(401);
        app.patch(&format!("/api/v1/users/{id}"), "*", &json!({ "disabled": false })).await.expect(200);
        app.as_(&token).get("/api/v1/deals").await.expect(401);
        app.sign_in("leaver@example.com", ADMIN_PASSWORD).await;

        // The workspace keeps at least one active administrator.
        let admin_id = app.get("/api/v1/session").await.body["user"]["id"].as_str().expect("id").to_owned();
        app.patch(&format!("/api/v1/users/{admin_id}"), "*", &json!({ "role": "member" })).await.expect(409);
        app.patch(&format!("/api/v1/users/{admin_id}"), "*", &json!({ "disabled": true })).await.expect(409);
    }

    async fn every_response_carries_the_security_headers(app: &TestApp) {
        let nobody = Auth::Nobody;
        let answers = [
            app.get("/api/v1/deals").await,
            app.get("/api/v1/deals/not-an-id").await,
            app.as_(&nobody).get("/api/v1/deals").await,
            app.post("/api/v1/people", &json!({})).await,
            app.get("/healthz").await,
        ];
        for answer in &answers {
            let csp = answer.header("content-security-policy").unwrap_or_default();
            assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline'; object"), "{csp}");
            assert!(!csp.contains("script-src 'self' 'unsafe-inline'"));
            assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
            assert_eq!(answer.header("referrer-policy"), Some("no-referrer"));
            assert_eq!(answer.header("cache-control"), Some("no-store"));
            assert!(answer.header("strict-transport-security").is_none(), "no HSTS over plain HTTP");
            let timing = answer.header("server-timing").unwrap_or_default();
            let milliseconds: f64 = timing.strip_prefix("app;dur=").and_then(|d| d.parse().ok()).unwrap_or(-1.0);
            assert!(milliseconds >= 0.0, "the server says how long it took: {timing}");
        }
        let docs = app.client.get(format!("{}/api/docs/", app.base)).send().await.expect("docs");
        assert!(docs.headers().get("content-security-policy").is_some());
        let over_tls = app.send(Method::GET, "/healthz", None, &[("x-forwarded-proto", "https")]).await;
        assert!(over_tls.header("strict-transport-security").is_some_and(|h| h.contains("max-age=31536000")));
        app.send(Method::TRACE, "/api/v1/deals", None, &[]).await.expect(405);
        assert!(answers[0].header("server").is_none(), "no version banner");
    }

    async fn protected_fields_cannot_be_written(app: &TestApp) {
        let person = app.create_person("Ann").await;
        let organisation = app.create_organisation("Acme").await;
        let deal = app
            .post("/api/v1/deals", &json!({ "title": "x", "kind": "b2c", "counterparty_id": person.id(), "currency": "USD" }))
            .await
            .expect(201);
        let protected = [
            ("id", json!("0192f0c1-0000-7000-8000-000000000000")),
            ("owner_id", json!("0192f0c1-0000-7000-8000-000000000000")),
            ("team_id", json!("0192f0c1-0000-7000-8000-000000000000")),
            ("version", json!(99)),
            ("created_at", json!("2020-01-01T00:00:00Z")),
            ("updated_at", json!("2020-01-01T00:00:00Z")),
            ("deleted_at", json!("2020-01-01T00:00:00Z")),
            ("status", json!("won")),
            ("stage_id", json!("0192f0c1-0000-7000-8000-000000000000")),
            ("role", json!("admin")),
            ("password_hash", json!("x")),
            ("record_type", json!("contact")),
        ];
        let routes = [
            (format!("/api/v1/people/{}", person.id()), json!({ "name": "Ann" })),
            (format!("/api/v1/organisations/{}", organisation.id()), json!({ "name": "Acme" })),
            (format!("/api/v1/deals/{}", deal.id()), json!({ "title": "x" })),
        ];
        for (path, base) in routes {
            let before = app.get(&path).await.body;
            for (field, value) in &protected {
                let mut body = base.clone();
                body[*field] = value.clone();
                app.patch(&path, "*", &body).await.expect_field_error(422, field);
                let collection = path.rsplit_once('/').map(|(c, _)| c).expect("collection");
                app.post(collection, &body).await.expect(422);
            }
            assert_eq!(app.get(&path).await.body, before, "{path} unchanged");
        }
        let admin_id = app.get("/api/v1/session").await.body["user"]["id"].as_str().expect("id").to_owned();
        app.patch(&format!("/api/v1/users/{admin_id}"), "*", &json!({ "password_hash": "x" })).await.expect_field_error(422, "password_hash");
    }
}
