//! What each user chooses for themselves: the language of the pages and the time zone their
//! meetings are typed and shown in.

use askama::Template;
use axum::Form;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::user::{Language, Preferences};
use closer_domain::zone::Zone;

use super::{Chrome, FormValues, Viewer, refusal_message, render, see_other};
use crate::app::{admin, relationships};

#[derive(Template)]
#[template(path = "preferences.html")]
struct PreferencesPage {
    chrome: Chrome,
    /// `en`, `zh`, or empty (follow the browser).
    language: String,
    time_zone: String,
    zones: Vec<String>,
    /// The user's own connections may be a warm path for colleagues.
    shares_connections: bool,
    refusal: Option<String>,
}

pub async fn show(viewer: Viewer) -> Response {
    match admin::get_user(&viewer.ctx, viewer.ctx.actor()).await {
        Ok(me) => {
            let language = me.language.map(|l| l.as_str().to_owned()).unwrap_or_default();
            let time_zone = me.time_zone.unwrap_or_else(|| "UTC".to_owned());
            page(viewer, language, time_zone, None, StatusCode::OK).await
        }
        Err(e) => crate::api::problem::Problem::from(e).into_response(),
    }
}

async fn page(
    viewer: Viewer,
    language: String,
    time_zone: String,
    refusal: Option<String>,
    status: StatusCode,
) -> Response {
    let shares_connections = match relationships::shares(&viewer.ctx).await {
        Ok(shares) => shares,
        Err(e) => return crate::api::problem::Problem::from(e).into_response(),
    };
    render(
        &PreferencesPage {
            chrome: viewer.chrome,
            language,
            time_zone,
            zones: Zone::all_names(),
            shares_connections,
            refusal,
        },
        status,
    )
}

/// Says whether the user's own connections may be a warm path for colleagues.
pub async fn save_sharing(viewer: Viewer, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    match relationships::set_sharing(&viewer.ctx, kept.has("shares_connections", "on")).await {
        Ok(_) => see_other("/preferences".to_owned()),
        Err(e) => crate::api::problem::Problem::from(e).into_response(),
    }
}

pub async fn save(viewer: Viewer, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let language = match kept.get("language") {
        "" => None,
        code => match Language::parse(code) {
            Ok(language) => Some(language),
            Err(message) => {
                let refusal = Some(format!("language: {message}"));
                let (language, zone) = (kept.get("language").to_owned(), kept.get("time_zone").to_owned());
                return page(viewer, language, zone, refusal, StatusCode::UNPROCESSABLE_ENTITY).await;
            }
        },
    };
    let preferences = Preferences {
        language,
        time_zone: Some(kept.get("time_zone").to_owned()).filter(|z| !z.trim().is_empty()),
    };
    match admin::set_own_preferences(&viewer.ctx, &preferences).await {
        Ok(_) => see_other("/preferences".to_owned()),
        Err(e) => match refusal_message(&viewer.chrome, &e) {
            Some((status, message)) => {
                let (language, zone) = (kept.get("language").to_owned(), kept.get("time_zone").to_owned());
                page(viewer, language, zone, Some(message), status).await
            }
            None => crate::api::problem::Problem::from(e).into_response(),
        },
    }
}
