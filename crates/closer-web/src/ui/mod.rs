//! The web application: server-rendered pages (askama) over the same use cases as the API, in
//! English and Chinese. Pages sign in with the session cookie and send their CSRF token as a
//! hidden form field; the CSP forbids inline script, so behaviour lives in `/assets`.

mod activity_forms;
mod approval_settings;
mod approvals;
mod board;
mod call_console;
mod contract_forms;
mod deal;
mod deal_form;
mod deal_panels;
mod duplicate_pages;
mod i18n;
mod import_pages;
mod introductions;
mod invoice_forms;
mod meeting_forms;
mod my_day;
mod parties;
mod party_forms;
mod playbook_settings;
mod preferences;
mod promotion_pages;
mod quote_forms;
mod receivables;
mod settings;
mod stage_forms;
mod warm_paths;

use askama::Template;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{AppendHeaders, Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use closer_domain::zone::Zone;
use serde::Deserialize;

pub use i18n::Locale;

use crate::api::AppState;
use crate::api::extract::{ClientAddress, PLAIN_SESSION_COOKIE, SECURE_SESSION_COOKIE, context_for, cookie};
use crate::api::session::{secure_context, session_cookie};
use crate::app::auth::{self, Authenticated, LoginError, SESSION_ABSOLUTE};
use crate::app::{self, Ctx};

/// The cookie that carries the sign-in form's anti-forgery token until the visitor signs in.
const LOGIN_COOKIE: &str = "closer_login";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/my-day") }))
        .route("/my-day", get(my_day::show))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/language", post(choose_language))
        .route("/board", get(board::show))
        .route("/approvals", get(approvals::show))
        .route("/approvals/{id}", post(approvals::decide))
        .route(
            "/promotions",
            get(promotion_pages::show).post(promotion_pages::add_promotion),
        )
        .route("/promotions/{id}/status", post(promotion_pages::set_status))
        .route("/promotion-campaigns", post(promotion_pages::add_campaign))
        .route("/people", get(parties::people).post(party_forms::create_person))
        .route("/people/new", get(party_forms::new_person))
        .route("/data", get(import_pages::show))
        .route(
            "/data/imports",
            post(import_pages::upload).layer(axum::extract::DefaultBodyLimit::max(
                crate::api::imports::IMPORT_BODY_LIMIT,
            )),
        )
        .route("/data/imports/{id}", get(import_pages::show_import))
        .route("/data/imports/{id}/revert", post(import_pages::revert))
        .route("/duplicates", get(duplicate_pages::show))
        .route("/duplicates/merge", post(duplicate_pages::merge))
        .route(
            "/organisations",
            get(parties::organisations).post(party_forms::create_organisation_form),
        )
        .route("/organisations/new", get(party_forms::new_organisation))
        .route("/people/{id}", get(parties::person))
        .route(
            "/people/{id}/employments",
            get(party_forms::new_employment).post(party_forms::add_employment),
        )
        .route("/preferences", get(preferences::show).post(preferences::save))
        .route("/preferences/connection-sharing", post(preferences::save_sharing))
        .route("/introductions", get(introductions::show).post(introductions::ask))
        .route("/calls", get(call_console::list))
        .route("/calls/{id}", get(call_console::show))
        .route("/calls/{id}/metrics", get(call_console::metrics))
        .route("/calls/{id}/next", post(call_console::next))
        .route("/calls/{id}/list", post(call_console::add_list))
        .route("/calls/{id}/entries/{entry}", post(call_console::dispose))
        .route("/introductions/{id}/{step}", post(introductions::step))
        .route("/settings", get(settings::show))
        .route(
            "/settings/playbooks/{id}",
            get(playbook_settings::edit).post(playbook_settings::save),
        )
        .route(
            "/settings/approval-matrix",
            get(approval_settings::show).post(approval_settings::save),
        )
        .route("/settings/users", post(settings::add_user))
        .route("/settings/users/{id}", post(settings::update_user))
        .route(
            "/settings/users/{id}/approver-roles",
            post(settings::set_approver_roles),
        )
        .route("/settings/teams", post(settings::add_team))
        .route("/settings/teams/{id}", post(settings::rename_team))
        .route("/settings/teams/{id}/members", post(settings::set_member))
        .route(
            "/settings/teams/{team}/members/{user}/remove",
            post(settings::remove_member),
        )
        .route("/organisations/{id}", get(parties::organisation))
        .route("/parties/{id}/billing", post(parties::save_billing))
        .route("/deals", post(deal_form::create))
        .route("/deals/new", get(deal_form::new_deal))
        .route("/deals/{id}", get(deal::show))
        .route("/deals/{id}/move", post(board::move_card))
        .route("/deals/{id}/recommendations", post(deal::decide))
        .route("/deals/{id}/stakeholders", post(deal::add_stakeholder))
        .route("/deals/{id}/endorsements", post(deal::endorse))
        .route(
            "/deals/{deal}/stakeholders/{stakeholder}",
            post(deal_panels::update_stakeholder),
        )
        .route("/deals/{id}/details", post(deal_panels::edit_details))
        .route("/deals/{id}/team", post(deal_panels::add_member))
        .route("/tasks/{id}/done", post(deal_panels::toggle_task))
        .route("/deals/{id}/meetings", post(meeting_forms::plan))
        .route("/deals/{id}/notes", post(activity_forms::add_note))
        .route("/deals/{id}/stage", post(stage_forms::move_deal))
        .route("/deals/{id}/tasks", post(activity_forms::add_task))
        .route("/deals/{deal}/meetings/{meeting}/log", post(meeting_forms::log))
        .route("/deals/{id}/quotes", post(quote_forms::start))
        .route("/deals/{deal}/quotes/{quote}", post(quote_forms::act))
        .route("/deals/{deal}/quotes/{quote}/lines", post(quote_forms::add_line))
        .route("/deals/{deal}/quotes/{quote}/promotions", post(quote_forms::set_codes))
        .route("/deals/{id}/invoices", post(invoice_forms::schedule))
        .route("/deals/{deal}/invoices/{invoice}", post(invoice_forms::act))
        .route("/deals/{deal}/payments/{payment}", post(invoice_forms::act_on_payment))
        .route("/receivables", get(receivables::show))
        .route("/deals/{id}/contracts", post(contract_forms::start))
        .route("/deals/{deal}/contracts/{contract}", post(contract_forms::act))
        .route(
            "/deals/{deal}/contracts/{contract}/steps/{index}",
            post(contract_forms::decide_step),
        )
        .route("/assets/{*path}", get(asset))
        .layer(axum::middleware::from_fn(keep_address))
}

