//! List loaders: one module per official format, each turning files into
//! `Entity` values, plus the helpers they share (text decoding, CSV readers
//! keyed by header, a path-tracking XML walker, multi-value splitting).

pub mod bis_dpl;
pub mod csl_csv;
pub mod eu_uk_combined_csv;
pub mod ftm_json;
pub mod ofac_csv;
pub mod ofac_xml;
pub mod un_xml;

use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::path::Path;

use quick_xml::events::Event;

use crate::model::PartialDate;

/// Birth dates as OFAC writes them, in the CSV remarks and the Enhanced
/// XML alike: `08 Nov 1957`, `1957`, `circa 1957`, `1957 to 1959`,
/// `Nov 1957 to Dec 1959`. A range is spelt out year by year (up to ten),
/// so any year inside it agrees with a query; `circa` adds the years
/// either side (`approximate`).
pub(crate) fn ofac_birth_dates(text: &str) -> Vec<PartialDate> {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix("circa ") {
        return PartialDate::parse(rest)
            .map(|d| approximate(d).to_vec())
            .unwrap_or_default();
    }
    let Some((from, to)) = text.split_once(" to ") else {
        return PartialDate::parse(text).into_iter().collect();
    };
    let (Some(from), Some(to)) = (PartialDate::parse(from), PartialDate::parse(to)) else {
        return Vec::new();
    };
    if to.year < from.year || to.year - from.year > 10 {
        return vec![from, to];
    }
    (from.year..=to.year).map(PartialDate::year).collect()
}

/// A birth date the publisher calls approximate, followed by the years
/// either side of it: an estimate of the year is no contradiction of the
/// year next to it, and the scorer's tolerance then reaches one more.
pub(crate) fn approximate(date: PartialDate) -> [PartialDate; 3] {
    [
        date,
        PartialDate::year(date.year.saturating_sub(1)),
        PartialDate::year(date.year.saturating_add(1)),
    ]
}

/// Everything that can go wrong while loading a list.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("malformed CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("malformed XML: {0}")]
    Xml(String),
    #[error("bad archive: {0}")]
    Archive(String),
    #[error("column {0:?} is missing from the header")]
    MissingColumn(&'static str),
    #[error("the file contains no entities")]
    Empty,
}

impl From<quick_xml::Error> for ListError {
    fn from(e: quick_xml::Error) -> Self {
        Self::Xml(e.to_string())
    }
}

/// Reads a whole file, naming it in the error.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, ListError> {
    std::fs::read(path).map_err(|source| ListError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Reads everything from a reader (files here are at most tens of MB).
pub(crate) fn read_all(mut reader: impl Read) -> Result<Vec<u8>, ListError> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|source| ListError::Io {
            path: "<reader>".to_owned(),
            source,
        })?;
    Ok(bytes)
}

/// Decodes UTF-8, falling back to Latin-1 (OFAC's legacy CSVs), and drops
/// the DOS end-of-file marker some publishers still append.
pub(crate) fn decode_text(bytes: Vec<u8>) -> String {
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => e.into_bytes().iter().map(|&b| char::from(b)).collect(),
    };
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_owned)
        .unwrap_or(text);
    text.replace('\u{1a}', "")
}

/// Un-gzips when the bytes start with the gzip magic number.
pub(crate) fn maybe_gunzip(bytes: Vec<u8>) -> Result<Vec<u8>, ListError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes);
    }
    read_all(flate2::read::GzDecoder::new(bytes.as_slice()))
}

pub(crate) fn csv_reader(text: &str, delimiter: u8, headers: bool) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(headers)
        .flexible(true)
        .from_reader(text.as_bytes())
}

/// Trims a field and maps the OFAC null marker `-0-` to empty.
pub(crate) fn clean(field: &str) -> &str {
    let field = field.trim();
    if field == "-0-" { "" } else { field }
}

/// Splits a multi-valued field, dropping empty parts.
pub(crate) fn split_multi<'a>(field: &'a str, sep: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    field.split(sep).map(clean).filter(|s| !s.is_empty())
}

/// Column lookup by header name for the header-carrying CSV formats.
pub(crate) struct Columns {
    by_name: HashMap<String, usize>,
}

