//! OFAC legacy CSV: the SDN list (`sdn.csv`, `alt.csv`, `add.csv`,
//! `sdn_comments.csv`) and the Consolidated non-SDN list (`cons_prim.csv`,
//! `cons_alt.csv`, `cons_add.csv`, `cons_comments.csv`). Both share one
//! headerless 12-column layout. Much of the data (birth dates, nationality,
//! documents, further aliases) lives only in the free-text Remarks column,
//! which is parsed here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{ListError, clean, csv_reader, decode_text, read_file, split_multi};
use crate::model::{
    CountryRole, Entity, EntityType, Identifier, ListSource, LoadedList, NameKind, NameQuality,
};

/// Which of the two OFAC file families a directory holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfacFlavor {
    Sdn,
    Consolidated,
}

impl OfacFlavor {
    /// The standard file names: primary, aliases, addresses, comments.
    pub fn file_names(self) -> [&'static str; 4] {
        match self {
            OfacFlavor::Sdn => ["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"],
            OfacFlavor::Consolidated => [
                "cons_prim.csv",
                "cons_alt.csv",
                "cons_add.csv",
                "cons_comments.csv",
            ],
        }
    }
}

/// The files of one OFAC list; only `primary` is required.
#[derive(Debug, Clone)]
pub struct OfacPaths {
    pub primary: PathBuf,
    pub alt: Option<PathBuf>,
    pub add: Option<PathBuf>,
    pub comments: Option<PathBuf>,
}

impl OfacPaths {
    /// The standard file names in `dir`, keeping only the side files present.
    pub fn in_dir(dir: &Path, flavor: OfacFlavor) -> Self {
        let names = flavor.file_names();
        let existing = |name: &str| Some(dir.join(name)).filter(|p| p.is_file());
        Self {
            primary: dir.join(names[0]),
            alt: existing(names[1]),
            add: existing(names[2]),
            comments: existing(names[3]),
        }
    }
}

/// The raw text of each file, already decoded.
#[derive(Debug, Clone, Default)]
pub struct OfacTexts {
    pub primary: String,
    pub alt: Option<String>,
    pub add: Option<String>,
    pub comments: Option<String>,
}

/// Loads an OFAC list from files. `list_id` names it for queries
/// (e.g. `us_ofac_sdn`); OFAC CSVs carry no version, so `version` is the
/// caller's (publication date, file hash…).
pub fn load(
    paths: &OfacPaths,
    list_id: &str,
    version: Option<String>,
) -> Result<LoadedList, ListError> {
    let read = |p: &Option<PathBuf>| -> Result<Option<String>, ListError> {
        p.as_deref()
            .map(|p| read_file(p).map(decode_text))
            .transpose()
    };
    let texts = OfacTexts {
        primary: decode_text(read_file(&paths.primary)?),
        alt: read(&paths.alt)?,
        add: read(&paths.add)?,
        comments: read(&paths.comments)?,
    };
    let entities = parse(&texts)?;
    let origin = paths.primary.display().to_string();
    Ok(LoadedList {
        source: ListSource::new(list_id, version, &origin),
        entities,
    })
}

/// Parses already-read OFAC texts into entities.
pub fn parse(texts: &OfacTexts) -> Result<Vec<Entity>, ListError> {
    let comments = texts
        .comments
        .as_deref()
        .map(parse_comments)
        .transpose()?
        .unwrap_or_default();
    let mut entities = Vec::new();
    let mut by_id = HashMap::new();
    for record in csv_reader(&texts.primary, b',', false).records() {
        let record = record?;
        let Some(entity) = primary_entity(&record, &comments) else {
            continue;
        };
        by_id.insert(entity.id.clone(), entities.len());
        entities.push(entity);
    }
    if entities.is_empty() {
        return Err(ListError::Empty);
    }
    if let Some(alt) = &texts.alt {
        attach_rows(alt, &by_id, &mut entities, attach_alias)?;
    }
    if let Some(add) = &texts.add {
        attach_rows(add, &by_id, &mut entities, attach_address)?;
    }
    Ok(entities)
}

