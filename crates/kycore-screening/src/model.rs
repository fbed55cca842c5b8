//! The internal entity model every list format is mapped into, and the
//! metadata describing where a loaded list came from.

use std::time::SystemTime;

use serde::Serialize;

/// What kind of party a list entry (or a query) describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityType {
    Person,
    Organization,
    Vessel,
    Aircraft,
    /// The source did not say (CSL and DPL rows often leave the type blank).
    Unknown,
}

impl EntityType {
    /// Parses the type words used by the list formats and by FollowTheMoney-style
    /// schemas (`Person`, `Company`, `LegalEntity`, `individual`, `enterprise`…).
    /// Returns `None` for words it does not know.
    pub fn parse(raw: &str) -> Option<Self> {
        let lowered = raw.trim().to_ascii_lowercase();
        let kind = match lowered.as_str() {
            "person" | "individual" | "people" => Self::Person,
            "organization" | "organisation" | "company" | "entity" | "enterprise"
            | "legalentity" | "business" | "-0-" => Self::Organization,
            "vessel" | "ship" => Self::Vessel,
            "aircraft" => Self::Aircraft,
            "" | "unknown" | "thing" => Self::Unknown,
            _ => return None,
        };
        Some(kind)
    }
}

/// Why a name is attached to an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NameKind {
    Primary,
    Alias,
    FormerName,
    /// The name as written in its original (often non-Latin) script.
    OriginalScript,
}

/// The publisher's own judgement of an alias. Weak ("low quality") aliases are
/// kept for recall but their matches are discounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NameQuality {
    Strong,
    Weak,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Name {
    pub full: String,
    pub kind: NameKind,
    pub quality: NameQuality,
}

impl Name {
    pub fn new(full: impl Into<String>, kind: NameKind, quality: NameQuality) -> Self {
        Self {
            full: full.into(),
            kind,
            quality,
        }
    }
}

/// A date that may be known only to the year or the month, as lists often do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct PartialDate {
    pub year: u16,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl PartialDate {
    pub fn year(year: u16) -> Self {
        Self {
            year,
            month: None,
            day: None,
        }
    }

    /// Parses `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `DD/MM/YYYY`, `DD.MM.YYYY` and
    /// OFAC's `DD Mon YYYY` / `Mon YYYY`. Implausible values give `None`.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let starts_with_year = raw
            .as_bytes()
            .get(..4)
            .is_some_and(|b| b.iter().all(u8::is_ascii_digit));
        if starts_with_year && raw.contains('-') {
            let mut parts = raw.split('-');
            return Self::from_parts(parts.next(), parts.next(), parts.next());
        }
        if let Some(sep) = ['/', '.'].into_iter().find(|c| raw.contains(*c)) {
            let parts: Vec<&str> = raw.split(sep).collect();
            return match parts.as_slice() {
                [d, m, y] => Self::from_parts(Some(y), Some(m), Some(d)),
                [m, y] => Self::from_parts(Some(y), Some(m), None),
                _ => None,
            };
        }
        Self::parse_words(raw)
    }

    fn parse_words(raw: &str) -> Option<Self> {
        let words: Vec<&str> = raw.split_whitespace().collect();
        match words.as_slice() {
            [y] => Self::from_parts(Some(y), None, None),
            [m, y] => Self::with_month_word(y, m, None),
            [d, m, y] => Self::with_month_word(y, m, Some(d)),
            _ => None,
        }
    }

    fn with_month_word(year: &str, month: &str, day: Option<&str>) -> Option<Self> {
        let month = month_number(month)?.to_string();
        Self::from_parts(Some(year), Some(&month), day)
    }

    fn from_parts(year: Option<&str>, month: Option<&str>, day: Option<&str>) -> Option<Self> {
        let year: u16 = year?.trim().parse().ok()?;
        if !(1800..=2100).contains(&year) {
            return None;
        }
        let month = parse_bounded(month, 12);
        let day = month.and_then(|_| parse_bounded(day, 31));
        Some(Self { year, month, day })
    }
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as much as is known.
impl std::fmt::Display for PartialDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(month) = self.month {
            write!(f, "-{month:02}")?;
            if let Some(day) = self.day {
                write!(f, "-{day:02}")?;
            }
        }
        Ok(())
    }
}

fn parse_bounded(raw: Option<&str>, max: u8) -> Option<u8> {
    let value: u8 = raw?.trim().parse().ok()?;
    (1..=max).contains(&value).then_some(value)
}

fn month_number(word: &str) -> Option<u8> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let prefix: String = word
        .chars()
        .take(3)
        .collect::<String>()
        .to_ascii_lowercase();
    let index = MONTHS.iter().position(|m| *m == prefix)?;
    u8::try_from(index + 1).ok()
}

