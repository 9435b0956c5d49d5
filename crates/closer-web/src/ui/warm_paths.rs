//! The "Who can introduce us?" panel of person, organisation and deal pages: the best warm
//! paths to the people there (D5), under the viewer's access rules.

use closer_domain::ids::{DealId, PartyId};

use super::Chrome;
use crate::app::relationships::{WarmPathView, WarmPaths, committee_paths, warm_paths, warmth_of};
use crate::app::{AppError, AppResult, Ctx};

/// One way to one person, as the panel shows it.
pub struct IntroRow {
    pub target: String,
    pub target_href: String,
    /// How: you know them, a colleague does, or someone you know does.
    pub how: &'static str,
    pub connector: String,
    pub connector_href: Option<String>,
    pub score: String,
    /// `strong`, `familiar`, `weak` or `none`: the connector's tie to the person.
    pub bucket: &'static str,
    pub bucket_label: &'static str,
    /// The button asking the connector for an introduction: the person's id, and the
    /// connector's field (`connector_user_id` or `connector_person_id`) and id. None for a
    /// direct path.
    pub ask: Option<(String, &'static str, String)>,
}

/// The panel: its rows, and for a single person the reach of the best paths.
#[derive(Default)]
pub struct IntroPanel {
    pub rows: Vec<IntroRow>,
    pub reach: Option<String>,
    /// A B2B deal's account warmth and threads, as one line.
    pub warmth: Option<String>,
    /// The deal an introduction asked from the panel is for.
    pub deal_id: Option<String>,
}

fn row(chrome: &Chrome, target: PartyId, name: &str, path: &WarmPathView) -> IntroRow {
    let bucket = path.last_hop.bucket.as_str();
    IntroRow {
        target: name.to_owned(),
        target_href: format!("/people/{target}"),
        how: chrome.text(&format!("warm.via_{}", path.via)),
        connector: path.connector.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
        connector_href: path
            .connector
            .as_ref()
            .filter(|c| c.kind == "person")
            .map(|c| format!("/people/{}", c.id)),
        score: format!("{:.0}%", path.score * 100.0),
        bucket,
        bucket_label: chrome.text(&format!("tie.{bucket}")),
        ask: path.connector.as_ref().map(|c| {
            let field = if c.kind == "user" {
                "connector_user_id"
            } else {
                "connector_person_id"
            };
            (target.to_string(), field, c.id.to_string())
        }),
    }
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// Every path to one person.
pub async fn to_person(ctx: &Ctx, chrome: &Chrome, person: PartyId, name: &str) -> AppResult<IntroPanel> {
    let paths = warm_paths(ctx, person).await?;
    Ok(IntroPanel {
        reach: (!paths.paths.is_empty()).then(|| percent(paths.reach)),
        rows: paths.paths.iter().map(|p| row(chrome, person, name, p)).collect(),
        warmth: None,
        deal_id: None,
    })
}

/// The best path to each of `people` who has one, best first, at most `shown`.
pub async fn to_people(
    ctx: &Ctx,
    chrome: &Chrome,
    people: &[(PartyId, String)],
    shown: usize,
) -> AppResult<IntroPanel> {
    let mut found = Vec::with_capacity(people.len());
    for (person, name) in people {
        match warm_paths(ctx, *person).await {
            Ok(paths) => found.push((*person, name.clone(), paths)),
            // Someone the viewer may not see has no row.
            Err(AppError::NotFound { .. } | AppError::Deleted { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(IntroPanel {
        rows: best_rows(chrome, &found, shown),
        reach: None,
        warmth: None,
        deal_id: None,
    })
}

/// The best path to each stakeholder of a B2B deal, with the account's warmth and threads
/// (§7.3) worked out from the same paths.
pub async fn to_committee(
    ctx: &Ctx,
    chrome: &Chrome,
    deal: DealId,
    name: impl Fn(PartyId) -> String,
    shown: usize,
) -> AppResult<IntroPanel> {
    let committee = committee_paths(ctx, deal).await?;
    let found: Vec<(PartyId, String, WarmPaths)> = committee
        .iter()
        .filter_map(|(s, paths)| paths.clone().map(|p| (s.person_id, name(s.person_id), p)))
        .collect();
    let account = warmth_of(&committee).warmth;
    let threads = if account.single_threaded {
        chrome.text("warm.single_threaded").to_owned()
    } else {
        format!("{} {}", account.threads, chrome.text("warm.threads"))
    };
    Ok(IntroPanel {
        rows: best_rows(chrome, &found, shown),
        reach: None,
        warmth: Some(format!(
            "{} {} · {threads}",
            chrome.text("warm.account"),
            percent(account.warmth)
        )),
        deal_id: Some(deal.to_string()),
    })
}

/// One row per person with a path, their best one, best first, at most `shown`.
fn best_rows(chrome: &Chrome, found: &[(PartyId, String, WarmPaths)], shown: usize) -> Vec<IntroRow> {
    let mut best: Vec<(f64, IntroRow)> = found
        .iter()
        .filter_map(|(person, name, paths)| {
            paths
                .paths
                .first()
                .map(|first| (first.score, row(chrome, *person, name, first)))
        })
        .collect();
    best.sort_by(|a, b| b.0.total_cmp(&a.0));
    best.into_iter().take(shown).map(|(_, row)| row).collect()
}
