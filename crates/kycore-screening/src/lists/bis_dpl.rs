//! BIS Denied Persons List: tab-separated with a header, one row per
//! (name, address) pair. Rows sharing a name are one entity.

use std::collections::HashMap;
use std::path::Path;

use super::{Columns, ListError, csv_reader, decode_text, read_file};
use crate::model::{
    CountryRole, Entity, EntityType, ListSource, LoadedList, NameKind, NameQuality,
};

pub fn load(path: &Path, list_id: &str) -> Result<LoadedList, ListError> {
    let text = decode_text(read_file(path)?);
    let (entities, version) = parse(&text)?;
    Ok(LoadedList {
        source: ListSource::new(list_id, version, &path.display().to_string()),
        entities,
    })
}

/// Returns the entities and the latest `Last_Update` as the version.
pub fn parse(text: &str) -> Result<(Vec<Entity>, Option<String>), ListError> {
    let mut reader = csv_reader(text, b'\t', true);
    let columns = Columns::new(reader.headers()?);
    columns.require(&["name", "country"])?;
    let mut entities: Vec<Entity> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut version: Option<String> = None;
    for (line, record) in reader.records().enumerate() {
        let record = record?;
        let row = columns.row(&record);
        let get = |name: &str| row.get(name);
        let name = get("name");
        if name.is_empty() {
            continue;
        }
        let slot = *by_name.entry(name.to_uppercase()).or_insert_with(|| {
            let mut entity = Entity::new(format!("dpl-{}", line + 1), EntityType::Unknown);
            entity.add_name(name, NameKind::Primary, NameQuality::Strong);
            entities.push(entity);
            entities.len() - 1
        });
        let address: Vec<&str> = ["street_address", "city", "state", "postal_code", "country"]
            .into_iter()
            .map(get)
            .filter(|p| !p.is_empty())
            .collect();
        let entity = &mut entities[slot];
        entity.addresses.push(address.join(", "));
        entity.add_country(get("country"), CountryRole::Address);
        let updated = get("last_update");
        // The file holds at least one impossible year (3033); ignore such stamps.
        if updated < "2100" && version.as_deref().is_none_or(|v| v < updated) {
            version = Some(updated.to_owned());
        }
    }
    if entities.is_empty() {
        return Err(ListError::Empty);
    }
    Ok((entities, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_rows_by_name() {
        let tsv = "\"Name\"\t\"Country\"\t\"Last_Update\"\n\"ACME\"\t\"US\"\t\"2020-01-01\"\n\"Acme\"\t\"CA\"\t\"2023-11-28\"\n\"BOB\"\t\"\"\t\"\"\n";
        let (entities, version) = parse(tsv).unwrap();
        assert_eq!(entities.len(), 2);
        assert_eq!(entities[0].countries.len(), 2);
        assert_eq!(version.as_deref(), Some("2023-11-28"));
    }
}
