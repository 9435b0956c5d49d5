//! The call console (D9): the campaigns an agent calls for, and for one campaign the call in
//! hand — who, the number, the script beside the calls made before — with one button per
//! disposition, a callback time and notes.

use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::ids::{CallCampaignId, CallEntryId};
use closer_domain::telemarketing::{
    Campaign, CampaignStatus, Disposition, DispositionDraft, EntriesDraft, PeopleFilter,
};
use closer_store::PageRequest;
use time::Time;
use uuid::Uuid;

use super::{Chrome, FormValues, Viewer, form_date, refusal_message, render, see_other};
use crate::app::call_lists;
use crate::app::telemarketing::{self, NextCall};
use crate::app::{AppError, get};

struct CampaignRow {
    id: String,
    name: String,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "calls.html")]
struct CallsPage {
    chrome: Chrome,
    campaigns: Vec<CampaignRow>,
}

pub async fn list(viewer: Viewer) -> Response {
    let page = PageRequest {
        after: None,
        limit: 200,
    };
    match telemarketing::list_campaigns(&viewer.ctx, page).await {
        Ok(found) => {
            let chrome = viewer.chrome;
            let campaigns = found
                .items
                .iter()
                .filter(|c| c.fields.status != CampaignStatus::Ended)
                .map(|c| CampaignRow {
                    id: c.id.to_string(),
                    name: c.fields.name.clone(),
                    status: chrome.text(&format!("campaign.status.{}", c.fields.status)),
                })
                .collect();
            render(&CallsPage { chrome, campaigns }, StatusCode::OK)
        }
        Err(e) => crate::api::problem::Problem::from(e).into_response(),
    }
}

struct HistoryRow {
    when: String,
    disposition: &'static str,
    notes: String,
}

struct Button {
    value: &'static str,
    label: &'static str,
    /// The key that presses it with the browser's access-key modifier.
    key: String,
}

#[derive(Template)]
#[template(path = "call_console.html")]
struct ConsolePage {
    chrome: Chrome,
    campaign_id: String,
    campaign_name: String,
    active: bool,
    call: Option<NextCall>,
    history: Vec<HistoryRow>,
    buttons: Vec<Button>,
    refusal: Option<String>,
    /// Administrators and managers build the call list here.
    builds_lists: bool,
    /// What adding to the list did.
    done: Option<String>,
}

pub async fn show(viewer: Viewer, Path(id): Path<Uuid>) -> Response {
    console(viewer, CallCampaignId(id), None, StatusCode::OK).await
}

async fn console(viewer: Viewer, id: CallCampaignId, refusal: Option<String>, status: StatusCode) -> Response {
    console_with(viewer, id, refusal, None, status).await
}

async fn console_with(
    viewer: Viewer,
    id: CallCampaignId,
    refusal: Option<String>,
    done: Option<String>,
    status: StatusCode,
) -> Response {
    let loaded = async {
        let campaign: Campaign = get(&viewer.ctx, id.as_uuid()).await?;
        let call = telemarketing::held(&viewer.ctx, id).await?;
        Ok::<_, AppError>((campaign, call))
    }
    .await;
    let (campaign, call) = match loaded {
        Ok(found) => found,
        Err(e) => return crate::api::problem::Problem::from(e).into_response(),
    };
    let chrome = viewer.chrome;
    let history = call
        .iter()
        .flat_map(|c| c.history.iter())
        .map(|a| HistoryRow {
            when: chrome.day_and_time(a.fields.started_at),
            disposition: chrome.text(&format!("disposition.{}", a.fields.disposition)),
            notes: a.fields.notes.clone().unwrap_or_default(),
        })
        .collect();
    let keys = "1234567890qwe";
    let buttons = Disposition::ALL
        .iter()
        .filter(|d| d.agent_selectable())
        .zip(keys.chars())
        .map(|(d, key)| Button {
            value: d.as_str(),
            label: chrome.text(&format!("disposition.{d}")),
            key: key.to_string(),
        })
        .collect();
    render(
        &ConsolePage {
            campaign_id: campaign.id.to_string(),
            campaign_name: campaign.fields.name.clone(),
            active: campaign.fields.status == CampaignStatus::Active,
            chrome,
            call,
            history,
            buttons,
            refusal,
            builds_lists: viewer.ctx.principal.keeps_catalogue(),
            done,
        },
        status,
    )
}

