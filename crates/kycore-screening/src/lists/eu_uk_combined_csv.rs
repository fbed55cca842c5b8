//! The combined EU/UK/US CSV published with the UK FCA's SanctionToolkit
//! (one row per name or address, 23 columns). Rows are grouped into entities
//! by `(sanction_list, list_internal_id)`. Its licence is unclear: use it for
//! tests and benchmarks only, never ship it.

use std::collections::HashMap;
use std::path::Path;

use super::{Columns, ListError, Row, csv_reader, decode_text, read_file};
use crate::model::{
    CountryRole, Entity, EntityType, Identifier, ListSource, LoadedList, NameKind, NameQuality,
    PartialDate,
};

/// Loads the rows whose `sanction_list` passes `include` (e.g. only `EU`
/// and `UK Cons`, to avoid duplicating the US lists).
pub fn load(
    path: &Path,
    list_id: &str,
    include: impl Fn(&str) -> bool,
) -> Result<LoadedList, ListError> {
    let text = decode_text(read_file(path)?);
    let version = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    Ok(LoadedList {
        source: ListSource::new(list_id, version, &path.display().to_string()),
        entities: parse(&text, include)?,
    })
}

pub fn parse(text: &str, include: impl Fn(&str) -> bool) -> Result<Vec<Entity>, ListError> {
    let mut reader = csv_reader(text, b',', true);
    let columns = Columns::new(reader.headers()?);
    columns.require(&[
        "full_name",
        "entity_type",
        "list_internal_id",
        "sanction_list",
    ])?;
    let mut entities: Vec<Entity> = Vec::new();
    let mut by_key: HashMap<(String, String), usize> = HashMap::new();
    for record in reader.records() {
        let record = record?;
        let row = columns.row(&record);
        let get = |name: &str| row.get(name);
        let list = get("sanction_list");
        if !include(list) {
            continue;
        }
        let internal = Some(get("list_internal_id"))
            .filter(|s| !s.is_empty())
            .unwrap_or(get("fca_uid"));
        let slot = *by_key
            .entry((list.to_owned(), internal.to_owned()))
            .or_insert_with(|| {
                let kind = EntityType::parse(get("entity_type")).unwrap_or(EntityType::Unknown);
                let mut entity = Entity::new(format!("{list}/{internal}"), kind);
                entity.sublist = Some(list.to_owned());
                entities.push(entity);
                entities.len() - 1
            });
        apply_row(&mut entities[slot], &row);
    }
    entities.retain(|e| !e.names.is_empty());
    if entities.is_empty() {
        return Err(ListError::Empty);
    }
    Ok(entities)
}

fn apply_row(entity: &mut Entity, row: &Row<'_>) {
    let get = |name: &str| row.get(name);
    let kind = if entity.names.is_empty() {
        NameKind::Primary
    } else {
        NameKind::Alias
    };
    entity.add_name(&row_name(row), kind, NameQuality::Strong);
    if let Some(date) = birth_date(row) {
        entity.add_birth_date(date);
    }
    entity.add_country(get("nationality"), CountryRole::Nationality);
    entity.add_country(get("citizenship"), CountryRole::Citizenship);
    entity.add_country(get("birth_country"), CountryRole::BirthPlace);
    entity.add_country(get("address_country"), CountryRole::Address);
    let address = get("address");
    if !address.is_empty() && !entity.addresses.iter().any(|a| a == address) {
        entity.addresses.push(address.to_owned());
    }
    let regime = get("regime");
    if !regime.is_empty() && !entity.programs.iter().any(|p| p == regime) {
        entity.programs.push(regime.to_owned());
    }
    let id = get("personal_id");
    if !id.is_empty() && !entity.identifiers.iter().any(|i| i.value == id) {
        entity.identifiers.push(Identifier {
            kind: "Personal ID".to_owned(),
            value: id.to_owned(),
            country: None,
        });
    }
}

fn row_name(row: &Row<'_>) -> String {
    let get = |name: &str| row.get(name);
    let full = get("full_name");
    if !full.is_empty() {
        return full.to_owned();
    }
    let parts: Vec<&str> = ["forename", "middle_names", "surname"]
        .into_iter()
        .map(get)
        .filter(|p| !p.is_empty())
        .collect();
    parts.join(" ")
}

fn birth_date(row: &Row<'_>) -> Option<PartialDate> {
    let get = |name: &str| row.get(name);
    let year = get("year_dob");
    if year.is_empty() {
        return PartialDate::parse(get("dob"));
    }
    let date = format!("{year}-{}-{}", get("month_dob"), get("day_dob"));
    PartialDate::parse(&date).or_else(|| PartialDate::parse(year))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "surname,forename,middle_names,full_name,title,entity_type,DOB,day_DOB,month_DOB,year_DOB,birth_location,birth_country,position,nationality,citizenship,date_added,regime,address,address_country,personal_id,list_internal_id,sanction_list,fca_uid\n\
        ,,,Abou Ali,,person,28/4/1937,28,4,1937,,IRAQ,,,IQ,,IRQ,,,,EU.27.28,EU,Ypth\n\
        ,,,Saddam Hussein Al-Tikriti,,person,28/4/1937,28,4,1937,,IRAQ,,,IQ,,IRQ,,,,EU.27.28,EU,Ypti\n\
        ,,,Someone Else,,Individual,,,,,,,,,,,,,,,9,SDN,abcd\n";

    #[test]
    fn groups_rows_and_filters_lists() {
        let entities = parse(CSV, |l| l == "EU").unwrap();
        assert_eq!(entities.len(), 1);
        let e = &entities[0];
        assert_eq!(e.names.len(), 2);
        assert_eq!(e.birth_dates.len(), 1);
        assert_eq!(e.birth_dates[0].month, Some(4));
        assert_eq!(e.countries[0].code, "IQ");
        assert_eq!(e.entity_type, EntityType::Person);
    }
}
