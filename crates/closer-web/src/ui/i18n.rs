//! The languages of the web UI: every string by key in `locales/<lang>.txt`, plus numbers, money
//! and dates formatted the way each locale writes them.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::{HeaderMap, header};
use closer_domain::money::Money;
use time::Date;

use crate::api::extract::cookie;

/// The cookie that keeps the language a visitor chose.
use closer_domain::rules::{MESSAGES, Proposal, fill};
use closer_domain::user::Language;

pub const LANGUAGE_COOKIE: &str = "closer_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    En,
    Zh,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Zh];

    /// The BCP 47 tag, for `<html lang>` and the language switch.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Zh => "zh-CN",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Locale::En),
            "zh" => Some(Locale::Zh),
            _ => None,
        }
    }

    /// The language a user chose in their preferences.
    pub fn chosen(language: Language) -> Locale {
        match language {
            Language::En => Locale::En,
            Language::Zh => Locale::Zh,
        }
    }

    /// The preference that stores this locale.
    pub fn language(self) -> Language {
        match self {
            Locale::En => Language::En,
            Locale::Zh => Language::Zh,
        }
    }

    /// The visitor's chosen language, else the best one `Accept-Language` asks for, else English.
    pub fn negotiate(headers: &HeaderMap) -> Locale {
        if let Some(chosen) = cookie(headers, LANGUAGE_COOKIE).and_then(Locale::from_tag) {
            return chosen;
        }
        let accepted = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mut best: Option<(f32, Locale)> = None;
        for range in accepted.split(',') {
            let mut parts = range.split(';');
            let Some(locale) = parts.next().and_then(Locale::from_tag) else {
                continue;
            };
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, locale));
            }
        }
        best.map_or(Locale::En, |(_, locale)| locale)
    }

    fn catalogue(self) -> &'static HashMap<&'static str, &'static str> {
        match self {
            Locale::En => &EN,
            Locale::Zh => &ZH,
        }
    }

    /// The text for `key`; the key itself when missing (the parity test keeps that from shipping).
    pub fn text(self, key: &str) -> &'static str {
        self.catalogue()
            .get(key)
            .copied()
            .or_else(|| EN.get(key).copied())
            .unwrap_or("?")
    }

    /// A stage exit criterion's requirement in this language; the domain catalogue's own words
    /// are the English.
    pub fn criterion<'a>(self, key: &str, english: &'a str) -> &'a str {
        match self {
            Locale::En => english,
            Locale::Zh => ZH_CRITERIA
                .get(format!("criterion.{key}").as_str())
                .copied()
                .unwrap_or(english),
        }
    }

    /// What satisfies a stage exit criterion, in this language.
    pub fn criterion_action<'a>(self, key: &str, english: &'a str) -> &'a str {
        match self {
            Locale::En => english,
            Locale::Zh => ZH_CRITERIA
                .get(format!("criterion.{key}.action").as_str())
                .copied()
                .unwrap_or(english),
        }
    }

    /// A proposed next action's title and action in this language. The rules' own words are the
    /// English; a label argument (`purpose.negotiation`) reads as its label here.
    pub fn proposal(self, proposal: &Proposal) -> (String, String) {
        let english = MESSAGES.iter().find(|(key, _, _)| *key == proposal.message);
        let translated = |suffix: &str| match self {
            Locale::En => None,
            Locale::Zh => ZH_RECOMMENDATIONS
                .get(format!("rec.{}{suffix}", proposal.message).as_str())
                .copied(),
        };
        let (Some(title), Some(action)) = (
            translated("").or(english.map(|(_, title, _)| *title)),
            translated(".action").or(english.map(|(_, _, action)| *action)),
        ) else {
            return (proposal.title.clone(), proposal.action.clone());
        };
        let read = |arg: &str| match self.text(arg) {
            "?" => arg.to_owned(),
            label => label.to_owned(),
        };
        (fill(title, &proposal.args, read), action.to_owned())
    }

    /// `amount` in its currency: symbol, grouped thousands, the currency's minor digits.
    pub fn money(self, amount: &Money) -> String {
        let digits = u32::from(amount.currency.minor_digits());
        let scale = 10_i128.pow(digits);
        let minor = i128::from(amount.amount_minor);
        let (whole, fraction) = (minor.abs() / scale, minor.abs() % scale);
        let mut number = group_thousands(whole);
        if digits > 0 {
            number = format!("{number}.{fraction:0width$}", width = digits as usize);
        }
        let sign = if minor < 0 { "-" } else { "" };
        match currency_symbol(amount.currency.code(), self) {
            Some(symbol) => format!("{sign}{symbol}{number}"),
            None => format!("{sign}{} {number}", amount.currency.code()),
        }
    }

    /// A whole-number count with grouped thousands.
    pub fn number(self, value: i64) -> String {
        let grouped = group_thousands(i128::from(value).abs());
        if value < 0 { format!("-{grouped}") } else { grouped }
    }

    pub fn date(self, date: Date) -> String {
        match self {
            Locale::En => format!("{} {} {}", date.day(), &format!("{}", date.month())[..3], date.year()),
            Locale::Zh => format!("{}年{}月{}日", date.year(), u8::from(date.month()), date.day()),
        }
    }
}

