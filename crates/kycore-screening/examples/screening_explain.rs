//! Searches the reference lists for each name read from standard input (one
//! a line) and prints the best hits with their explanations as JSON, to see
//! why a name hits; a line `schema<TAB>query<TAB>listed name` prints the
//! pair's score and explanation instead; `name | YYYY-MM-DD` searches with
//! that birth date. Each hit shows the entry's birth dates and countries.
//! Usage:
//! `echo "Dennis Ashley" | cargo run --release --example screening_explain [THRESHOLD]`.

mod common;

use std::io::BufRead;
use std::process::ExitCode;

use kycore_screening::{PartialDate, Query, Screener};

fn main() -> ExitCode {
    let threshold: f64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(0.7);
    let lists = match common::reference_lists(false) {
        Ok(lists) => lists,
        Err(code) => return code,
    };
    let screener = Screener::new(lists);
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        // "schema<TAB>query<TAB>listed name": the pair as `score_pair` sees it.
        let mut cols = line.split('\t');
        if let (Some(schema), Some(query), Some(listed)) = (cols.next(), cols.next(), cols.next()) {
            let score = screener.score_pair(schema, query, listed);
            let explanation = screener
                .explain_pair(schema, query, listed)
                .and_then(|e| serde_json::to_string(&e).ok())
                .unwrap_or_default();
            println!("== {query}\n{score:.3} {listed} | {explanation}");
            continue;
        }
        let (name, dob) = match line.split_once(" | ") {
            Some((name, dob)) => (name, PartialDate::parse(dob)),
            None => (line.as_str(), None),
        };
        let query = Query {
            threshold: Some(threshold),
            limit: Some(3),
            date_of_birth: dob,
            ..Query::name(name.trim())
        };
        match screener.search(&query) {
            Ok(hits) => {
                println!("== {line}");
                for hit in hits {
                    let explanation = serde_json::to_string(&hit.explanation).unwrap_or_default();
                    let entity = screener.entities().get(hit.entity_index);
                    let born: Vec<String> = entity
                        .map(|e| e.birth_dates.iter().map(ToString::to_string).collect())
                        .unwrap_or_default();
                    let countries: Vec<&str> = entity
                        .map(|e| e.countries.iter().map(|c| c.code.as_str()).collect())
                        .unwrap_or_default();
                    println!(
                        "{:.3} {} [{:?}; born {}; {}] | {explanation}",
                        hit.score,
                        hit.matched_name,
                        hit.entity_type,
                        born.join(","),
                        countries.join(",")
                    );
                }
            }
            Err(e) => println!("== {line}: {e}"),
        }
    }
    ExitCode::SUCCESS
}
