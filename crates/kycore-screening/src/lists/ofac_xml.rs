//! OFAC Sanctions List Service "Enhanced XML" (`sanctionsData/entities/entity`),
//! read from the XML itself or from the ZIP OFAC distributes it in. Names come
//! with translations per script; non-Latin ones are kept as original-script
//! names. Birth dates and nationalities are "features".

use std::io::{BufRead, Cursor, Read};
use std::path::Path;

use super::{ListError, XmlStep, attr, ends_with, read_all, read_file, walk_xml};
use crate::model::{
    CountryRole, Entity, EntityType, Identifier, ListSource, LoadedList, NameKind, NameQuality,
};

/// Loads a `.xml` file, or the first `.xml` member of a `.zip`.
pub fn load(path: &Path, list_id: &str) -> Result<LoadedList, ListError> {
    let bytes = read_file(path)?;
    let xml = if bytes.starts_with(b"PK") {
        unzip_first_xml(bytes)?
    } else {
        bytes
    };
    let (entities, version) = parse(xml.as_slice())?;
    Ok(LoadedList {
        source: ListSource::new(list_id, version, &path.display().to_string()),
        entities,
    })
}

fn unzip_first_xml(bytes: Vec<u8>) -> Result<Vec<u8>, ListError> {
    let archive_error = |e: zip::result::ZipError| ListError::Archive(e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(archive_error)?;
    let position = (0..archive.len())
        .find(|&i| {
            archive
                .name_for_index(i)
                .and_then(Result::ok)
                .is_some_and(|n| n.to_ascii_lowercase().ends_with(".xml"))
        })
        .ok_or_else(|| ListError::Archive("no .xml member".to_owned()))?;
    let member = archive.by_index(position).map_err(archive_error)?;
    read_all(member.take(512 * 1024 * 1024))
}

/// Parses the XML; returns the entities and the `dataAsOf` stamp.
pub fn parse(input: impl BufRead) -> Result<(Vec<Entity>, Option<String>), ListError> {
    let mut state = State::default();
    walk_xml(input, |step| match step {
        XmlStep::Open { path, attrs } => state.open(path, attrs),
        XmlStep::Close { path, text } => state.close(path, text),
    })?;
    if state.entities.is_empty() {
        return Err(ListError::Empty);
    }
    Ok((state.entities, state.version))
}

#[derive(Default)]
struct State {
    entities: Vec<Entity>,
    version: Option<String>,
    entity: Option<Entity>,
    name: NameState,
    feature_type: String,
    doc: (String, String, String),
}

/// The name being read: its flags arrive before its translations.
#[derive(Default)]
struct NameState {
    primary: bool,
    alias_kind: AliasType,
    low_quality: bool,
    script: String,
}

#[derive(Default, Clone, Copy)]
enum AliasType {
    #[default]
    Aka,
    Fka,
}

impl State {
    fn open(&mut self, path: &[String], attrs: &[(String, String)]) {
        if ends_with(path, &["entities", "entity"]) {
            let id = attr(attrs, "id").unwrap_or_default();
            self.entity = Some(Entity::new(id, EntityType::Unknown));
        } else if ends_with(path, &["names", "name"]) {
            self.name = NameState::default();
        }
    }

    fn close(&mut self, path: &[String], text: &str) {
        if ends_with(path, &["publicationInfo", "dataAsOf"]) {
            self.version = Some(text.to_owned());
        }
        if ends_with(path, &["entities", "entity"]) {
            if let Some(mut entity) = self.entity.take().filter(|e| !e.names.is_empty()) {
                entity.names.sort_by_key(|n| n.kind != NameKind::Primary);
                self.entities.push(entity);
            }
            return;
        }
        if self.entity.is_some() {
            self.entity_field(path, text);
        }
    }

    fn entity_field(&mut self, path: &[String], text: &str) {
        let tag = path.last().map_or("", String::as_str);
        let parent = path
            .len()
            .checked_sub(2)
            .and_then(|i| path.get(i))
            .map_or("", String::as_str);
        let Some(entity) = self.entity.as_mut() else {
            return;
        };
        match (parent, tag) {
            ("generalInfo", "entityType") => {
                entity.entity_type = EntityType::parse(text).unwrap_or(EntityType::Unknown);
            }
            ("name", "isPrimary") => self.name.primary = text == "true",
            ("name", "isLowQuality") => self.name.low_quality = text == "true",
            ("name", "aliasType") => {
                self.name.alias_kind = if text.starts_with("F.K.A") {
                    AliasType::Fka
                } else {
                    AliasType::Aka
                };
            }
            ("translation", "script") => self.name.script = text.to_owned(),
            ("translation", "formattedFullName") if path.iter().any(|p| p == "names") => {
                let (kind, quality) = self.name.kind();
                entity.add_name(text, kind, quality);
            }
            ("sanctionsPrograms", "sanctionsProgram") => entity.programs.push(text.to_owned()),
            ("feature", "type") => self.feature_type = text.to_owned(),
            ("feature", "value") => apply_feature(entity, &self.feature_type, text),
            ("address", "country") => entity.add_country(text, CountryRole::Address),
            ("identityDocument", "type") => self.doc.0 = text.to_owned(),
            ("identityDocument", "documentNumber") => self.doc.1 = text.to_owned(),
            ("identityDocument", "issuingCountry") => self.doc.2 = text.to_owned(),
            ("identityDocuments", "identityDocument") => {
                let (kind, value, country) = std::mem::take(&mut self.doc);
                if !value.is_empty() {
                    let country = Some(country).filter(|c| !c.is_empty());
                    entity.identifiers.push(Identifier {
                        kind,
                        value,
                        country,
                    });
                }
            }
            _ => {}
        }
    }
}

impl NameState {
    fn kind(&self) -> (NameKind, NameQuality) {
        let quality = if self.low_quality {
            NameQuality::Weak
        } else {
            NameQuality::Strong
        };
        let kind = if !self.script.is_empty() && self.script != "Latin" {
            NameKind::OriginalScript
        } else if self.primary {
            NameKind::Primary
        } else {
            match self.alias_kind {
                AliasType::Aka => NameKind::Alias,
                AliasType::Fka => NameKind::FormerName,
            }
        };
        (kind, quality)
    }
}

fn apply_feature(entity: &mut Entity, feature: &str, value: &str) {
    match feature.trim() {
        // The same text as the CSV's remarks: a range or an estimate is
        // every year it allows, not its first.
        "Birthdate" => super::ofac_birth_dates(value)
            .into_iter()
            .for_each(|d| entity.add_birth_date(d)),
        "Nationality Country" => entity.add_country(value, CountryRole::Nationality),
        "Citizenship Country" => entity.add_country(value, CountryRole::Citizenship),
        "Nationality of Registration" => entity.add_country(value, CountryRole::Jurisdiction),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_birthdate_range_is_every_year_of_it() {
        let mut entity = Entity::new("1", EntityType::Person);
        apply_feature(&mut entity, "Birthdate", "1957 to 1959");
        apply_feature(&mut entity, "Birthdate", "circa 1959");
        let years: Vec<u16> = entity.birth_dates.iter().map(|d| d.year).collect();
        // 1959 given twice is kept once.
        assert_eq!(years, vec![1957, 1958, 1959, 1960]);
    }
}
