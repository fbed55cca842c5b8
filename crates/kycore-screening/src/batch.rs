//! Batch front ends over CSV, for evaluation and the CLI: `score_csv` scores
//! name pairs, `search_csv` screens query rows and writes one JSON line per
//! query. Both ignore columns they do not know.

use std::io::{Read, Write};

use serde::Serialize;

use crate::model::{EntityType, PartialDate};
use crate::screener::{DEFAULT_THRESHOLD, Hit, Query, Screener};

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("output: {0}")]
    Io(#[from] std::io::Error),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("column {0:?} is missing")]
    MissingColumn(&'static str),
}

/// Reads `schema,name1,name2[,…]` rows (with a header) and writes them back
/// with `score` and `match` (at `DEFAULT_THRESHOLD`) appended.
pub fn score_csv(
    screener: &Screener,
    input: impl Read,
    output: impl Write,
) -> Result<usize, BatchError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = reader.headers()?.clone();
    let column = |name: &'static str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
            .ok_or(BatchError::MissingColumn(name))
    };
    let (schema, name1, name2) = (column("schema")?, column("name1")?, column("name2")?);
    let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(output);
    let mut out_headers = headers.clone();
    out_headers.push_field("score");
    out_headers.push_field("match");
    writer.write_record(&out_headers)?;
    let mut rows = 0;
    for record in reader.records() {
        let mut record = record?;
        let field = |i: usize| record.get(i).unwrap_or("");
        let score = screener.score_pair(field(schema), field(name1), field(name2));
        record.push_field(&format!("{score:.3}"));
        record.push_field(if score >= DEFAULT_THRESHOLD {
            "true"
        } else {
            "false"
        });
        writer.write_record(&record)?;
        rows += 1;
    }
    writer.flush()?;
    Ok(rows)
}

/// The echo of a query row in `search_csv` output.
#[derive(Debug, Serialize)]
pub struct QueryEcho {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
struct SearchLine<'a> {
    query: QueryEcho,
    hits: &'a [Hit],
}

/// Reads rows with `full_name` (or `name`) and optional `date_of_birth`,
/// `nationality`/`country` and `schema`, and writes one JSON object per row:
/// `{"query": {...}, "hits": [...]}` at the default threshold. A row the
/// screener rejects gets an empty hit list and an `error` in its echo.
pub fn search_csv(
    screener: &Screener,
    input: impl Read,
    mut output: impl Write,
) -> Result<usize, BatchError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = reader.headers()?.clone();
    let find = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
    };
    let name_col = find(&["full_name", "name"]).ok_or(BatchError::MissingColumn("full_name"))?;
    let dob_col = find(&["date_of_birth", "dob"]);
    let country_col = find(&["nationality", "country"]);
    let schema_col = find(&["schema"]);
    let mut rows = 0;
    for record in reader.records() {
        let record = record?;
        let field = |col: Option<usize>| {
            col.and_then(|c| record.get(c))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let mut echo = QueryEcho {
            name: field(Some(name_col)).unwrap_or_default(),
            date_of_birth: field(dob_col),
            countries: field(country_col).into_iter().collect(),
            schema: field(schema_col),
            error: None,
        };
        let query = Query {
            name: echo.name.clone(),
            entity_type: echo.schema.as_deref().and_then(EntityType::parse),
            date_of_birth: echo.date_of_birth.as_deref().and_then(PartialDate::parse),
            countries: echo.countries.clone(),
            ..Query::default()
        };
        let hits = screener.search(&query).unwrap_or_else(|e| {
            echo.error = Some(e.to_string());
            Vec::new()
        });
        serde_json::to_writer(
            &mut output,
            &SearchLine {
                query: echo,
                hits: &hits,
            },
        )?;
        output.write_all(b"\n")?;
        rows += 1;
    }
    output.flush()?;
    Ok(rows)
}
