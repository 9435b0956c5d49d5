//! The JSON API under `/api/v1`, its OpenAPI document at `/api/openapi.json` and Swagger UI at
//! `/api/docs`, plus the health probes.

// A problem is built once per failed request and rendered at once; boxing it would only add noise.
#![allow(clippy::result_large_err)]

mod admin;
mod approvals;
mod audit;
mod billing;
mod call_registers;
mod committee;
mod contracts;
mod deals;
mod duplicates;
mod employments;
pub mod extract;
mod health;
mod idempotency;
pub(crate) mod imports;
mod meetings;
mod notes;
mod organisations;
mod people;
mod playbooks;
mod pricing;
pub mod problem;
mod promotions;
mod records;
mod relationships;
pub(crate) mod session;
mod tasks;
mod telemarketing;

use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::{Router, middleware};
use closer_store::Db;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use crate::app::bootstrap::Installation;

/// What every handler may reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub installation: Installation,
    /// The relationship indexes of this server.
    pub graphs: crate::app::relationships::Graphs,
}

/// Declares how clients authenticate: an API token, or the session cookie of a browser.
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token from POST /api/v1/tokens"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "__Host-closer_session",
                "The session cookie set by POST /api/v1/session; writes also need X-CSRF-Token",
            ))),
        );
        openapi.security = Some(vec![
            SecurityRequirement::new("token", Vec::<String>::new()),
            SecurityRequirement::new("session", Vec::<String>::new()),
        ]);
    }
}

