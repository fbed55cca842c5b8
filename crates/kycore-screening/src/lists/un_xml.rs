//! UN Security Council Consolidated List XML (`CONSOLIDATED_LIST` with
//! `INDIVIDUALS/INDIVIDUAL` and `ENTITIES/ENTITY`). Names are split over
//! FIRST..FOURTH_NAME; the original-script name is indexed too, so a query
//! typed in Arabic meets the same transliteration on both sides.

use std::io::BufRead;
use std::path::Path;

use super::{ListError, XmlStep, attr, read_file, walk_xml};
use crate::model::{
    CountryRole, Entity, EntityType, Identifier, ListSource, LoadedList, NameKind, NameQuality,
    PartialDate,
};

pub fn load(path: &Path, list_id: &str) -> Result<LoadedList, ListError> {
    let bytes = read_file(path)?;
    let (entities, version) = parse(bytes.as_slice())?;
    Ok(LoadedList {
        source: ListSource::new(list_id, version, &path.display().to_string()),
        entities,
    })
}

/// Parses the XML; returns the entities and the `dateGenerated` stamp.
pub fn parse(input: impl BufRead) -> Result<(Vec<Entity>, Option<String>), ListError> {
    let mut state = State::default();
    walk_xml(input, |step| state.step(step))?;
    if state.entities.is_empty() {
        return Err(ListError::Empty);
    }
    Ok((state.entities, state.version))
}

#[derive(Default)]
struct State {
    entities: Vec<Entity>,
    version: Option<String>,
    current: Option<Record>,
}

/// Fields gathered while inside one INDIVIDUAL or ENTITY element.
#[derive(Default)]
struct Record {
    entity: Option<Entity>,
    name_parts: Vec<String>,
    alias_quality: String,
    date: Option<PartialDate>,
    /// The date's `TYPE_OF_DATE` is `APPROXIMATELY`.
    approximate: bool,
    years: (Option<u16>, Option<u16>),
    doc_kind: String,
    doc_number: String,
    doc_country: String,
}

impl State {
    fn step(&mut self, step: XmlStep<'_>) {
        match step {
            XmlStep::Open { path, attrs } => self.open(path, attrs),
            XmlStep::Close { path, text } => self.close(path, text),
        }
    }

    fn open(&mut self, path: &[String], attrs: &[(String, String)]) {
        match path.last().map(String::as_str) {
            Some("CONSOLIDATED_LIST") => {
                self.version = attr(attrs, "dateGenerated").map(str::to_owned)
            }
            Some(tag @ ("INDIVIDUAL" | "ENTITY")) if path.len() == 3 => {
                let kind = if tag == "INDIVIDUAL" {
                    EntityType::Person
                } else {
                    EntityType::Organization
                };
                self.current = Some(Record {
                    entity: Some(Entity::new("", kind)),
                    ..Record::default()
                });
            }
            _ => {}
        }
    }

    fn close(&mut self, path: &[String], text: &str) {
        let Some(record) = self.current.as_mut() else {
            return;
        };
        if path.len() == 3 {
            if let Some(entity) = self.current.take().and_then(Record::finish) {
                self.entities.push(entity);
            }
            return;
        }
        record.field(path, text);
    }
}

impl Record {
    fn field(&mut self, path: &[String], text: &str) {
        let Some(entity) = self.entity.as_mut() else {
            return;
        };
        let tag = path.last().map_or("", String::as_str);
        let parent = path
            .len()
            .checked_sub(2)
            .and_then(|i| path.get(i))
            .map_or("", String::as_str);
        match (parent, tag) {
            (_, "DATAID") => entity.id = text.to_owned(),
            (_, "FIRST_NAME" | "SECOND_NAME" | "THIRD_NAME" | "FOURTH_NAME")
                if !text.is_empty() =>
            {
                self.name_parts.push(text.to_owned());
            }
            (_, "NAME_ORIGINAL_SCRIPT") => {
                entity.add_name(text, NameKind::OriginalScript, NameQuality::Strong)
            }
            (_, "UN_LIST_TYPE") => entity.programs.push(text.to_owned()),
            ("NATIONALITY", "VALUE") => entity.add_country(text, CountryRole::Nationality),
            (_, "QUALITY") => self.alias_quality = text.to_ascii_lowercase(),
            (_, "ALIAS_NAME") => {
                let quality = if self.alias_quality == "low" {
                    NameQuality::Weak
                } else {
                    NameQuality::Strong
                };
                entity.add_name(text, NameKind::Alias, quality);
            }
            ("INDIVIDUAL_ADDRESS" | "ENTITY_ADDRESS", "COUNTRY") => {
                entity.add_country(text, CountryRole::Address)
            }
            ("INDIVIDUAL_PLACE_OF_BIRTH", "COUNTRY") => {
                entity.add_country(text, CountryRole::BirthPlace)
            }
            ("INDIVIDUAL_DATE_OF_BIRTH", "TYPE_OF_DATE")
                if text.trim().eq_ignore_ascii_case("APPROXIMATELY") =>
            {
                self.approximate = true
            }
            ("INDIVIDUAL_DATE_OF_BIRTH", "DATE") => self.date = PartialDate::parse(text),
            ("INDIVIDUAL_DATE_OF_BIRTH", "YEAR") => self.date = PartialDate::parse(text),
            ("INDIVIDUAL_DATE_OF_BIRTH", "FROM_YEAR") => self.years.0 = text.parse().ok(),
            ("INDIVIDUAL_DATE_OF_BIRTH", "TO_YEAR") => self.years.1 = text.parse().ok(),
            (_, "INDIVIDUAL_DATE_OF_BIRTH") => self.flush_birth_date(),
            ("INDIVIDUAL_DOCUMENT", "TYPE_OF_DOCUMENT") => self.doc_kind = text.to_owned(),
            ("INDIVIDUAL_DOCUMENT", "NUMBER") => self.doc_number = text.to_owned(),
            ("INDIVIDUAL_DOCUMENT", "ISSUING_COUNTRY") => self.doc_country = text.to_owned(),
            (_, "INDIVIDUAL_DOCUMENT") => self.flush_document(),
            _ => {}
        }
    }