/// Pages move through htmx (`hx-boost`), which puts the address of each answer in the browser's
/// bar. A form answered with a page (refused, shown again in place) must not put its own address
/// there: reloading it would ask for a page that only takes forms. A redirect after a form ends
/// on a page of its own, whose address is right.
async fn keep_address(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let sent_a_form = !matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD);
    let mut response = next.run(request).await;
    if sent_a_form && !response.status().is_redirection() {
        response
            .headers_mut()
            .insert("hx-push-url", HeaderValue::from_static("false"));
    }
    response
}

/// What the frame of every page needs: the language, and who is signed in.
#[derive(Clone)]
pub struct Chrome {
    pub locale: Locale,
    /// Administrators see the settings in the menu.
    pub admin: bool,
    pub user_name: Option<String>,
    pub csrf_token: String,
    /// The path of the page, so the language switch returns to it.
    pub here: String,
    /// The viewer's time zone: times are typed and shown on its clocks.
    pub zone: Zone,
}

impl Chrome {
    pub fn text(&self, key: &str) -> &'static str {
        self.locale.text(key)
    }

    /// The day of an instant, on the viewer's clocks, in their language.
    pub fn day(&self, at: time::OffsetDateTime) -> String {
        self.locale.date(self.zone.local(at).date())
    }

    /// The day and time of an instant, on the viewer's clocks.
    pub fn day_and_time(&self, at: time::OffsetDateTime) -> String {
        let local = self.zone.local(at);
        format!(
            "{} {:02}:{:02}",
            self.locale.date(local.date()),
            local.hour(),
            local.minute()
        )
    }
}

/// A date typed into a form (`YYYY-MM-DD`, as date pickers send it); the error names `what`.
fn form_date(text: &str, what: &str) -> Result<time::Date, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text.trim(), format).map_err(|_| format!("give the {what} as YYYY-MM-DD"))
}

/// After a form did its work: on to `path` (303, so a reload does not send the form again).
fn see_other(path: String) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, path)]).into_response()
}

/// What to tell someone whose form a use case refused, with the status to answer; `None` for
/// failures that are not theirs to fix (answered as a problem).
fn refusal_message(chrome: &Chrome, error: &app::AppError) -> Option<(StatusCode, String)> {
    use app::AppError;
    let said = |status, key: &str| Some((status, chrome.text(key).to_owned()));
    match error {
        AppError::Invalid(errors) | AppError::MissingReference(errors) => {
            let message = errors
                .0
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ");
            Some((StatusCode::UNPROCESSABLE_ENTITY, message))
        }
        AppError::Conflict(message) => Some((StatusCode::CONFLICT, message.clone())),
        AppError::StaleVersion { .. } => said(StatusCode::CONFLICT, "error.stale"),
        AppError::GateBlocked(_) => said(StatusCode::CONFLICT, "board.move_blocked"),
        AppError::Forbidden(_) => said(StatusCode::FORBIDDEN, "error.forbidden"),
        AppError::NotFound { .. } | AppError::Deleted { .. } => said(StatusCode::NOT_FOUND, "error.not_found"),
        AppError::Store(_) => None,
    }
}