/// Adds the answers every signed-in operation can give (401; and 403 for writes) where the
/// operation does not list them itself.
fn document_refusals(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let problem = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ProblemBody")))
                        .build(),
                )
                .build(),
        )
    };
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            (&mut item.get, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.patch, true),
            (&mut item.delete, true),
        ];
        for (operation, writes) in operations {
            let Some(operation) = operation.as_mut() else { continue };
            let public = operation
                .security
                .as_ref()
                .is_some_and(|requirements| requirements.iter().all(|r| *r == Default::default()));
            if public {
                continue;
            }
            let responses = &mut operation.responses.responses;
            responses
                .entry("401".into())
                .or_insert_with(|| problem("Not signed in, or the credentials no longer work"));
            if writes {
                responses
                    .entry("403".into())
                    .or_insert_with(|| problem("Signed in, but not allowed to do this"));
                if operation.request_body.is_some() {
                    responses
                        .entry("400".into())
                        .or_insert_with(|| problem("The body is not JSON"));
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    modifiers(&Security),
    info(
        title = "Closer API",
        description = "Closer is a sales CRM that runs a different playbook for B2C and B2B deals. \
Errors are RFC 9457 problem+json; lists use keyset pagination (`after`, `limit`); writes need \
`If-Match` with the record's ETag; POST accepts `Idempotency-Key`. Authenticate with \
`Authorization: Bearer <token>` (tokens from `/api/v1/tokens`) or the session cookie from \
`POST /api/v1/session` plus `X-CSRF-Token` on writes.",
        license(name = "AGPL-3.0-or-later")
    ),
    tags(
        (name = "people", description = "People: B2C customers and the employees of organisations"),
        (name = "organisations", description = "Organisations: B2B counterparties"),
        (name = "employments", description = "Who works where, in which department, how senior"),
        (name = "deals", description = "Deals of both kinds and their stage moves"),
        (name = "playbooks", description = "The B2C and B2B playbooks and their stages"),
        (name = "notes", description = "Notes on deals, people and organisations"),
        (name = "committee", description = "The buying committee (D1) and the deal team (D6) of a deal"),
        (name = "meetings", description = "Meetings and visits with venue, attendance and plans (D4, D8, D9)"),
        (name = "tasks", description = "To-dos with due dates"),
        (name = "products", description = "The catalogue: products and their list prices per currency"),
        (name = "billing", description = "Billing: profiles, invoices numbered without gaps, payments, refunds and receivables ageing (D3)"),
        (name = "contracts", description = "Contracts: the consumer's agreement signed in one sitting, the company contract through the customer's approval chain, redlines and signature (D2)"),
        (name = "promotions", description = "B2C promotions and campaigns: codes, automatic offers, gift packs, budgets and limits, and the best valid combination for a cart (D5)"),
        (name = "approvals", description = "Our side's approval of quotes: discount and payment-term approvals step by step, with SLA escalation (D5, D3)"),
        (name = "quotes", description = "Quotes of deals: revisions with lines, list and net prices, payment terms (D2, D3, D5)"),
        (name = "relationships", description = "Relationships: interactions as metadata only, tie strength and warm paths to the people who decide (D5)"),
        (name = "imports", description = "Moving in: people and organisations from CSV files of other CRMs (Salesforce, HubSpot, Pipedrive, SuiteCRM, Odoo) or spreadsheets, previewed, resumable and revertible; the duplicate finder"),
        (name = "telemarketing", description = "B2C telemarketing: campaigns, call lists, the next call and its disposition, do-not-call lists, consents and the check before every call (D9)"),
        (name = "audit", description = "The audit trail"),
        (name = "session", description = "Signing in and out"),
        (name = "users", description = "Users, roles and the org-wide access defaults"),
        (name = "teams", description = "Teams and their managers"),
        (name = "tokens", description = "Your API tokens"),
        (name = "operations", description = "Health probes"),
    )
)]
struct ApiDoc;

const BODY_LIMIT: usize = 1024 * 1024;

/// No inline script anywhere; styles may be inline (Swagger UI sets them from its own script).
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                   object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Adds HSTS when the request reached us over TLS (as the proxy in front reports).
async fn strict_transport_security(
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let over_tls = request.headers().get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https");
    let mut response = next.run(request).await;
    if over_tls {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// Says how long the server spent on the request (`Server-Timing: app;dur=` milliseconds, up to
/// the response head), for browsers' developer tools and for `closer bench`'s server times.
async fn server_timing(request: axum::extract::Request, next: middleware::Next) -> axum::response::Response {
    let started = std::time::Instant::now();
    let mut response = next.run(request).await;
    let milliseconds = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(value) = HeaderValue::from_str(&format!("app;dur={milliseconds:.3}")) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("server-timing"), value);
    }
    response
}

/// The API routes and their OpenAPI description.
fn api_v1() -> OpenApiRouter<AppState> {
    // Files to import are larger than anything else the API takes.
    let file_imports = OpenApiRouter::new()
        .routes(routes!(imports::preview_import))
        .routes(routes!(imports::list_imports, imports::create_import))
        .layer(DefaultBodyLimit::max(imports::IMPORT_BODY_LIMIT));
    OpenApiRouter::new()
        .merge(file_imports)
        .routes(routes!(imports::get_import))
        .routes(routes!(imports::import_errors))
        .routes(routes!(imports::revert_import))
        .routes(routes!(duplicates::find_duplicates))
        .routes(routes!(duplicates::check_duplicates))
        .routes(routes!(duplicates::merge_people))
        .routes(routes!(duplicates::merge_organisations))
        .routes(routes!(people::list_people, people::create_person))
        .routes(routes!(people::export_people))
        .routes(routes!(tasks::export_tasks))
        .routes(routes!(meetings::export_meetings))
        .routes(routes!(people::get_person, people::patch_person, people::delete_person))
        .routes(routes!(people::restore_person))
        .routes(routes!(people::assign_person))
        .routes(routes!(
            organisations::list_organisations,
            organisations::create_organisation
        ))
        .routes(routes!(
            organisations::get_organisation,
            organisations::patch_organisation,
            organisations::delete_organisation
        ))
        .routes(routes!(organisations::export_organisations))
        .routes(routes!(organisations::restore_organisation))
        .routes(routes!(organisations::assign_organisation))
        .routes(routes!(employments::list_employments, employments::create_employment))
        .routes(routes!(
            employments::get_employment,
            employments::patch_employment,
            employments::delete_employment
        ))
        .routes(routes!(employments::restore_employment))
        .routes(routes!(deals::list_deals, deals::create_deal))
        .routes(routes!(deals::export_deals))
        .routes(routes!(deals::get_deal, deals::patch_deal, deals::delete_deal))
        .routes(routes!(deals::restore_deal))
        .routes(routes!(deals::assign_deal))
        .routes(routes!(deals::move_deal))
        .routes(routes!(deals::deal_stage_history))
        .routes(routes!(deals::deal_gates))
        .routes(routes!(deals::deal_health))
        .routes(routes!(deals::deal_recommendations))
        .routes(routes!(deals::decide_recommendation))
        .routes(routes!(deals::run_deal_health))
        .routes(routes!(notes::list_notes, notes::create_note))
        .routes(routes!(
            relationships::list_interactions,
            relationships::create_interaction
        ))
        .routes(routes!(
            relationships::get_interaction,
            relationships::delete_interaction
        ))
        .routes(routes!(relationships::import_interactions))
        .routes(routes!(relationships::warm_paths))
        .routes(routes!(relationships::deal_warmth))
        .routes(routes!(
            relationships::list_intro_requests,
            relationships::create_intro_request
        ))
        .routes(routes!(relationships::get_intro_request))
        .routes(routes!(relationships::step_intro_request))
        .routes(routes!(
            relationships::list_endorsements,
            relationships::create_endorsement
        ))
        .routes(routes!(
            relationships::get_endorsement,
            relationships::delete_endorsement
        ))
        .routes(routes!(
            relationships::get_connection_sharing,
            relationships::set_connection_sharing
        ))
        .routes(routes!(call_registers::list_dnc, call_registers::create_dnc))
        .routes(routes!(call_registers::import_dnc))
        .routes(routes!(call_registers::check_dial))
        .routes(routes!(call_registers::get_dnc, call_registers::delete_dnc))
        .routes(routes!(call_registers::list_consents, call_registers::create_consent))
        .routes(routes!(call_registers::get_consent))
        .routes(routes!(call_registers::list_jurisdictions))
        .routes(routes!(
            call_registers::put_jurisdiction,
            call_registers::delete_jurisdiction
        ))
        .routes(routes!(telemarketing::list_campaigns, telemarketing::create_campaign))
        .routes(routes!(telemarketing::get_campaign, telemarketing::put_campaign))
        .routes(routes!(telemarketing::list_entries, telemarketing::add_entries))
        .routes(routes!(telemarketing::import_entries))
        .routes(routes!(telemarketing::next_call))
        .routes(routes!(telemarketing::metrics))
        .routes(routes!(telemarketing::dispose))
        .routes(routes!(notes::get_note, notes::patch_note, notes::delete_note))
        .routes(routes!(notes::restore_note))
        .routes(routes!(tasks::list_tasks, tasks::create_task))
        .routes(routes!(tasks::get_task, tasks::patch_task, tasks::delete_task))
        .routes(routes!(tasks::restore_task))
        .routes(routes!(pricing::list_products, pricing::create_product))
        .routes(routes!(
            pricing::get_product,
            pricing::patch_product,
            pricing::delete_product
        ))
        .routes(routes!(pricing::restore_product))
        .routes(routes!(pricing::list_quotes, pricing::create_quote))
        .routes(routes!(pricing::get_quote, pricing::patch_quote, pricing::delete_quote))
        .routes(routes!(pricing::send_quote))
        .routes(routes!(pricing::accept_quote))
        .routes(routes!(pricing::decline_quote))
        .routes(routes!(pricing::revise_quote))
        .routes(routes!(pricing::quote_approval))
        .routes(routes!(approvals::submit_approval))
        .routes(routes!(approvals::deal_approvals))
        .routes(routes!(approvals::approval_inbox))
        .routes(routes!(approvals::get_approval))
        .routes(routes!(approvals::approve_approval))
        .routes(routes!(approvals::reject_approval))
        .routes(routes!(approvals::recall_approval))
        .routes(routes!(approvals::get_approver_roles, approvals::set_approver_roles))
        .routes(routes!(approvals::get_matrix, approvals::set_matrix))
        .routes(routes!(promotions::list_promotions, promotions::create_promotion))
        .routes(routes!(
            promotions::get_promotion,
            promotions::replace_promotion,
            promotions::delete_promotion
        ))
        .routes(routes!(promotions::evaluate))
        .routes(routes!(promotions::list_campaigns, promotions::create_campaign))
        .routes(routes!(promotions::get_campaign, promotions::replace_campaign))
        .routes(routes!(contracts::list_contracts, contracts::create_contract))
        .routes(routes!(contracts::get_contract, contracts::patch_contract))
        .routes(routes!(contracts::ready_contract))
        .routes(routes!(contracts::send_to_customer))
        .routes(routes!(contracts::revise_contract))
        .routes(routes!(contracts::cancel_contract))
        .routes(routes!(contracts::terminate_contract))
        .routes(routes!(contracts::signature))
        .routes(routes!(contracts::decide_customer_step))
        .routes(routes!(contracts::paper_process))
        .routes(routes!(billing::get_profile, billing::set_profile))
        .routes(routes!(billing::list_invoices, billing::schedule_invoices))
        .routes(routes!(billing::list_payments))
        .routes(routes!(billing::get_invoice, billing::patch_invoice))
        .routes(routes!(billing::finalise_invoice))
        .routes(routes!(billing::void_invoice))
        .routes(routes!(billing::write_off_invoice))
        .routes(routes!(billing::record_payment))
        .routes(routes!(billing::get_payment))
        .routes(routes!(billing::payment_status))
        .routes(routes!(billing::refund_payment))
        .routes(routes!(billing::receivables))
        .routes(routes!(playbooks::list_playbooks))
        .routes(routes!(playbooks::get_playbook))
        .routes(routes!(playbooks::revise_playbook))
        .routes(routes!(playbooks::criteria_catalogue))
        .routes(routes!(audit::list_audit))
        .routes(routes!(committee::list_stakeholders, committee::add_stakeholder))
        .routes(routes!(
            committee::get_stakeholder,
            committee::patch_stakeholder,
            committee::remove_stakeholder
        ))
        .routes(routes!(committee::list_team, committee::add_member))
        .routes(routes!(
            committee::get_member,
            committee::patch_member,
            committee::remove_member
        ))
        .routes(routes!(committee::restore_member))
        .routes(routes!(meetings::list_meetings, meetings::create_meeting))
        .routes(routes!(
            meetings::get_meeting,
            meetings::patch_meeting,
            meetings::delete_meeting
        ))
        .routes(routes!(meetings::restore_meeting))
        .routes(routes!(meetings::log_meeting))
        .routes(routes!(meetings::cancel_meeting))
        .routes(routes!(meetings::reschedule_meeting))
        .routes(routes!(session::login, session::current_session, session::logout))
        .routes(routes!(session::change_password))
        .routes(routes!(session::set_preferences))
        .routes(routes!(admin::list_users, admin::create_user))
        .routes(routes!(admin::get_user, admin::patch_user))
        .routes(routes!(admin::reset_password))
        .routes(routes!(admin::list_teams, admin::create_team))
        .routes(routes!(admin::get_team, admin::rename_team))
        .routes(routes!(admin::set_member, admin::remove_member))
        .routes(routes!(admin::list_tokens, admin::create_token))
        .routes(routes!(admin::revoke_token))
        .routes(routes!(admin::get_access_defaults, admin::set_access_defaults))
}

/// The routes and the OpenAPI document of the whole API (refusals documented once every route
/// is in).
fn documented() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (routes, mut api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", api_v1())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .split_for_parts();
    document_refusals(&mut api);
    (routes, api)
}

/// The OpenAPI document of the whole API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().1
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let (api_routes, api) = documented();
    let request_id = HeaderName::from_static("x-request-id");
    api_routes
        .merge(crate::ui::routes())
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", api))
        .fallback(problem::no_route)
        .method_not_allowed_fallback(problem::wrong_method)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CatchPanicLayer::custom(problem::panic_response))
        .layer(middleware::from_fn(problem::render_problems))
        .layer(middleware::from_fn_with_state(state.clone(), idempotency::idempotent_posts))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(60)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(middleware::from_fn(strict_transport_security))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(middleware::from_fn(server_timing))
        .with_state(state)
}

/// A CSV file sent as it is made, to be saved as `name`.
pub(crate) fn csv_download(
    name: &str,
    chunks: tokio_stream::wrappers::ReceiverStream<crate::app::exports::Chunk>,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        axum::body::Body::from_stream(chunks),
    )
        .into_response()
}
