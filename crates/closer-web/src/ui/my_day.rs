//! My day: what a rep does today, on one page.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;

use super::{Chrome, Viewer, render};
use crate::app::my_day;

struct Item {
    /// The deal page it belongs to, if any.
    link: Option<String>,
    title: String,
    detail: String,
    when: String,
    late: bool,
    /// A task's id and version: the item can be ticked off.
    task: Option<(String, i64)>,
}

#[derive(Template)]
#[template(path = "my_day.html")]
struct MyDayPage {
    chrome: Chrome,
    today: String,
    tasks: Vec<Item>,
    meetings: Vec<Item>,
    overdue: Vec<Item>,
    rotting: Vec<Item>,
    recommendations: Vec<Item>,
}

pub async fn show(viewer: Viewer) -> Response {
    let chrome = viewer.chrome;
    let now = OffsetDateTime::now_utc();
    let day = match my_day::load(&viewer.ctx, now, &chrome.zone).await {
        Ok(day) => day,
        Err(e) => return crate::api::problem::Problem::from(e).into_response(),
    };
    let locale = chrome.locale;
    let deal_link = |id: closer_domain::ids::DealId| Some(format!("/deals/{id}"));
    let title_of = |id: Option<closer_domain::ids::DealId>| {
        id.and_then(|id| day.deal_titles.get(&id).cloned()).unwrap_or_default()
    };
    let name_of = |id| day.names.get(&id).cloned().unwrap_or_default();
    let meeting_item = |m: &closer_domain::meeting::Meeting, when: String, late: bool| Item {
        link: m
            .fields
            .deal_id
            .filter(|id| day.deal_titles.contains_key(id))
            .and_then(deal_link),
        title: format!(
            "{} · {}",
            locale.text(&format!("purpose.{}", m.fields.purpose.as_str())),
            title_of(m.fields.deal_id)
        ),
        detail: m
            .fields
            .agreed_next_step
            .clone()
            .or_else(|| m.fields.objective.clone())
            .unwrap_or_default(),
        when,
        late,
        task: None,
    };
    let tasks = day
        .tasks
        .iter()
        .map(|t| Item {
            link: None,
            title: t.fields.title.clone(),
            detail: String::new(),
            when: t.fields.due_on.map(|d| locale.date(d)).unwrap_or_default(),
            late: t.fields.due_on.is_some_and(|d| d < day.today),
            task: Some((t.id.to_string(), t.meta.version)),
        })
        .collect();
    let meetings = day
        .meetings
        .iter()
        .map(|m| {
            let time = chrome.zone.local(m.fields.planned_start).time();
            let when = format!(
                "{:02}:{:02} · {}",
                time.hour(),
                time.minute(),
                locale.text(&format!("venue.{}", m.fields.venue.as_str()))
            );
            Item {
                detail: m.fields.objective.clone().unwrap_or_default(),
                ..meeting_item(m, when, false)
            }
        })
        .collect();
    let overdue = day
        .overdue_next_steps
        .iter()
        .map(|m| {
            meeting_item(
                m,
                m.fields.next_step_due.map(|d| locale.date(d)).unwrap_or_default(),
                true,
            )
        })
        .collect();
    let rotting = day
        .rotting
        .iter()
        .map(|d| Item {
            link: deal_link(d.id),
            title: d.terms.title.clone(),
            detail: name_of(d.terms.counterparty_id),
            when: locale.money(&d.terms.amount),
            late: true,
            task: None,
        })
        .collect();
    let recommendations = day
        .recommendations
        .iter()
        .map(|(d, p)| {
            let (title, action) = chrome.locale.proposal(p);
            Item {
                link: deal_link(d.id),
                title: format!("{title} · {}", d.terms.title),
                detail: action,
                when: p.differences.join(" "),
                late: false,
                task: None,
            }
        })
        .collect();
    let today = locale.date(day.today);
    render(
        &MyDayPage {
            chrome,
            today,
            tasks,
            meetings,
            overdue,
            rotting,
            recommendations,
        },
        StatusCode::OK,
    )
}