fn parse_comments(text: &str) -> Result<HashMap<String, String>, ListError> {
    let mut out: HashMap<String, String> = HashMap::new();
    for record in csv_reader(text, b',', false).records() {
        let record = record?;
        let id = clean(record.get(0).unwrap_or(""));
        let extra = clean(record.get(1).unwrap_or(""));
        if !id.is_empty() && !extra.is_empty() {
            out.entry(id.to_owned()).or_default().push_str(extra);
        }
    }
    Ok(out)
}

fn primary_entity(
    record: &csv::StringRecord,
    comments: &HashMap<String, String>,
) -> Option<Entity> {
    let field = |i: usize| clean(record.get(i).unwrap_or(""));
    let (id, name) = (field(0), field(1));
    if id.is_empty() || name.is_empty() {
        return None;
    }
    let entity_type = match field(2).to_ascii_lowercase().as_str() {
        "individual" => EntityType::Person,
        "vessel" => EntityType::Vessel,
        "aircraft" => EntityType::Aircraft,
        _ => EntityType::Organization,
    };
    let mut entity = Entity::new(id, entity_type);
    entity.add_name(name, NameKind::Primary, NameQuality::Strong);
    entity.programs = split_multi(field(3), "] [")
        .map(|p| p.trim_matches(['[', ']']).to_owned())
        .collect();
    add_vessel_fields(&mut entity, field(5), field(9));
    let mut remarks = field(11).to_owned();
    if let Some(extra) = comments.get(id) {
        remarks.push(' ');
        remarks.push_str(extra);
    }
    apply_remarks(&mut entity, &remarks);
    Some(entity)
}

fn add_vessel_fields(entity: &mut Entity, call_sign: &str, flag: &str) {
    if !call_sign.is_empty() {
        entity.identifiers.push(Identifier {
            kind: "Call Sign".to_owned(),
            value: call_sign.to_owned(),
            country: None,
        });
    }
    if !flag.is_empty() {
        entity.add_country(flag, CountryRole::Jurisdiction);
    }
}

/// Joins side-file rows (alt, add) to their entity by `ent_num`.
fn attach_rows(
    text: &str,
    by_id: &HashMap<String, usize>,
    entities: &mut [Entity],
    attach: fn(&mut Entity, &csv::StringRecord),
) -> Result<(), ListError> {
    for record in csv_reader(text, b',', false).records() {
        let record = record?;
        let id = clean(record.get(0).unwrap_or(""));
        if let Some(entity) = by_id.get(id).and_then(|&i| entities.get_mut(i)) {
            attach(entity, &record);
        }
    }
    Ok(())
}

fn attach_alias(entity: &mut Entity, record: &csv::StringRecord) {
    let field = |i: usize| clean(record.get(i).unwrap_or(""));
    let kind = match field(2).to_ascii_lowercase().as_str() {
        "fka" => NameKind::FormerName,
        _ => NameKind::Alias,
    };
    let remark = field(4).to_ascii_lowercase();
    let quality = if remark.contains("weak") || remark.contains("low quality") {
        NameQuality::Weak
    } else {
        NameQuality::Strong
    };
    entity.add_name(field(3), kind, quality);
}

fn attach_address(entity: &mut Entity, record: &csv::StringRecord) {
    let parts: Vec<&str> = (2..=4)
        .map(|i| clean(record.get(i).unwrap_or("")))
        .collect();
    let address: Vec<&str> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    if !address.is_empty() {
        entity.addresses.push(address.join(", "));
    }
    if let Some(country) = parts.get(2).filter(|c| !c.is_empty()) {
        entity.add_country(country, CountryRole::Address);
    }
}

/// Identifier labels OFAC uses in Remarks, longest first where one is a
/// prefix of another.
const ID_LABELS: &[&str] = &[
    "Passport",
    "National ID No.",
    "Tax ID No.",
    "Registration Number",
    "Registration ID",
    "Identification Number",
    "Business Registration Number",
    "Company Number",
    "Cedula No.",
    "D.N.I.",
    "NIT #",
    "RFC",
    "C.U.R.P.",
    "SSN",
    "Vessel Registration Identification",
    "MMSI",
    "SWIFT/BIC",
    "Aircraft Manufacturer's Serial Number (MSN)",
    "Digital Currency Address - XBT",
    "Digital Currency Address - ETH",
    "Digital Currency Address - USDT",
];