/// A name in the viewer's language: the translation of `key` while the name is still the
/// default one (the default playbooks and their stages), else the name an admin gave it.
fn translated(chrome: &Chrome, key: &str, name: &str) -> String {
    if Locale::En.text(key) != name {
        return name.to_owned();
    }
    chrome.text(key).to_owned()
}

/// The fields of a posted form, in order, repeated names included (checkbox groups), so a form
/// refused by the server can be shown again as it was filled in.
#[derive(Debug, Default, Clone)]
pub struct FormValues(pub Vec<(String, String)>);

impl FormValues {
    /// The first value of `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str())
    }

    /// Every value of `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Was `value` among the values of `name` (a ticked checkbox, a chosen option)?
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.all(name).any(|v| v == value)
    }
}

/// A signed-in visitor of a page. Without a live session the page answers with a redirect to
/// the sign-in form.
pub struct Viewer {
    pub ctx: Ctx,
    pub auth: Authenticated,
    pub chrome: Chrome,
}

impl Viewer {
    /// The refusal of a form that does not carry this session's CSRF token.
    fn refuse_forged(&self, sent: &str) -> Option<Response> {
        let expected = self.auth.csrf_token.as_deref().unwrap_or("");
        (expected.is_empty() || !auth::same_secret(sent, expected))
            .then(|| error_page(&self.chrome, StatusCode::FORBIDDEN, "error.forged_form"))
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let to_login = || Redirect::to("/login").into_response();
        let Some(secret) = session_secret(&parts.headers) else {
            return Err(to_login());
        };
        let auth = match auth::authenticate_session(&state.db, secret).await {
            Ok(Some(auth)) => auth,
            Ok(None) => return Err(to_login()),
            Err(e) => return Err(crate::api::problem::Problem::from(e).into_response()),
        };
        let ctx = context_for(state, &auth, &parts.headers)
            .await
            .map_err(IntoResponse::into_response)?;
        let user = app::admin::get_user(&ctx, ctx.actor())
            .await
            .map_err(|e| crate::api::problem::Problem::from(e).into_response())?;
        // The user's own choice wins over the browser's.
        let locale = user
            .language
            .map_or_else(|| Locale::negotiate(&parts.headers), Locale::chosen);
        let zone = user
            .time_zone
            .as_deref()
            .and_then(|name| Zone::named(name).ok())
            .unwrap_or_default();
        let chrome = Chrome {
            zone,
            locale,
            admin: ctx.principal.is_admin(),
            user_name: Some(user.display_name),
            csrf_token: auth.csrf_token.clone().unwrap_or_default(),
            here: parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_owned(),
        };
        Ok(Viewer { ctx, auth, chrome })
    }
}

fn session_secret(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, SECURE_SESSION_COOKIE).or_else(|| cookie(headers, PLAIN_SESSION_COOKIE))
}

/// Renders a page; a template that fails to render is a bug, answered as a plain 500.
fn render(template: &impl Template, status: StatusCode) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be rendered").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: &'a Chrome,
    message: &'static str,
}

fn error_page(chrome: &Chrome, status: StatusCode, key: &str) -> Response {
    render(
        &ErrorPage {
            chrome,
            message: chrome.text(key),
        },
        status,
    )
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    email: String,
    error: Option<&'static str>,
    login_token: String,
}

/// Renders the sign-in form with a fresh anti-forgery token in a cookie and in the form.
fn login_form(headers: &HeaderMap, email: String, error: Option<&str>, status: StatusCode) -> Response {
    let locale = Locale::negotiate(headers);
    let Ok(login_token) = auth::random_secret() else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "no randomness available").into_response();
    };
    let chrome = Chrome {
        zone: Zone::default(),
        locale,
        admin: false,
        user_name: None,
        csrf_token: String::new(),
        here: "/login".into(),
    };
    let page = LoginPage {
        error: error.map(|key| locale.text(key)),
        chrome,
        email,
        login_token: login_token.clone(),
    };
    let mut response = render(&page, status);
    let secure = if secure_context(headers) { "; Secure" } else { "" };
    let cookie = format!("{LOGIN_COOKIE}={login_token}; Path=/login; HttpOnly; SameSite=Strict{secure}");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

async fn login_page(headers: HeaderMap) -> Response {
    login_form(&headers, String::new(), None, StatusCode::OK)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    login_token: String,
}