/// How a country is linked to an entity. All links take part in the country
/// qualifier; the kind is kept for the explanation and for callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CountryRole {
    Nationality,
    Citizenship,
    Residence,
    Address,
    BirthPlace,
    Jurisdiction,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountryLink {
    /// ISO 3166-1 alpha-2, upper case.
    pub code: String,
    pub role: CountryRole,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identifier {
    /// The publisher's label, e.g. "Passport", "Tax ID No.", "IMO".
    pub kind: String,
    pub value: String,
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entity {
    /// The publisher's id, unique within one list.
    pub id: String,
    pub entity_type: EntityType,
    /// The first name is the primary one.
    pub names: Vec<Name>,
    pub birth_dates: Vec<PartialDate>,
    pub countries: Vec<CountryLink>,
    pub identifiers: Vec<Identifier>,
    pub addresses: Vec<String>,
    pub programs: Vec<String>,
    /// Sub-list inside a combined file (CSL source, `EU`, `UK Cons`…).
    pub sublist: Option<String>,
}

impl Entity {
    pub fn new(id: impl Into<String>, entity_type: EntityType) -> Self {
        Self {
            id: id.into(),
            entity_type,
            names: Vec::new(),
            birth_dates: Vec::new(),
            countries: Vec::new(),
            identifiers: Vec::new(),
            addresses: Vec::new(),
            programs: Vec::new(),
            sublist: None,
        }
    }

    pub fn primary_name(&self) -> &str {
        self.names.first().map_or("", |n| n.full.as_str())
    }

    /// Adds a name unless the same string is already attached.
    pub fn add_name(&mut self, full: &str, kind: NameKind, quality: NameQuality) {
        let full = full.trim();
        if full.is_empty() || self.names.iter().any(|n| n.full == full) {
            return;
        }
        self.names.push(Name::new(full, kind, quality));
    }

    /// Adds a country given as a code or an English name; unknown values are
    /// ignored because a wrong country would create false contradictions.
    pub fn add_country(&mut self, raw: &str, role: CountryRole) {
        let Some(code) = crate::country::to_iso2(raw) else {
            return;
        };
        if !self.countries.iter().any(|c| c.code == code) {
            self.countries.push(CountryLink { code, role });
        }
    }

    pub fn add_birth_date(&mut self, date: PartialDate) {
        if !self.birth_dates.contains(&date) {
            self.birth_dates.push(date);
        }
    }
}

/// Where a list came from and which version of it is loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListSource {
    /// Stable id used in queries' `lists` filter, e.g. `us_ofac_sdn`.
    pub list_id: String,
    /// The publisher's date or version string, when the file carries one.
    pub version: Option<String>,
    /// The file (or files) it was read from.
    pub origin: String,
    #[serde(skip)]
    pub loaded_at: SystemTime,
}

impl ListSource {
    pub fn new(list_id: &str, version: Option<String>, origin: &str) -> Self {
        Self {
            list_id: list_id.to_owned(),
            version,
            origin: origin.to_owned(),
            loaded_at: SystemTime::now(),
        }
    }
}

/// One parsed list, ready to be handed to the screener.
#[derive(Debug, Clone)]
pub struct LoadedList {
    pub source: ListSource,
    pub entities: Vec<Entity>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_date_shapes_lists_use() {
        let full = Some(PartialDate {
            year: 1957,
            month: Some(11),
            day: Some(8),
        });
        assert_eq!(PartialDate::parse("08 Nov 1957"), full);
        assert_eq!(PartialDate::parse("1957-11-08"), full);
        assert_eq!(PartialDate::parse("8/11/1957"), full);
        assert_eq!(PartialDate::parse("1957"), Some(PartialDate::year(1957)));
        assert_eq!(
            PartialDate::parse("Nov 1957").and_then(|d| d.month),
            Some(11)
        );
        assert_eq!(PartialDate::parse("circa"), None);
        assert_eq!(full.map(|d| d.to_string()).as_deref(), Some("1957-11-08"));
        assert_eq!(PartialDate::year(1957).to_string(), "1957");
        assert_eq!(PartialDate::parse("0000-00-00"), None);
    }

    #[test]
    fn entity_types_from_schema_words() {
        assert_eq!(EntityType::parse("Company"), Some(EntityType::Organization));
        assert_eq!(EntityType::parse("individual"), Some(EntityType::Person));
        assert_eq!(EntityType::parse("Ship"), Some(EntityType::Vessel));
        assert_eq!(EntityType::parse("spaceship"), None);
    }
}