/// Adds to the campaign's call list: everyone a people search finds, or a pasted CSV list (a
/// header row with a phone column); then says what was added.
pub async fn add_list(viewer: Viewer, Path(id): Path<Uuid>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let campaign = CallCampaignId(id);
    let priority = match kept.get("priority").trim() {
        "" => None,
        text => match text.parse::<i32>() {
            Ok(p) => Some(p),
            Err(_) => {
                let message = viewer.chrome.text("calls.list_priority").to_owned();
                return console(viewer, campaign, Some(message), StatusCode::UNPROCESSABLE_ENTITY).await;
            }
        },
    };
    let pasted = kept.get("csv").trim().to_owned();
    let search = kept.get("search").trim().to_owned();
    let chrome = &viewer.chrome;
    let done = if !pasted.is_empty() {
        call_lists::import_entries(&viewer.ctx, campaign, pasted.as_bytes(), priority)
            .await
            .map(|imported| {
                let r = &imported.report;
                let mut text = chrome
                    .text("calls.list_imported")
                    .replace("{read}", &r.read.to_string())
                    .replace("{added}", &r.created.to_string())
                    .replace("{skipped}", &r.skipped.to_string())
                    .replace("{failed}", &r.failed.to_string())
                    .replace("{people}", &imported.people_created.to_string());
                for error in r.errors.iter().take(5) {
                    let row = chrome.text("calls.list_row").replace("{row}", &error.row.to_string());
                    text.push_str(&format!(" · {row}: {}", error.reason));
                }
                text
            })
    } else if !search.is_empty() {
        let draft = EntriesDraft {
            person_ids: Vec::new(),
            filter: Some(PeopleFilter {
                search: Some(search),
                ..PeopleFilter::default()
            }),
            priority,
        };
        call_lists::add_entries(&viewer.ctx, campaign, &draft)
            .await
            .map(|added| {
                chrome
                    .text("calls.list_added")
                    .replace("{added}", &added.added_count.to_string())
                    .replace("{not_added}", &added.not_added_count.to_string())
            })
    } else {
        let message = chrome.text("calls.list_empty").to_owned();
        return console(viewer, campaign, Some(message), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    match done {
        Ok(done) => console_with(viewer, campaign, None, Some(done), StatusCode::OK).await,
        Err(e) => refused(viewer, campaign, e).await,
    }
}

/// Takes the next call of the campaign, then shows it.
pub async fn next(viewer: Viewer, Path(id): Path<Uuid>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let campaign = CallCampaignId(id);
    match telemarketing::next(&viewer.ctx, campaign).await {
        Ok(Some(_)) => see_other(format!("/calls/{id}")),
        Ok(None) => {
            let nothing = viewer.chrome.text("calls.nothing_due").to_owned();
            console(viewer, campaign, Some(nothing), StatusCode::OK).await
        }
        Err(e) => refused(viewer, campaign, e).await,
    }
}

/// Records how the call in hand ended, then shows the console for the next one.
pub async fn dispose(
    viewer: Viewer,
    Path((id, entry)): Path<(Uuid, Uuid)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let campaign = CallCampaignId(id);
    let draft = match disposition_draft(&viewer, &kept) {
        Ok(draft) => draft,
        Err(message) => return console(viewer, campaign, Some(message), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    match telemarketing::dispose(&viewer.ctx, CallEntryId(entry), &draft).await {
        Ok(_) => see_other(format!("/calls/{id}")),
        Err(e) => refused(viewer, campaign, e).await,
    }
}

fn disposition_draft(viewer: &Viewer, form: &FormValues) -> Result<DispositionDraft, String> {
    let disposition = Disposition::parse(form.get("disposition"))?;
    let callback_at = match (form.get("callback_date").trim(), form.get("callback_time").trim()) {
        ("", "") => None,
        (date, time) => {
            let day = form_date(date, "callback date")?;
            let clock = time::macros::format_description!("[hour]:[minute]");
            let at = Time::parse(time, clock).map_err(|_| "give the callback time as HH:MM".to_owned())?;
            Some(viewer.chrome.zone.instant(day, at))
        }
    };
    Ok(DispositionDraft {
        disposition,
        notes: Some(form.get("notes").trim().to_owned()).filter(|n| !n.is_empty()),
        callback_at: callback_at.filter(|_| disposition == Disposition::CallbackRequested),
        callback_to_me: Some(form.get("callback_to") != "pool"),
        talk_seconds: None,
    })
}

async fn refused(viewer: Viewer, campaign: CallCampaignId, error: AppError) -> Response {
    match refusal_message(&viewer.chrome, &error) {
        Some((status, message)) => console(viewer, campaign, Some(message), status).await,
        None => crate::api::problem::Problem::from(error).into_response(),
    }
}

struct MetricsRow {
    day: String,
    agent: String,
    dials: u32,
    dials_per_hour: String,
    connect_rate: String,
    right_party_rate: String,
    conversions: u32,
    sales: u32,
    abandonment_rate: String,
    callbacks: String,
    talk_minutes: u64,
    /// The leads called and the median wait (`2 · 1:40`), or a dash.
    speed_to_lead: String,
}

/// Seconds as minutes and seconds (`1:05`; `75:00` past the hour).
fn minutes_seconds(seconds: i64) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

#[derive(Template)]
#[template(path = "call_metrics.html")]
struct MetricsPage {
    chrome: Chrome,
    campaign_id: String,
    campaign_name: String,
    rows: Vec<MetricsRow>,
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// The campaign's dashboard: the last two weeks per day and agent (one's own rows for agents).
pub async fn metrics(viewer: Viewer, Path(id): Path<Uuid>) -> Response {
    let ctx = &viewer.ctx;
    let loaded = async {
        let campaign: Campaign = get(ctx, id).await?;
        let today = viewer.chrome.zone.local(crate::app::now()).date();
        let from = today - time::Duration::days(13);
        let rows = telemarketing::metrics(ctx, CallCampaignId(id), from, today, None).await?;
        let mut conn = ctx.db.acquire().await?;
        let names: std::collections::HashMap<closer_domain::ids::UserId, String> =
            closer_store::users::list(conn.conn(), ctx.workspace)
                .await?
                .into_iter()
                .map(|u| (u.user_id(), u.display_name))
                .collect();
        Ok::<_, AppError>((campaign, rows, names))
    }
    .await;
    let (campaign, found, names) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return crate::api::problem::Problem::from(e).into_response(),
    };
    let chrome = viewer.chrome;
    let rows = found
        .iter()
        .rev()
        .map(|m| MetricsRow {
            day: chrome.locale.date(m.day),
            agent: names.get(&m.agent_id).cloned().unwrap_or_default(),
            dials: m.dials,
            dials_per_hour: format!("{:.1}", m.dials_per_hour),
            connect_rate: percent(m.connect_rate),
            right_party_rate: percent(m.right_party_rate),
            conversions: m.conversions,
            sales: m.sales,
            abandonment_rate: percent(m.abandonment_rate),
            callbacks: format!("{}/{}", m.callbacks_kept, m.callbacks_due),
            talk_minutes: m.talk_seconds / 60,
            speed_to_lead: match m.speed_to_lead_seconds {
                Some(wait) => format!("{} · {}", m.leads_called, minutes_seconds(wait)),
                None => "—".into(),
            },
        })
        .collect();
    render(
        &MetricsPage {
            campaign_id: campaign.id.to_string(),
            campaign_name: campaign.fields.name.clone(),
            chrome,
            rows,
        },
        StatusCode::OK,
    )
}
