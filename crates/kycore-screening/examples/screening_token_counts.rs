//! Writes `data/token_counts.tsv`: in how many entries of the reference lists
//! (OFAC SDN and Consolidated, UN, EU/UK) each name word occurs, for words in
//! at least three entries. The engine weighs words with these counts when it
//! scores name pairs without a loaded list. Usage:
//! `cargo run --release --example screening_token_counts > data/token_counts.tsv`.

mod common;

use std::collections::{HashMap, HashSet};
use std::process::ExitCode;

use kycore_screening::normalize;

/// Words in fewer entries than this are left out: unknown words count as rare.
const MIN_ENTRIES: u32 = 3;

fn main() -> ExitCode {
    let lists = match common::reference_lists(false) {
        Ok(lists) => lists,
        Err(code) => return code,
    };
    let mut counts: HashMap<String, u32> = HashMap::new();
    let mut entries = 0u32;
    for entity in lists.iter().flat_map(|l| &l.entities) {
        entries += 1;
        let words: HashSet<String> = entity
            .names
            .iter()
            .flat_map(|n| normalize::tokenize(&n.full))
            .map(|t| t.text)
            .collect();
        for word in words {
            *counts.entry(word).or_default() += 1;
        }
    }
    let mut kept: Vec<(u32, String)> = counts
        .into_iter()
        .filter(|(_, n)| *n >= MIN_ENTRIES)
        .map(|(w, n)| (n, w))
        .collect();
    kept.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    println!("# Entries of the reference lists (OFAC SDN 2024-05-03, OFAC Consolidated");
    println!("# 2025-12, UN 2026-02-27, EU/UK 2022-05-05) holding each name word, for");
    println!("# words in at least {MIN_ENTRIES}. Written by examples/screening_token_counts.rs.");
    println!("{entries}\t<names>");
    for (n, word) in kept {
        println!("{n}\t{word}");
    }
    ExitCode::SUCCESS
}
