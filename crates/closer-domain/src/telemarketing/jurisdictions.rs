//! A workspace's own calling laws (R9.1): per region, the calling window and whether consent
//! must be on file, over the packs Closer ships (see [`super::Laws`]).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{EVERYWHERE, Jurisdiction, calling_window, known_region};
use crate::string_enum;
use crate::validation::{Validation, ValidationErrors};

/// A region's calling law as an administrator writes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JurisdictionDraft {
    /// The earliest local time a call may start (`08:00`).
    pub window_start: String,
    /// The latest (`21:00`).
    pub window_end: String,
    /// No consent on file counts as a refusal.
    pub consent_required: bool,
}

impl JurisdictionDraft {
    pub fn parse(&self) -> Result<Jurisdiction, ValidationErrors> {
        let mut check = Validation::new();
        let window = calling_window(&mut check, &self.window_start, &self.window_end);
        check.finish(|| {
            Some(Jurisdiction {
                window: window?,
                consent_required: self.consent_required,
            })
        })
    }
}

/// The key of a pack: a region's ISO code, or `*` for every region without its own.
pub fn pack_region(code: &str) -> Result<String, String> {
    if code.trim() == EVERYWHERE {
        Ok(EVERYWHERE.to_owned())
    } else {
        known_region(code).map(str::to_owned)
    }
}

string_enum!(
    /// Where a pack in force comes from.
    PackSource { BuiltIn => "built_in", Workspace => "workspace" }
);

/// A calling law in force for a region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct JurisdictionPack {
    /// ISO code, or `*`: every region without a pack of its own.
    pub region: String,
    pub window_start: String,
    pub window_end: String,
    pub consent_required: bool,
    pub source: PackSource,
}

impl JurisdictionPack {
    pub fn new(region: &str, law: &Jurisdiction, source: PackSource) -> JurisdictionPack {
        let format = time::macros::format_description!("[hour]:[minute]");
        let show = |t: time::Time| t.format(format).unwrap_or_default();
        JurisdictionPack {
            region: region.to_owned(),
            window_start: show(law.window.start),
            window_end: show(law.window.end),
            consent_required: law.consent_required,
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::time;

    use super::super::{CallingWindow, Laws, built_in};
    use super::*;

    fn law(start: time::Time, end: time::Time, consent_required: bool) -> Jurisdiction {
        Jurisdiction {
            window: CallingWindow { start, end },
            consent_required,
        }
    }

    #[test]
    fn a_workspace_pack_overrides_the_built_in_ones_region_first() {
        let shipped = Laws::default();
        assert!(shipped.for_number("+8613800138000", None).consent_required);
        assert!(!shipped.for_number("+442079460000", None).consent_required);

        let quiet = law(time!(09:00), time!(20:00), false);
        let own = Laws::new([(EVERYWHERE.to_owned(), quiet)]);
        assert_eq!(
            own.for_number("+442079460000", None),
            quiet,
            "everywhere without its own pack"
        );
        assert!(
            own.for_number("+8613800138000", None).consent_required,
            "China's built-in pack comes before the workspace's pack for everywhere"
        );
        assert_eq!(own.for_number("+99912345678", None), quiet, "an unknown region too");

        let relaxed = Laws::new([("CN".to_owned(), law(time!(08:00), time!(21:00), false))]);
        assert!(!relaxed.for_number("+8613800138000", None).consent_required);

        // A campaign run from China follows China's law for a UK number as well.
        let both = shipped.for_number("+442079460000", Some("CN"));
        assert!(both.consent_required);
        let strict_uk = Laws::new([("GB".to_owned(), law(time!(09:00), time!(20:00), false))]);
        assert_eq!(
            strict_uk.for_number("+442079460000", Some("CN")),
            law(time!(09:00), time!(20:00), true),
            "the narrower window, and consent from either"
        );
        assert_eq!(built_in("GB"), None);
    }

    #[test]
    fn drafts_and_region_keys_are_checked() {
        let draft = JurisdictionDraft {
            window_start: "21:00".into(),
            window_end: "09:00".into(),
            consent_required: true,
        };
        assert_eq!(
            draft.parse().map_err(|e| e.0[0].field.clone()),
            Err("window_end".into())
        );
        assert_eq!(pack_region("cn"), Ok("CN".into()));
        assert_eq!(pack_region("*"), Ok("*".into()));
        assert!(pack_region("Atlantis").is_err());
    }
}