fn currency_symbol(code: &str, locale: Locale) -> Option<&'static str> {
    Some(match (code, locale) {
        ("CNY", _) => "¥",
        ("USD", Locale::En) => "$",
        ("USD", Locale::Zh) => "US$",
        ("EUR", _) => "€",
        ("GBP", _) => "£",
        ("JPY", _) => "JP¥",
        ("HKD", _) => "HK$",
        _ => return None,
    })
}

fn group_thousands(value: i128) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}

/// Reads `key = value` lines; `#` starts a comment line.
fn parse(source: &'static str) -> HashMap<&'static str, &'static str> {
    source
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.trim(), value.trim()))
        .collect()
}

static EN: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| parse(include_str!("../../locales/en.txt")));
static ZH_CRITERIA: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| parse(include_str!("../../locales/zh-criteria.txt")));
static ZH_RECOMMENDATIONS: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| parse(include_str!("../../locales/zh-recommendations.txt")));
static ZH: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| parse(include_str!("../../locales/zh.txt")));

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use closer_domain::money::Currency;

    use super::*;

    #[test]
    fn every_key_exists_in_every_language() {
        let en: BTreeSet<_> = EN.keys().collect();
        let zh: BTreeSet<_> = ZH.keys().collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        let only_zh: Vec<_> = zh.difference(&en).collect();
        assert!(only_en.is_empty(), "missing in zh: {only_en:?}");
        assert!(only_zh.is_empty(), "missing in en: {only_zh:?}");
        assert!(
            EN.values().chain(ZH.values()).all(|v| !v.is_empty()),
            "an empty translation"
        );
    }

    #[test]
    fn every_key_used_in_a_template_or_the_code_is_translated() {
        let sources = [
            include_str!("../../templates/layout.html"),
            include_str!("../../templates/login.html"),
            include_str!("../../templates/board.html"),
            include_str!("../../templates/deal.html"),
            include_str!("../../templates/error.html"),
            include_str!("../../templates/my_day.html"),
            include_str!("../../templates/deal_form.html"),
            include_str!("deal_form.rs"),
            include_str!("meeting_forms.rs"),
            include_str!("activity_forms.rs"),
            include_str!("stage_forms.rs"),
            include_str!("parties.rs"),
            include_str!("party_forms.rs"),
            include_str!("preferences.rs"),
            include_str!("../../templates/preferences.html"),
            include_str!("../../templates/party_form.html"),
            include_str!("../../templates/parties.html"),
            include_str!("../../templates/party.html"),
            include_str!("../../templates/settings.html"),
            include_str!("settings.rs"),
            include_str!("../../templates/playbook_settings.html"),
            include_str!("playbook_settings.rs"),
            include_str!("deal.rs"),
            include_str!("deal_panels.rs"),
            include_str!("board.rs"),
            include_str!("mod.rs"),
        ];
        for source in sources {
            for piece in source.split("text(\"").skip(1) {
                let key = piece.split('"').next().unwrap_or("");
                assert!(EN.contains_key(key), "{key} is used but not in en.txt");
            }
            // Keys handed around as plain strings (macro arguments, error pages): `"area.name"`.
            for (i, piece) in source.split('"').enumerate() {
                let looks_like_key = i % 2 == 1
                    && piece.contains('.')
                    && piece.chars().any(|c| c.is_ascii_lowercase())
                    && !piece.ends_with(".html")
                    && piece.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
                if looks_like_key {
                    assert!(EN.contains_key(piece), "{piece} is used but not in en.txt");
                }
            }
        }
    }

    #[test]
    fn every_label_a_page_shows_is_translated() {
        use closer_domain::committee::{BuyingRole, Engagement, Stance};
        use closer_domain::gates::{Gate, Verdict};
        use closer_domain::meeting::{MeetingPurpose, MeetingStatus, Venue};
        use closer_domain::playbook::DealKind;
        use closer_domain::team::SellerRole;
        let mut keys: Vec<String> = Vec::new();
        keys.extend(BuyingRole::ALL.iter().map(|v| format!("role.{}", v.as_str())));
        keys.extend(Stance::ALL.iter().map(|v| format!("stance.{}", v.as_str())));
        keys.extend(Engagement::ALL.iter().map(|v| format!("engagement.{}", v.as_str())));
        keys.extend(SellerRole::ALL.iter().map(|v| format!("seller_role.{}", v.as_str())));
        keys.extend(MeetingPurpose::ALL.iter().map(|v| format!("purpose.{}", v.as_str())));
        keys.extend(Venue::ALL.iter().map(|v| format!("venue.{}", v.as_str())));
        keys.extend(
            MeetingStatus::ALL
                .iter()
                .map(|v| format!("meeting_status.{}", v.as_str())),
        );
        keys.extend(Gate::ALL.iter().map(|v| format!("gate.{}", v.as_str())));
        keys.extend(
            closer_domain::committee::ResponseMode::ALL
                .iter()
                .map(|v| format!("response_mode.{}", v.as_str())),
        );
        keys.extend(Verdict::ALL.iter().map(|v| format!("verdict.{}", v.as_str())));
        keys.extend(DealKind::ALL.iter().map(|v| format!("kind.{}", v.as_str())));
        keys.extend(
            closer_domain::deal::LeadSource::ALL
                .iter()
                .map(|v| format!("lead_source.{}", v.as_str())),
        );
        keys.extend(
            closer_domain::access::Role::ALL
                .iter()
                .map(|v| format!("user_role.{}", v.as_str())),
        );
        keys.extend(
            closer_domain::deal::LostReason::ALL
                .iter()
                .map(|v| format!("lost_reason.{}", v.as_str())),
        );
        for playbook in closer_domain::playbook::DEFAULT_PLAYBOOKS {
            keys.push(format!("playbook.{}", playbook.key));
            keys.extend(playbook.stages.iter().map(|s| format!("stage.{}", s.key)));
        }
        let missing: Vec<_> = keys.iter().filter(|k| !EN.contains_key(k.as_str())).collect();
        assert!(missing.is_empty(), "labels without a translation: {missing:?}");
    }

    /// A default name shows translated only while it is the English text of its key, so the two
    /// must agree (a renamed stage shows the name the admin gave it, in every language).
    #[test]
    fn default_playbook_names_are_their_english_texts() {
        for playbook in closer_domain::playbook::DEFAULT_PLAYBOOKS {
            assert_eq!(Locale::En.text(&format!("playbook.{}", playbook.key)), playbook.name);
            for stage in playbook.stages {
                assert_eq!(
                    Locale::En.text(&format!("stage.{}", stage.key)),
                    stage.name,
                    "{}",
                    stage.key
                );
            }
        }
    }

    #[test]
    fn every_stage_criterion_reads_in_chinese() {
        let mut expected: BTreeSet<String> = BTreeSet::new();
        for criterion in closer_domain::gates::catalogue() {
            expected.insert(format!("criterion.{}", criterion.key));
            expected.insert(format!("criterion.{}.action", criterion.key));
        }
        let present: BTreeSet<String> = ZH_CRITERIA.keys().map(|k| (*k).to_owned()).collect();
        let missing: Vec<_> = expected.difference(&present).collect();
        let unknown: Vec<_> = present.difference(&expected).collect();
        assert!(missing.is_empty(), "criteria without Chinese: {missing:?}");
        assert!(
            unknown.is_empty(),
            "Chinese for criteria that do not exist: {unknown:?}"
        );
    }

    #[test]
    fn every_proposal_reads_in_chinese() {
        let mut expected: BTreeSet<String> = BTreeSet::new();
        for (key, title, _) in MESSAGES {
            expected.insert(format!("rec.{key}"));
            expected.insert(format!("rec.{key}.action"));
            let placeholders = (0..4).filter(|i| title.contains(&format!("{{{i}}}"))).count();
            let chinese = ZH_RECOMMENDATIONS
                .get(format!("rec.{key}").as_str())
                .copied()
                .unwrap_or("");
            let translated = (0..4).filter(|i| chinese.contains(&format!("{{{i}}}"))).count();
            assert_eq!(placeholders, translated, "rec.{key} must use the same arguments");
        }
        let present: BTreeSet<String> = ZH_RECOMMENDATIONS.keys().map(|k| (*k).to_owned()).collect();
        let missing: Vec<_> = expected.difference(&present).collect();
        assert!(missing.is_empty(), "proposals without Chinese: {missing:?}");
        let unknown: Vec<_> = present.difference(&expected).collect();
        assert!(
            unknown.is_empty(),
            "Chinese for proposals that do not exist: {unknown:?}"
        );

        let proposal = Proposal {
            key: "R8.2:x".into(),
            rule: "R8.2".into(),
            differences: vec!["D8".into()],
            priority: 55,
            title: "The decision maker meeting is not at our office".into(),
            action: String::new(),
            message: "key_meeting_away".into(),
            args: vec!["purpose.decision_maker_meeting".into()],
        };
        let (title, _) = Locale::Zh.proposal(&proposal);
        assert!(
            title.contains("决策人会面"),
            "label arguments are translated too: {title}"
        );
        let (title, action) = Locale::En.proposal(&proposal);
        assert_eq!(title, "The Decision-maker meeting is not at our office");
        assert!(action.contains("home ground"));
    }

    #[test]
    fn money_follows_the_currency_and_the_locale() {
        let cny = Money {
            amount_minor: 123_456_789,
            currency: Currency::parse("CNY").unwrap(),
        };
        assert_eq!(Locale::Zh.money(&cny), "¥1,234,567.89");
        let usd = Money {
            amount_minor: -5,
            currency: Currency::parse("USD").unwrap(),
        };
        assert_eq!(Locale::En.money(&usd), "-$0.05");
        assert_eq!(Locale::Zh.money(&usd), "-US$0.05");
        let jpy = Money {
            amount_minor: 1000,
            currency: Currency::parse("JPY").unwrap(),
        };
        assert_eq!(Locale::En.money(&jpy), "JP¥1,000");
        let chf = Money {
            amount_minor: 100,
            currency: Currency::parse("CHF").unwrap(),
        };
        assert_eq!(Locale::En.money(&chf), "CHF 1.00");
    }

    #[test]
    fn dates_read_as_each_locale_writes_them() {
        let date = time::macros::date!(2026 - 11 - 27);
        assert_eq!(Locale::En.date(date), "27 Nov 2026");
        assert_eq!(Locale::Zh.date(date), "2026年11月27日");
    }

    #[test]
    fn the_browser_language_is_used_unless_one_was_chosen() {
        let mut headers = HeaderMap::new();
        assert_eq!(Locale::negotiate(&headers), Locale::En);
        headers.insert(
            header::ACCEPT_LANGUAGE,
            "fr;q=1, zh-CN;q=0.8, en;q=0.5".parse().unwrap(),
        );
        assert_eq!(Locale::negotiate(&headers), Locale::Zh);
        headers.insert(header::COOKIE, "closer_lang=en".parse().unwrap());
        assert_eq!(Locale::negotiate(&headers), Locale::En);
    }
}
