//! OpenSanctions / FollowTheMoney entity files (`entities.ftm.json`): one JSON
//! entity per line, `{"id", "schema", "properties": {prop: [values…]}, …}`.
//! Only entities a screening can hit are kept (people, organisations,
//! companies, vessels, aircraft, legal entities); sanctions, addresses,
//! relationships and other linking entities are skipped. A line that is not
//! valid JSON is skipped too, so one bad record does not block a list of
//! hundreds of thousands; the load fails only when nothing usable remains.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use super::{ListError, maybe_gunzip, read_file};
use crate::model::{
    CountryRole, Entity, EntityType, Identifier, ListSource, LoadedList, NameKind, NameQuality,
    PartialDate,
};

/// Longest line accepted; FtM entities are a few kilobytes.
const MAX_LINE_BYTES: usize = 4 << 20;

#[derive(Deserialize)]
struct FtmEntity {
    id: String,
    schema: String,
    #[serde(default)]
    properties: std::collections::HashMap<String, Vec<serde_json::Value>>,
    #[serde(default)]
    datasets: Vec<String>,
    #[serde(default)]
    last_change: Option<String>,
}

impl FtmEntity {
    fn values<'a>(&'a self, property: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.properties
            .get(property)
            .into_iter()
            .flatten()
            .filter_map(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }
}

/// Loads a file, plain or gzipped.
pub fn load(path: &Path, list_id: &str, version: Option<String>) -> Result<LoadedList, ListError> {
    let bytes = maybe_gunzip(read_file(path)?)?;
    let (entities, latest) = parse(bytes.as_slice())?;
    Ok(LoadedList {
        source: ListSource::new(list_id, version.or(latest), &path.display().to_string()),
        entities,
    })
}

/// Returns the screenable entities and the latest `last_change` as version.
pub fn parse(input: impl BufRead) -> Result<(Vec<Entity>, Option<String>), ListError> {
    let mut entities = Vec::new();
    let mut version: Option<String> = None;
    for line in input.split(b'\n') {
        let line = line.map_err(|source| ListError::Io {
            path: "<ftm>".to_owned(),
            source,
        })?;
        if line.len() > MAX_LINE_BYTES {
            continue;
        }
        let Ok(raw) = serde_json::from_slice::<FtmEntity>(&line) else {
            continue;
        };
        if let Some(change) = raw.last_change.as_deref()
            && version.as_deref().is_none_or(|v| v < change)
        {
            version = Some(change.to_owned());
        }
        if let Some(entity) = convert(&raw) {
            entities.push(entity);
        }
    }
    if entities.is_empty() {
        return Err(ListError::Empty);
    }
    Ok((entities, version))
}

fn entity_type(schema: &str) -> Option<EntityType> {
    let kind = match schema {
        "Person" => EntityType::Person,
        "Organization" | "Company" | "PublicBody" => EntityType::Organization,
        "Vessel" => EntityType::Vessel,
        "Airplane" => EntityType::Aircraft,
        "LegalEntity" => EntityType::Unknown,
        _ => return None,
    };
    Some(kind)
}

fn convert(raw: &FtmEntity) -> Option<Entity> {
    let mut entity = Entity::new(raw.id.clone(), entity_type(&raw.schema)?);
    for (property, kind, quality) in [
        ("name", NameKind::Primary, NameQuality::Strong),
        ("alias", NameKind::Alias, NameQuality::Strong),
        ("previousName", NameKind::FormerName, NameQuality::Strong),
        ("weakAlias", NameKind::Alias, NameQuality::Weak),
    ] {
        for name in raw.values(property) {
            entity.add_name(name, kind, quality);
        }
    }
    if entity.names.is_empty() {
        let parts: Vec<&str> = ["firstName", "middleName", "lastName"]
            .into_iter()
            .filter_map(|p| raw.values(p).next())
            .collect();
        entity.add_name(&parts.join(" "), NameKind::Primary, NameQuality::Strong);
    }
    if entity.names.is_empty() {
        return None;
    }
    raw.values("birthDate")
        .filter_map(PartialDate::parse)
        .for_each(|d| entity.add_birth_date(d));
    for (property, role) in [
        ("nationality", CountryRole::Nationality),
        ("citizenship", CountryRole::Citizenship),
        ("country", CountryRole::Residence),
        ("jurisdiction", CountryRole::Jurisdiction),
        ("birthCountry", CountryRole::BirthPlace),
    ] {
        for country in raw.values(property) {
            entity.add_country(country, role);
        }
    }
    for property in [
        "idNumber",
        "passportNumber",
        "taxNumber",
        "registrationNumber",
        "leiCode",
        "imoNumber",
        "innCode",
        "ogrnCode",
        "swiftBic",
    ] {
        for value in raw.values(property) {
            entity.identifiers.push(Identifier {
                kind: property.to_owned(),
                value: value.to_owned(),
                country: None,
            });
        }
    }
    entity
        .addresses
        .extend(raw.values("address").map(str::to_owned));
    entity
        .programs
        .extend(raw.values("program").map(str::to_owned));
    entity.sublist = raw.datasets.first().cloned();
    Some(entity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_screenable_schemas_and_skips_bad_lines() {
        let text = concat!(
            r#"{"id":"p1","schema":"Person","properties":{"name":["Ivan Petrov"],"alias":["Иван Петров"],"birthDate":["1970-05-01"],"nationality":["ru"]},"datasets":["x"],"last_change":"2024-01-02T00:00:00"}"#,
            "\n",
            r#"{"id":"s1","schema":"Sanction","properties":{"entity":["p1"]}}"#,
            "\nnot json\n",
            r#"{"id":"c1","schema":"Company","properties":{"name":["ACME OOO"],"innCode":["7700000000"]}}"#,
            "\n"
        );
        let (entities, version) = parse(text.as_bytes()).unwrap();
        assert_eq!(entities.len(), 2);
        assert_eq!(entities[0].names.len(), 2);
        assert_eq!(entities[0].countries[0].code, "RU");
        assert_eq!(entities[1].entity_type, EntityType::Organization);
        assert_eq!(version.as_deref(), Some("2024-01-02T00:00:00"));
        assert!(matches!(parse(&b"{}\n"[..]), Err(ListError::Empty)));
    }
}