    fn flush_birth_date(&mut self) {
        let Some(entity) = self.entity.as_mut() else {
            return;
        };
        let approximate = std::mem::take(&mut self.approximate);
        match self.date.take() {
            Some(date) if approximate => super::approximate(date)
                .into_iter()
                .for_each(|d| entity.add_birth_date(d)),
            Some(date) => entity.add_birth_date(date),
            None => {}
        }
        if let (Some(from), Some(to)) = std::mem::take(&mut self.years) {
            (from..=to.min(from.saturating_add(10)))
                .for_each(|y| entity.add_birth_date(PartialDate::year(y)));
        }
    }

    fn flush_document(&mut self) {
        let number = std::mem::take(&mut self.doc_number);
        let kind = std::mem::take(&mut self.doc_kind);
        let country = std::mem::take(&mut self.doc_country);
        if let Some(entity) = self.entity.as_mut().filter(|_| !number.is_empty()) {
            entity.identifiers.push(Identifier {
                kind,
                value: number,
                country: Some(country).filter(|c| !c.is_empty()),
            });
        }
    }

    fn finish(mut self) -> Option<Entity> {
        let mut entity = self.entity.take()?;
        let primary = self.name_parts.join(" ");
        if primary.trim().is_empty() || entity.id.is_empty() {
            return None;
        }
        // The primary name goes first; aliases were collected before it was complete.
        let rest = std::mem::take(&mut entity.names);
        entity.add_name(&primary, NameKind::Primary, NameQuality::Strong);
        rest.into_iter()
            .for_each(|n| entity.add_name(&n.full, n.kind, n.quality));
        Some(entity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_individuals_with_aliases_and_dates() {
        let xml = r#"<CONSOLIDATED_LIST dateGenerated="2026-02-27"><INDIVIDUALS><INDIVIDUAL>
            <DATAID>1</DATAID><FIRST_NAME>SADDAM</FIRST_NAME><SECOND_NAME>HUSSEIN</SECOND_NAME>
            <NAME_ORIGINAL_SCRIPT>صدام حسين</NAME_ORIGINAL_SCRIPT>
            <NATIONALITY><VALUE>Iraq</VALUE></NATIONALITY>
            <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Abu Ali</ALIAS_NAME></INDIVIDUAL_ALIAS>
            <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1937-04-28</DATE></INDIVIDUAL_DATE_OF_BIRTH>
            </INDIVIDUAL></INDIVIDUALS><ENTITIES><ENTITY><DATAID>2</DATAID><FIRST_NAME>AL &amp; CO</FIRST_NAME></ENTITY></ENTITIES></CONSOLIDATED_LIST>"#;
        let (entities, version) = parse(xml.as_bytes()).unwrap();
        assert_eq!(version.as_deref(), Some("2026-02-27"));
        assert_eq!(entities.len(), 2);
        let saddam = &entities[0];
        assert_eq!(saddam.primary_name(), "SADDAM HUSSEIN");
        assert_eq!(saddam.names.len(), 3);
        assert_eq!(saddam.names[2].quality, NameQuality::Weak);
        assert_eq!(saddam.birth_dates[0].day, Some(28));
        assert_eq!(saddam.countries[0].code, "IQ");
        assert_eq!(entities[1].primary_name(), "AL & CO");
    }

    #[test]
    fn approximate_years_and_ranges_allow_every_year_they_cover() {
        let xml = r#"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>
            <DATAID>1</DATAID><FIRST_NAME>A</FIRST_NAME><SECOND_NAME>B</SECOND_NAME>
            <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1950-02-03</DATE></INDIVIDUAL_DATE_OF_BIRTH>
            <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><YEAR>1966</YEAR></INDIVIDUAL_DATE_OF_BIRTH>
            <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1973</FROM_YEAR><TO_YEAR>1974</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>
            </INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"#;
        let (entities, _) = parse(xml.as_bytes()).unwrap();
        let years: Vec<u16> = entities[0].birth_dates.iter().map(|d| d.year).collect();
        // The exact date stays exact: the estimate's neighbours are its own.
        assert_eq!(years, vec![1950, 1966, 1965, 1967, 1973, 1974]);
    }
}
