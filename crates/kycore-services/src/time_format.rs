//! Conversions between stored Unix milliseconds and the RFC 3339 UTC strings of the API.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use kycore_store::Millis;

pub fn now_millis() -> Millis {
    millis_of(OffsetDateTime::now_utc())
}

pub fn millis_of(t: OffsetDateTime) -> Millis {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

pub fn datetime_of(millis: Millis) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Today's date in UTC.
pub fn today() -> time::Date {
    datetime_of(now_millis()).date()
}

/// `2026-11-21T23:49:32.123Z`.
pub fn rfc3339(millis: Millis) -> String {
    rfc3339_of(datetime_of(millis))
}

/// A time as the APIs write it. Only years outside 0–9999 fail to format, and no time
/// kycore stores is one.
pub fn rfc3339_of(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// Parses an RFC 3339 timestamp from a query parameter.
pub fn parse_rfc3339(raw: &str) -> Option<Millis> {
    OffsetDateTime::parse(raw, &Rfc3339).ok().map(millis_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_rfc3339() {
        let t = 1_763_769_000_123;
        assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t));
        assert!(rfc3339(t).ends_with('Z'));
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
