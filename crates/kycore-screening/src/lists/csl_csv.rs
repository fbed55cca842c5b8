//! US Consolidated Screening List CSV (trade.gov), plain or gzipped. One row
//! per entry, multi-valued fields separated by `; `; the `source` column
//! names the sub-list (SDN, Entity List, DPL…) and becomes `Entity::sublist`.

use std::path::Path;

use super::{Columns, ListError, csv_reader, decode_text, maybe_gunzip, read_file, split_multi};
use crate::model::{
    CountryRole, Entity, EntityType, Identifier, ListSource, LoadedList, NameKind, NameQuality,
    PartialDate,
};

pub fn load(path: &Path, list_id: &str, version: Option<String>) -> Result<LoadedList, ListError> {
    let text = decode_text(maybe_gunzip(read_file(path)?)?);
    Ok(LoadedList {
        source: ListSource::new(list_id, version, &path.display().to_string()),
        entities: parse(&text)?,
    })
}

pub fn parse(text: &str) -> Result<Vec<Entity>, ListError> {
    let mut reader = csv_reader(text, b',', true);
    let columns = Columns::new(reader.headers()?);
    columns.require(&["_id", "source", "name", "alt_names"])?;
    let mut entities = Vec::new();
    for record in reader.records() {
        entities.extend(row_entity(&columns, &record?));
    }
    if entities.is_empty() {
        return Err(ListError::Empty);
    }
    Ok(entities)
}

fn row_entity(columns: &Columns, record: &csv::StringRecord) -> Option<Entity> {
    let row = columns.row(record);
    let get = |name: &str| row.get(name);
    let entity_type = EntityType::parse(get("type")).unwrap_or(EntityType::Unknown);
    let mut entity = Entity::new(get("_id"), entity_type);
    entity.add_name(get("name"), NameKind::Primary, NameQuality::Strong);
    if entity.names.is_empty() || entity.id.is_empty() {
        return None;
    }
    split_multi(get("alt_names"), ";")
        .for_each(|n| entity.add_name(n, NameKind::Alias, NameQuality::Strong));
    entity.sublist = Some(get("source").to_owned()).filter(|s| !s.is_empty());
    entity.programs = split_multi(get("programs"), ";")
        .map(str::to_owned)
        .collect();
    entity.addresses = split_multi(get("addresses"), ";")
        .map(str::to_owned)
        .collect();
    split_multi(get("dates_of_birth"), ";")
        .filter_map(PartialDate::parse)
        .for_each(|d| entity.add_birth_date(d));
    split_multi(get("nationalities"), ";")
        .for_each(|c| entity.add_country(c, CountryRole::Nationality));
    split_multi(get("citizenships"), ";")
        .for_each(|c| entity.add_country(c, CountryRole::Citizenship));
    split_multi(get("vessel_flag"), ";")
        .for_each(|c| entity.add_country(c, CountryRole::Jurisdiction));
    entity.identifiers = split_multi(get("ids"), ";")
        .filter_map(identifier)
        .collect();
    Some(entity)
}

/// CSL writes documents as `Country, Number, Type` or `Number, Type`; other
/// facts (gender, sanction notes) share the column and carry no digits.
fn identifier(raw: &str) -> Option<Identifier> {
    let parts: Vec<&str> = raw.split(", ").map(str::trim).collect();
    let (country, value, kind) = match parts.as_slice() {
        [country, value, kind] => (Some(*country), *value, *kind),
        [value, kind] => (None, *value, *kind),
        _ => return None,
    };
    value
        .bytes()
        .any(|b| b.is_ascii_digit())
        .then(|| Identifier {
            kind: kind.to_owned(),
            value: value.to_owned(),
            country: country.map(str::to_owned),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_with_multi_values() {
        let csv = "_id,source,type,name,alt_names,dates_of_birth,nationalities,ids\n\
            1,SDN,Individual,\"ABDELRAZIK, Sofian\",\"ABOULAIL; ABULAIL\",1962-08-06,CA; SD,\"CA, BC166787, Passport; Male, Gender\"\n";
        let entities = parse(csv).unwrap();
        let e = &entities[0];
        assert_eq!(e.names.len(), 3);
        assert_eq!(e.entity_type, EntityType::Person);
        assert_eq!(e.countries.len(), 2);
        assert_eq!(e.identifiers.len(), 1);
        assert_eq!(e.identifiers[0].value, "BC166787");
    }

    #[test]
    fn missing_columns_are_an_error() {
        assert!(matches!(
            parse("a,b\n1,2\n"),
            Err(ListError::MissingColumn(_))
        ));
    }
}
