//! Whether a number may be dialled now (R9.1): never a number on a do-not-call list, never one
//! without the consent its region requires (or whose owner withdrew it), and only inside the
//! calling window on the callee's clocks. Without a stored time zone, the callee's clocks are
//! those of the phone number's region: every zone the region spans must be inside the window.

use std::collections::HashMap;
use std::sync::OnceLock;

use time::{OffsetDateTime, Time};

use crate::string_enum;
use crate::zone::Zone;

/// A daily calling window on the callee's clocks: a call may start from `start` until `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallingWindow {
    pub start: Time,
    pub end: Time,
}

impl CallingWindow {
    pub fn admits(&self, local: Time) -> bool {
        local >= self.start && local < self.end
    }

    /// The part of both windows.
    pub fn within(&self, other: &CallingWindow) -> CallingWindow {
        CallingWindow {
            start: self.start.max(other.start),
            end: self.end.min(other.end),
        }
    }
}

/// Where a phone number is, by its country calling code: its ISO code and the time zones it
/// spans (the ones people live in, west to east).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub code: &'static str,
    pub calling_code: &'static str,
    pub zones: &'static [&'static str],
}

const fn region(code: &'static str, calling_code: &'static str, zones: &'static [&'static str]) -> Region {
    Region {
        code,
        calling_code,
        zones,
    }
}

/// The regions Closer knows the clocks of. A number elsewhere needs its person's time zone.
pub const REGIONS: &[Region] = &[
    region(
        "US",
        "1",
        &[
            "Pacific/Honolulu",
            "America/Anchorage",
            "America/Los_Angeles",
            "America/Denver",
            "America/Chicago",
            "America/New_York",
        ],
    ),
    region("CN", "86", &["Asia/Shanghai"]),
    region("HK", "852", &["Asia/Hong_Kong"]),
    region("MO", "853", &["Asia/Macau"]),
    region("TW", "886", &["Asia/Taipei"]),
    region("JP", "81", &["Asia/Tokyo"]),
    region("KR", "82", &["Asia/Seoul"]),
    region("SG", "65", &["Asia/Singapore"]),
    region("MY", "60", &["Asia/Kuala_Lumpur"]),
    region("TH", "66", &["Asia/Bangkok"]),
    region("VN", "84", &["Asia/Ho_Chi_Minh"]),
    region("PH", "63", &["Asia/Manila"]),
    region("ID", "62", &["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]),
    region("IN", "91", &["Asia/Kolkata"]),
    region("AE", "971", &["Asia/Dubai"]),
    region("SA", "966", &["Asia/Riyadh"]),
    region(
        "AU",
        "61",
        &[
            "Australia/Perth",
            "Australia/Adelaide",
            "Australia/Brisbane",
            "Australia/Sydney",
        ],
    ),
    region("NZ", "64", &["Pacific/Auckland"]),
    region("GB", "44", &["Europe/London"]),
    region("IE", "353", &["Europe/Dublin"]),
    region("DE", "49", &["Europe/Berlin"]),
    region("FR", "33", &["Europe/Paris"]),
    region("IT", "39", &["Europe/Rome"]),
    region("ES", "34", &["Atlantic/Canary", "Europe/Madrid"]),
    region("NL", "31", &["Europe/Amsterdam"]),
    region("CH", "41", &["Europe/Zurich"]),
    region("SE", "46", &["Europe/Stockholm"]),
    region("BR", "55", &["America/Manaus", "America/Sao_Paulo"]),
    region(
        "MX",
        "52",
        &["America/Tijuana", "America/Mexico_City", "America/Cancun"],
    ),
    region("ZA", "27", &["Africa/Johannesburg"]),
    region("NG", "234", &["Africa/Lagos"]),
    region("EG", "20", &["Africa/Cairo"]),
];

/// The region of an E.164 number (`+8613800138000`): the longest calling code it starts with.
pub fn region_of(phone: &str) -> Option<&'static Region> {
    let digits = phone.strip_prefix('+').unwrap_or(phone);
    REGIONS
        .iter()
        .filter(|r| digits.starts_with(r.calling_code))
        .max_by_key(|r| r.calling_code.len())
}

/// The time zones of the known regions, looked up once.
fn zone(name: &'static str) -> Option<&'static Zone> {
    static ZONES: OnceLock<HashMap<&'static str, Zone>> = OnceLock::new();
    ZONES
        .get_or_init(|| {
            REGIONS
                .iter()
                .flat_map(|r| r.zones.iter())
                .filter_map(|name| Zone::named(name).ok().map(|zone| (*name, zone)))
                .collect()
        })
        .get(name)
}

/// What a region's law asks of marketing calls (the jurisdiction packs of the design: China
/// requires explicit consent; the United States a national registry; both 08:00–21:00 local).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jurisdiction {
    pub window: CallingWindow,
    /// No consent on record counts as a refusal.
    pub consent_required: bool,
}

impl Jurisdiction {
    /// Both laws at once: the narrower window, and consent if either asks for it.
    pub fn and(&self, other: &Jurisdiction) -> Jurisdiction {
        Jurisdiction {
            window: self.window.within(&other.window),
            consent_required: self.consent_required || other.consent_required,
        }
    }
}

pub const DEFAULT_WINDOW: CallingWindow = CallingWindow {
    start: time::macros::time!(08:00),
    end: time::macros::time!(21:00),
};

/// The pack a workspace gives every region without one of its own.
pub const EVERYWHERE: &str = "*";

/// The packs Closer ships: everyone 08:00–21:00; China also requires consent on file.
pub fn built_in(region: &str) -> Option<Jurisdiction> {
    match region {
        "CN" => Some(Jurisdiction {
            window: DEFAULT_WINDOW,
            consent_required: true,
        }),
        EVERYWHERE => Some(Jurisdiction {
            window: DEFAULT_WINDOW,
            consent_required: false,
        }),
        _ => None,
    }
}

/// The calling laws in force in a workspace: its own packs (by region code, or
/// [`EVERYWHERE`]) over the built-in ones. A region's own pack wins over a built-in one, which
/// wins over the workspace's pack for everywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Laws {
    own: std::collections::BTreeMap<String, Jurisdiction>,
}

