//! The "Who can introduce us?" panel of person, organisation and deal pages: the best warm
//! paths to the people there (D5), under the viewer's access rules.

use closer_domain::ids::PartyId;

use super::Chrome;
use crate::app::relationships::{WarmPathView, warm_paths};
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
}

/// The panel: its rows, and for a single person the reach of the best paths.
#[derive(Default)]
pub struct IntroPanel {
    pub rows: Vec<IntroRow>,
    pub reach: Option<String>,
    /// A B2B deal's account warmth and threads, as one line.
    pub warmth: Option<String>,
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
    })
}

/// The best path to each of `people` who has one, best first, at most `shown`.
pub async fn to_people(
    ctx: &Ctx,
    chrome: &Chrome,
    people: &[(PartyId, String)],
    shown: usize,
) -> AppResult<IntroPanel> {
    let mut best: Vec<(f64, IntroRow)> = Vec::new();
    for (person, name) in people {
        let paths = match warm_paths(ctx, *person).await {
            Ok(paths) => paths,
            // Someone the viewer may not see has no row.
            Err(AppError::NotFound { .. } | AppError::Deleted { .. }) => continue,
            Err(e) => return Err(e),
        };
        if let Some(first) = paths.paths.first() {
            best.push((first.score, row(chrome, *person, name, first)));
        }
    }
    best.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(IntroPanel {
        rows: best.into_iter().take(shown).map(|(_, row)| row).collect(),
        reach: None,
        warmth: None,
    })
}

/// A deal's account warmth and threads (§7.3), as the panel says it.
pub async fn account_line(ctx: &Ctx, chrome: &Chrome, deal: closer_domain::ids::DealId) -> AppResult<String> {
    let account = crate::app::relationships::deal_warmth(ctx, deal).await?.warmth;
    let threads = if account.single_threaded {
        chrome.text("warm.single_threaded").to_owned()
    } else {
        format!("{} {}", account.threads, chrome.text("warm.threads"))
    };
    Ok(format!(
        "{} {} · {threads}",
        chrome.text("warm.account"),
        percent(account.warmth)
    ))
}