impl Columns {
    pub(crate) fn new(headers: &csv::StringRecord) -> Self {
        let by_name = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().to_ascii_lowercase(), i))
            .collect();
        Self { by_name }
    }

    pub(crate) fn require(&self, names: &[&'static str]) -> Result<(), ListError> {
        match names.iter().find(|n| !self.by_name.contains_key(**n)) {
            Some(missing) => Err(ListError::MissingColumn(missing)),
            None => Ok(()),
        }
    }

    pub(crate) fn row<'r>(&'r self, record: &'r csv::StringRecord) -> Row<'r> {
        Row {
            columns: self,
            record,
        }
    }
}

/// One record read through its header.
pub(crate) struct Row<'r> {
    columns: &'r Columns,
    record: &'r csv::StringRecord,
}

impl<'r> Row<'r> {
    /// The cleaned value of a column, empty when absent.
    pub(crate) fn get(&self, name: &str) -> &'r str {
        self.columns
            .by_name
            .get(name)
            .and_then(|&i| self.record.get(i))
            .map_or("", clean)
    }
}

/// One step of the XML walk: an element opens (with its attributes) or
/// closes (with the text directly inside it).
pub(crate) enum XmlStep<'a> {
    Open {
        path: &'a [String],
        attrs: &'a [(String, String)],
    },
    Close {
        path: &'a [String],
        text: &'a str,
    },
}

/// Streams an XML document, tracking the element path by local name so the
/// format modules only match on paths.
pub(crate) fn walk_xml(
    input: impl BufRead,
    mut on: impl FnMut(XmlStep<'_>),
) -> Result<(), ListError> {
    let mut reader = quick_xml::Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    loop {
        match reader.read_event_into(&mut buf)? {
            Event::Start(e) => {
                path.push(e.local_name().as_ref().to_owned());
                texts.push(String::new());
                on(XmlStep::Open {
                    path: &path,
                    attrs: &attributes(&e),
                });
            }
            Event::Empty(e) => {
                path.push(e.local_name().as_ref().to_owned());
                on(XmlStep::Open {
                    path: &path,
                    attrs: &attributes(&e),
                });
                on(XmlStep::Close {
                    path: &path,
                    text: "",
                });
                path.pop();
            }
            Event::End(_) => {
                let text = texts.pop().unwrap_or_default();
                on(XmlStep::Close {
                    path: &path,
                    text: text.trim(),
                });
                path.pop();
            }
            Event::Text(t) => push_text(&mut texts, &t.xml10_content()),
            Event::CData(t) => push_text(&mut texts, &t),
            Event::GeneralRef(r) => push_text(&mut texts, &resolve_reference(&r)),
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

fn push_text(texts: &mut [String], text: &str) {
    if let Some(current) = texts.last_mut() {
        current.push_str(text);
    }
}

fn attributes(e: &quick_xml::events::BytesStart<'_>) -> Vec<(String, String)> {
    e.attributes()
        .flatten()
        .map(|a| (a.key.local_name().as_ref().to_owned(), a.value.into_owned()))
        .collect()
}

fn resolve_reference(r: &quick_xml::events::BytesRef<'_>) -> String {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return c.to_string();
    }
    let resolved = match &**r {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => "",
    };
    resolved.to_owned()
}

/// The value of an attribute by local name.
pub(crate) fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// True when the path ends with the given element names.
pub(crate) fn ends_with(path: &[String], tail: &[&str]) -> bool {
    path.len() >= tail.len()
        && path[path.len() - tail.len()..]
            .iter()
            .zip(tail)
            .all(|(a, b)| a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ofac_birth_dates_spell_out_ranges_and_estimates() {
        let years =
            |text: &str| -> Vec<u16> { ofac_birth_dates(text).iter().map(|d| d.year).collect() };
        assert_eq!(years("1957 to 1959"), vec![1957, 1958, 1959]);
        assert_eq!(years("01 Jan 1960 to 31 Dec 1962"), vec![1960, 1961, 1962]);
        // An estimate keeps the year given first, then the years either side.
        assert_eq!(years("circa 1960"), vec![1960, 1959, 1961]);
        assert_eq!(ofac_birth_dates("circa 08 Nov 1957")[0].day, Some(8));
        // A range too wide to spell out keeps its ends.
        assert_eq!(years("1940 to 1970"), vec![1940, 1970]);
        assert_eq!(ofac_birth_dates("08 Nov 1957")[0].month, Some(11));
        assert!(ofac_birth_dates("nonsense").is_empty());
        assert!(ofac_birth_dates("circa").is_empty());
    }
}