impl Laws {
    pub fn new(own: impl IntoIterator<Item = (String, Jurisdiction)>) -> Laws {
        Laws {
            own: own.into_iter().collect(),
        }
    }

    /// The law for a region (by ISO code); none: a region Closer does not know.
    pub fn of(&self, region: Option<&str>) -> Jurisdiction {
        let own = |code: &str| self.own.get(code).copied();
        region
            .and_then(|code| own(code).or_else(|| built_in(code)))
            .or_else(|| own(EVERYWHERE))
            .or_else(|| built_in(EVERYWHERE))
            .unwrap_or(Jurisdiction {
                window: DEFAULT_WINDOW,
                consent_required: false,
            })
    }

    /// The law for a call to `phone` from a campaign that also follows `home`'s law.
    pub fn for_number(&self, phone: &str, home: Option<&str>) -> Jurisdiction {
        let callee = self.of(region_of(phone).map(|r| r.code));
        match home {
            Some(code) => callee.and(&self.of(Some(code))),
            None => callee,
        }
    }
}

string_enum!(
    /// Which do-not-call list a number is on.
    DncScope {
        /// A national registry, imported.
        NationalRegistry => "national_registry",
        /// The customer asked this company not to call.
        EntitySpecific => "entity_specific",
        /// The company's own decision.
        Internal => "internal",
    }
);

string_enum!(
    /// Where a do-not-call entry came from.
    DncSource {
        CustomerRequest => "customer_request",
        RegistryImport => "registry_import",
        Complaint => "complaint",
        Manual => "manual",
    }
);

string_enum!(
    /// A channel a customer consents to be contacted on.
    ConsentChannel { Phone => "phone", Sms => "sms", Email => "email", Wechat => "wechat" }
);

/// What is on file about calling a person on a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneConsent {
    /// Nothing on file.
    None,
    Granted,
    Withdrawn,
}

/// What is known of one number before it is dialled.
#[derive(Debug, Clone, Copy)]
pub struct DialFacts<'a> {
    pub phone: &'a str,
    /// The person's own time zone, if stored.
    pub zone: Option<&'a Zone>,
    /// On any do-not-call list.
    pub on_dnc: bool,
    pub consent: PhoneConsent,
    /// The law that applies to the call (see [`Laws::for_number`]).
    pub law: Jurisdiction,
}

/// Why a number may not be dialled now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialBlock {
    DoNotCall,
    NoConsent,
    /// Outside the calling window on the callee's clocks: later, perhaps.
    OutsideWindow,
    /// Neither a stored time zone nor a known region: the callee's clocks are unknown.
    UnknownClock,
}

impl DialBlock {
    /// Blocks the entry for good (it is suppressed), rather than for now.
    pub fn suppresses(self) -> bool {
        matches!(self, DialBlock::DoNotCall | DialBlock::NoConsent)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DialBlock::DoNotCall => "do_not_call",
            DialBlock::NoConsent => "no_consent",
            DialBlock::OutsideWindow => "outside_calling_window",
            DialBlock::UnknownClock => "unknown_time_zone",
        }
    }
}