async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    let cross_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site");
    if cross_site || expected.is_empty() || !auth::same_secret(&form.login_token, expected) {
        return login_form(&headers, form.email, Some("login.expired"), StatusCode::FORBIDDEN);
    }
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok());
    let workspace = state.installation.workspace;
    let session = match auth::login(
        &state.db,
        workspace,
        &form.email,
        &form.password,
        address.as_deref(),
        agent,
    )
    .await
    {
        Ok(session) => session,
        Err(LoginError::Rejected) => {
            return login_form(&headers, form.email, Some("login.rejected"), StatusCode::UNAUTHORIZED);
        }
        Err(LoginError::Throttled(seconds)) => {
            let mut response = login_form(
                &headers,
                form.email,
                Some("login.throttled"),
                StatusCode::TOO_MANY_REQUESTS,
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            return response;
        }
        Err(LoginError::App(e)) => return crate::api::problem::Problem::from(e).into_response(),
    };
    let session_cookie = session_cookie(&headers, &session.secret, SESSION_ABSOLUTE.whole_seconds());
    let spent_login_cookie = format!("{LOGIN_COOKIE}=; Path=/login; Max-Age=0");
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, "/my-day".to_owned())],
        AppendHeaders([
            (header::SET_COOKIE, session_cookie),
            (header::SET_COOKIE, spent_login_cookie),
        ]),
    )
        .into_response()
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf_token: String,
}

async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    if let Some(refused) = viewer.refuse_forged(&form.csrf_token) {
        return refused;
    }
    if let Some(hash) = viewer.auth.session_hash.as_deref()
        && let Err(e) = auth::logout(&state.db, hash).await
    {
        return crate::api::problem::Problem::from(e).into_response();
    }
    let ended = session_cookie(&headers, "", 0);
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, "/login".to_owned()), (header::SET_COOKIE, ended)],
    )
        .into_response()
}

#[derive(Deserialize)]
struct LanguageForm {
    lang: String,
    #[serde(default)]
    back: String,
    #[serde(default)]
    csrf_token: String,
}

/// Keeps the chosen language in a cookie and, for a signed-in user whose form carries the
/// session's token, in their preferences; then returns to the page it was chosen on.
async fn choose_language(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LanguageForm>,
) -> Response {
    let Some(locale) = Locale::from_tag(&form.lang) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "unknown language").into_response();
    };
    if let Err(e) = remember_language(&state, &headers, &form.csrf_token, locale).await {
        return crate::api::problem::Problem::from(e).into_response();
    }
    // Only paths of this site, so the switch cannot be used to send people elsewhere.
    let back = if form.back.starts_with('/') && !form.back.starts_with("//") && !form.back.contains('\\') {
        form.back
    } else {
        "/".to_owned()
    };
    let secure = if secure_context(&headers) { "; Secure" } else { "" };
    let cookie = format!(
        "{}={}; Path=/; Max-Age=31536000; SameSite=Lax{secure}",
        i18n::LANGUAGE_COOKIE,
        locale.tag()
    );
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, back), (header::SET_COOKIE, cookie)],
    )
        .into_response()
}

/// Stores the language in the signed-in user's preferences; without a session or with a token
/// that is not the session's, the cookie alone keeps it.
async fn remember_language(state: &AppState, headers: &HeaderMap, sent: &str, locale: Locale) -> app::AppResult<()> {
    let Some(secret) = session_secret(headers) else {
        return Ok(());
    };
    let Some(auth) = auth::authenticate_session(&state.db, secret).await? else {
        return Ok(());
    };
    let expected = auth.csrf_token.as_deref().unwrap_or("");
    if expected.is_empty() || !auth::same_secret(sent, expected) {
        return Ok(());
    }
    let ctx = match context_for(state, &auth, headers).await {
        Ok(ctx) => ctx,
        Err(_) => return Ok(()),
    };
    let me = app::admin::get_user(&ctx, ctx.actor()).await?;
    let preferences = closer_domain::user::Preferences {
        language: Some(locale.language()),
        time_zone: me.time_zone,
    };
    app::admin::set_own_preferences(&ctx, &preferences).await.map(|_| ())
}

/// The stylesheet, scripts and icons, compiled into the binary.
#[derive(rust_embed::Embed)]
#[folder = "assets/"]
struct Assets;

async fn asset(Path(path): Path<String>) -> Response {
    match Assets::get(&path) {
        Some(file) => (
            [
                (header::CONTENT_TYPE, file.metadata.mimetype().to_owned()),
                (header::CACHE_CONTROL, "public, max-age=3600".to_owned()),
            ],
            file.data.into_owned(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}
