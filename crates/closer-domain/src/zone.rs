//! Time zones of the people who use Closer: instants are stored in UTC and shown, typed and
//! grouped into days in the user's own zone (a rep in Shanghai plans a 10:00 meeting at 10:00
//! Shanghai time). The IANA database is compiled in, so a machine without one still knows every
//! zone.

use time::{Date, OffsetDateTime, Time, UtcOffset};

/// A named time zone (or UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    name: String,
    zone: jiff::tz::TimeZone,
}

impl Default for Zone {
    fn default() -> Self {
        Zone {
            name: "UTC".to_owned(),
            zone: jiff::tz::TimeZone::UTC,
        }
    }
}

impl Zone {
    /// The zone with this IANA name (`Asia/Shanghai`), or why there is none.
    pub fn named(name: &str) -> Result<Zone, String> {
        let name = name.trim();
        jiff::tz::TimeZone::get(name)
            .map(|zone| Zone {
                name: zone.iana_name().unwrap_or(name).to_owned(),
                zone,
            })
            .map_err(|_| format!("'{name}' is not a time zone; use an IANA name such as Asia/Shanghai"))
    }

    /// The IANA name, as the database spells it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone's offset from UTC at the instant `at`.
    pub fn offset_at(&self, at: OffsetDateTime) -> UtcOffset {
        let seconds = jiff::Timestamp::from_second(at.unix_timestamp())
            .map(|instant| self.zone.to_offset(instant).seconds())
            .unwrap_or(0);
        UtcOffset::from_whole_seconds(seconds).unwrap_or(UtcOffset::UTC)
    }

    /// The instant `at` on this zone's clocks.
    pub fn local(&self, at: OffsetDateTime) -> OffsetDateTime {
        at.to_offset(self.offset_at(at))
    }

    /// The instant the zone's clocks show `time` on `date`. In a gap (clocks jumping forward) the
    /// later reading is meant; in an overlap, the earlier.
    pub fn instant(&self, date: Date, time: Time) -> OffsetDateTime {
        let civil = jiff::civil::DateTime::new(
            i16::try_from(date.year()).unwrap_or(9999),
            i8::try_from(u8::from(date.month())).unwrap_or(1),
            i8::try_from(date.day()).unwrap_or(1),
            i8::try_from(time.hour()).unwrap_or(0),
            i8::try_from(time.minute()).unwrap_or(0),
            i8::try_from(time.second()).unwrap_or(0),
            0,
        );
        let seconds = civil
            .ok()
            .and_then(|civil| self.zone.to_ambiguous_timestamp(civil).compatible().ok())
            .map(|instant| instant.as_second());
        match seconds.and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok()) {
            Some(instant) => instant,
            None => date.with_time(time).assume_utc(),
        }
    }

    /// Every zone name the database knows, sorted.
    pub fn all_names() -> Vec<String> {
        let mut names: Vec<String> = jiff::tz::db().available().map(|name| name.to_string()).collect();
        names.sort();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, time};

    #[test]
    fn a_local_reading_is_the_instant_its_zone_means() {
        let shanghai = Zone::named("Asia/Shanghai").expect("a zone");
        assert_eq!(
            shanghai.instant(date!(2026 - 12 - 01), time!(10:00)),
            datetime!(2026-12-01 02:00 UTC)
        );
        let back = shanghai.local(datetime!(2026-12-01 02:00 UTC));
        assert_eq!((back.hour(), back.minute()), (10, 0));
        assert_eq!(back.date(), date!(2026 - 12 - 01));
        // Summer time moves the offset: London is UTC+1 in July, UTC in December.
        let london = Zone::named("Europe/London").expect("a zone");
        assert_eq!(
            london.instant(date!(2026 - 07 - 01), time!(09:00)),
            datetime!(2026-07-01 08:00 UTC)
        );
        assert_eq!(
            london.instant(date!(2026 - 12 - 01), time!(09:00)),
            datetime!(2026-12-01 09:00 UTC)
        );
    }

    #[test]
    fn unknown_zones_are_refused_by_name() {
        assert!(
            Zone::named("Mars/Olympus_Mons")
                .unwrap_err()
                .contains("Mars/Olympus_Mons")
        );
        assert!(Zone::all_names().iter().any(|n| n == "Asia/Shanghai"));
        assert_eq!(Zone::default().name(), "UTC");
    }
}