/// Whether the number may be called at all, whatever the hour: it is on no do-not-call list and
/// has the consent its region requires.
pub fn may_ever_dial(facts: &DialFacts) -> Result<(), DialBlock> {
    if facts.on_dnc {
        return Err(DialBlock::DoNotCall);
    }
    match facts.consent {
        PhoneConsent::Withdrawn => Err(DialBlock::NoConsent),
        PhoneConsent::None if facts.law.consent_required => Err(DialBlock::NoConsent),
        _ => Ok(()),
    }
}

/// Whether the number may be dialled at `now` within `campaign`'s window (R9.1).
pub fn may_dial(facts: &DialFacts, campaign: &CallingWindow, now: OffsetDateTime) -> Result<(), DialBlock> {
    may_ever_dial(facts)?;
    let region = region_of(facts.phone);
    let window = campaign.within(&facts.law.window);
    let inside = |zone: &Zone| window.admits(zone.local(now).time());
    match (facts.zone, region) {
        (Some(zone), _) if inside(zone) => Ok(()),
        (Some(_), _) => Err(DialBlock::OutsideWindow),
        (None, Some(region)) => {
            let zones: Vec<&Zone> = region.zones.iter().filter_map(|name| zone(name)).collect();
            if zones.is_empty() {
                Err(DialBlock::UnknownClock)
            } else if zones.into_iter().all(inside) {
                Ok(())
            } else {
                Err(DialBlock::OutsideWindow)
            }
        }
        (None, None) => Err(DialBlock::UnknownClock),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn facts<'a>(phone: &'a str, zone: Option<&'a Zone>, on_dnc: bool, consent: PhoneConsent) -> DialFacts<'a> {
        DialFacts {
            phone,
            zone,
            on_dnc,
            consent,
            law: Laws::default().for_number(phone, None),
        }
    }

    #[test]
    fn regions_come_from_the_longest_calling_code() {
        assert_eq!(region_of("+8613800138000").map(|r| r.code), Some("CN"));
        assert_eq!(region_of("+85291234567").map(|r| r.code), Some("HK"));
        assert_eq!(region_of("+14155550100").map(|r| r.code), Some("US"));
        assert_eq!(region_of("+99912345678"), None);
    }

    #[test]
    fn the_window_is_on_the_callees_clocks_in_every_zone_of_their_region() {
        let window = DEFAULT_WINDOW;
        // 02:00 UTC is 10:00 in Shanghai.
        let morning = datetime!(2026-11-27 02:00 UTC);
        let chinese = facts("+8613800138000", None, false, PhoneConsent::Granted);
        assert_eq!(may_dial(&chinese, &window, morning), Ok(()));
        // 14:00 UTC is 22:00 in Shanghai.
        assert_eq!(
            may_dial(&chinese, &window, datetime!(2026-11-27 14:00 UTC)),
            Err(DialBlock::OutsideWindow)
        );
        // 15:00 UTC: 10:00 in New York, 05:00 in Honolulu: not yet everywhere in the US.
        let american = facts("+14155550100", None, false, PhoneConsent::None);
        assert_eq!(
            may_dial(&american, &window, datetime!(2026-11-27 15:00 UTC)),
            Err(DialBlock::OutsideWindow)
        );
        // Her stored zone says New York: 10:00 there.
        let new_york = Zone::named("America/New_York").expect("zone");
        let located = facts("+14155550100", Some(&new_york), false, PhoneConsent::None);
        assert_eq!(may_dial(&located, &window, datetime!(2026-11-27 15:00 UTC)), Ok(()));
        assert_eq!(
            may_dial(
                &facts("+99912345678", None, false, PhoneConsent::Granted),
                &window,
                morning
            ),
            Err(DialBlock::UnknownClock)
        );
    }

    #[test]
    fn do_not_call_and_consent_come_before_the_clock() {
        let window = DEFAULT_WINDOW;
        let night = datetime!(2026-11-27 16:00 UTC);
        assert_eq!(
            may_dial(
                &facts("+8613800138000", None, true, PhoneConsent::Granted),
                &window,
                night
            ),
            Err(DialBlock::DoNotCall)
        );
        assert_eq!(
            may_dial(
                &facts("+8613800138000", None, false, PhoneConsent::None),
                &window,
                night
            ),
            Err(DialBlock::NoConsent),
            "China: no consent on file is a refusal"
        );
        let london = datetime!(2026-11-27 10:00 UTC);
        assert_eq!(
            may_dial(
                &facts("+442079460000", None, false, PhoneConsent::None),
                &window,
                london
            ),
            Ok(())
        );
        assert_eq!(
            may_dial(
                &facts("+442079460000", None, false, PhoneConsent::Withdrawn),
                &window,
                london
            ),
            Err(DialBlock::NoConsent),
            "a withdrawn consent is a refusal everywhere"
        );
        assert!(DialBlock::NoConsent.suppresses() && !DialBlock::OutsideWindow.suppresses());
    }
}
