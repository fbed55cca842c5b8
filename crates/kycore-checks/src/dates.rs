//! Calendar helpers shared by the checks: strict ISO 8601 parsing, ages and
//! the serde adapters for `time::Date`.
//!
//! Nothing here reads the clock; "today" is always passed in by the caller so
//! that every rule is reproducible in tests and in replays.

use time::{Date, Month};

/// Why a date string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not of the form `YYYY-MM-DD`.
    #[error("expected a date as YYYY-MM-DD")]
    Format,
    /// The shape is right but the day does not exist (for example 2023-02-29).
    #[error("{0} is not a calendar date")]
    NotInCalendar(String),
}

/// Parses a strict `YYYY-MM-DD` date (four-digit year, no time, no offset).
pub fn parse_iso_date(text: &str) -> Result<Date, DateError> {
    let text = text.trim();
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return Err(DateError::Format);
    }
    let number =
        |range: std::ops::Range<usize>| text[range].parse::<u16>().map_err(|_| DateError::Format);
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    calendar_date(i32::from(year), month, day)
        .ok_or_else(|| DateError::NotInCalendar(text.to_owned()))
}

/// Builds a date from numeric parts, or `None` when the day does not exist.
pub fn calendar_date(year: i32, month: u16, day: u16) -> Option<Date> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()
}

/// Age in completed years on `today`; negative when `birth` is in the future.
pub fn age_on(birth: Date, today: Date) -> i32 {
    let years = today.year() - birth.year();
    let birthday_passed =
        (u8::from(today.month()), today.day()) >= (u8::from(birth.month()), birth.day());
    if birthday_passed { years } else { years - 1 }
}

/// Serde adapter: `time::Date` as `"YYYY-MM-DD"`.
pub mod iso {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    /// Writes the date as `YYYY-MM-DD`.
    pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(date)
    }

    /// Reads a strict `YYYY-MM-DD` date.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        super::parse_iso_date(&text).map_err(serde::de::Error::custom)
    }
}

/// Serde adapter: `Option<time::Date>` as `"YYYY-MM-DD"` or `null`.
pub mod iso_option {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    /// Writes the date as `YYYY-MM-DD`, or `null`.
    pub fn serialize<S: Serializer>(date: &Option<Date>, serializer: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => serializer.collect_str(date),
            None => serializer.serialize_none(),
        }
    }

    /// Reads an optional strict `YYYY-MM-DD` date.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Date>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| super::parse_iso_date(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_strict_iso_dates() {
        assert_eq!(
            parse_iso_date("1974-08-12").unwrap().to_string(),
            "1974-08-12"
        );
        assert_eq!(
            parse_iso_date("2023-02-29"),
            Err(DateError::NotInCalendar("2023-02-29".into()))
        );
        for bad in [
            "",
            "1974-8-12",
            "19740812",
            "1974/08/12",
            "١٩٧٤-٠٨-١٢",
            "abcd-ef-gh",
        ] {
            assert_eq!(parse_iso_date(bad), Err(DateError::Format), "{bad}");
        }
    }

    #[test]
    fn age_counts_completed_years() {
        let dob = parse_iso_date("2008-06-15").unwrap();
        assert_eq!(age_on(dob, parse_iso_date("2026-06-14").unwrap()), 17);
        assert_eq!(age_on(dob, parse_iso_date("2026-06-15").unwrap()), 18);
        let leap = parse_iso_date("2008-02-29").unwrap();
        assert_eq!(age_on(leap, parse_iso_date("2026-02-28").unwrap()), 17);
        assert_eq!(age_on(leap, parse_iso_date("2026-03-01").unwrap()), 18);
    }
}