/// Extracts aliases, birth dates, countries and documents from Remarks.
fn apply_remarks(entity: &mut Entity, remarks: &str) {
    for (alias, kind) in quoted_aliases(remarks) {
        entity.add_name(&alias, kind, NameQuality::Strong);
    }
    for segment in remarks.split(';').map(|s| s.trim().trim_end_matches('.')) {
        apply_segment(entity, segment);
    }
}

fn apply_segment(entity: &mut Entity, segment: &str) {
    if let Some(dob) = segment.strip_prefix("DOB ") {
        super::ofac_birth_dates(dob)
            .into_iter()
            .for_each(|d| entity.add_birth_date(d));
    } else if let Some(country) = segment.strip_prefix("nationality ") {
        entity.add_country(country, CountryRole::Nationality);
    } else if let Some(country) = segment.strip_prefix("citizen ") {
        entity.add_country(country, CountryRole::Citizenship);
    } else if let Some(place) = segment.strip_prefix("POB ") {
        let country = place.rsplit(',').next().unwrap_or(place);
        entity.add_country(country, CountryRole::BirthPlace);
    } else if let Some(label) = ID_LABELS.iter().find(|l| segment.starts_with(**l)) {
        entity
            .identifiers
            .push(identifier(label, &segment[label.len()..]));
    }
}

/// `Passport A123 (Spain) expires 2020` → value `A123`, country `Spain`.
fn identifier(label: &str, rest: &str) -> Identifier {
    let rest = rest.trim();
    let (value, country) = match rest.split_once(" (") {
        Some((value, tail)) => (value, tail.split_once(')').map(|(c, _)| c.to_owned())),
        None => (rest, None),
    };
    Identifier {
        kind: label.to_owned(),
        value: value.trim().to_owned(),
        country,
    }
}

/// Finds `a.k.a. 'X'`, `f.k.a. 'X'`, `n.k.a. 'X'` in Remarks. The closing
/// quote is the one followed by a separator, since names contain apostrophes.
fn quoted_aliases(remarks: &str) -> Vec<(String, NameKind)> {
    const MARKERS: [(&str, NameKind); 3] = [
        ("a.k.a. '", NameKind::Alias),
        ("f.k.a. '", NameKind::FormerName),
        ("n.k.a. '", NameKind::Alias),
    ];
    let mut out = Vec::new();
    for (marker, kind) in MARKERS {
        let mut rest = remarks;
        while let Some(start) = rest.find(marker) {
            let after = &rest[start + marker.len()..];
            let end = closing_quote(after);
            out.push((after[..end].trim().to_owned(), kind));
            rest = &after[end..];
        }
    }
    out
}

fn closing_quote(text: &str) -> usize {
    let bytes = text.as_bytes();
    let is_end = |i: usize| {
        matches!(
            bytes.get(i + 1),
            None | Some(b';' | b'.' | b',' | b' ' | b')')
        )
    };
    (0..bytes.len())
        .find(|&i| bytes[i] == b'\'' && is_end(i))
        .unwrap_or(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDN: &str = "36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n\
        7,\"DOE, John\",\"individual\",\"SDGT] [IRGC\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 08 Nov 1957; POB Tehran, Iran; nationality Iran; Passport A123 (Iran); a.k.a. 'O'DOE, Johnny'; f.k.a. 'SMITH, J'.\"\r\n\u{1a}";

    #[test]
    fn parses_primary_rows_and_remarks() {
        let texts = OfacTexts {
            primary: SDN.to_owned(),
            ..OfacTexts::default()
        };
        let entities = parse(&texts).unwrap();
        assert_eq!(entities.len(), 2);
        assert_eq!(entities[0].entity_type, EntityType::Organization);
        let doe = &entities[1];
        assert_eq!(doe.programs, vec!["SDGT", "IRGC"]);
        let names: Vec<&str> = doe.names.iter().map(|n| n.full.as_str()).collect();
        assert_eq!(names, vec!["DOE, John", "O'DOE, Johnny", "SMITH, J"]);
        assert_eq!(doe.names[2].kind, NameKind::FormerName);
        assert_eq!(doe.birth_dates[0].year, 1957);
        assert_eq!(doe.countries[0].code, "IR");
        assert_eq!(doe.identifiers[0].value, "A123");
    }
}
