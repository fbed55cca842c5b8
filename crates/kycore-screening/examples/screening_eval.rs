//! Runs the quality evaluation over the reference lists and prints the
//! reports: the generated variants, then the independent labelled pairs per
//! category and the unlisted-name false-alarm rate, once on the written pairs
//! with the tuning half of the list pairs and unlisted people, once on the
//! held-out written pairs with the held-out half. Usage:
//! `cargo run --release --example screening_eval [PER_CATEGORY] [SEED] [UNLISTED]`;
//! `SCREENING_EVAL_ERRORS=1` also lists the pairs decided wrongly.

mod common;

use std::process::ExitCode;

use kycore_screening::Screener;
use kycore_screening::eval::{self, Split};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let per_category: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(400);
    let seed: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_260_221);
    let unlisted_count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let lists = match common::reference_lists(false) {
        Ok(lists) => lists,
        Err(code) => return code,
    };
    let cases = eval::generate(&lists, per_category, seed);
    let mut tuning = eval::written_pairs();
    tuning.extend(eval::list_pairs(&lists, per_category, seed, Split::Tuning));
    let mut held_out = eval::written_pairs_held_out();
    held_out.extend(eval::list_pairs(&lists, per_category, seed, Split::HeldOut));
    let unlisted_tuning = eval::unlisted_names(&lists, unlisted_count, seed, Split::Tuning);
    let unlisted_held_out = eval::unlisted_names(&lists, unlisted_count, seed, Split::HeldOut);
    let screener = Screener::new(lists);
    println!("{} cases, seed {seed}", cases.len());
    let generated = eval::evaluate(&screener, &cases);
    print!("{generated}");
    let report = eval::evaluate_pairs(&screener, &tuning, &unlisted_tuning);
    println!("== written pairs and the tuning half of the list pairs and unlisted people");
    print!("{report}");
    let held = eval::evaluate_pairs(&screener, &held_out, &unlisted_held_out);
    println!("== the held-out half");
    print!("{held}");
    if std::env::var_os("SCREENING_EVAL_ERRORS").is_some() {
        for (category, query, score) in &generated.errors {
            println!("wrong generated: {category:?}\t{query}\t{score:.3}");
        }
        for (half, r) in [("", &report), ("held-out ", &held)] {
            for (category, query, listed, score) in &r.errors {
                println!("{half}wrong: {category}\t{query}\t{listed}\t{score:.3}");
            }
        }
        for (half, r) in [("", &report), ("held-out ", &held)] {
            for (query, matched, score, named) in &r.unlisted_hits {
                let named = if *named { "\tnamed as listed" } else { "" };
                println!("{half}unlisted hit: {query}\t{matched}\t{score:.3}{named}");
            }
        }
        for (half, r) in [("", &report), ("held-out ", &held)] {
            for (query, born, matched, score) in &r.unlisted_dob.hits {
                println!("{half}unlisted hit with DOB: {query}\t{born}\t{matched}\t{score:.3}");
            }
            for (query, born, matched, score) in &r.unlisted_as_person.hits {
                println!("{half}unlisted hit as person: {query}\t{born}\t{matched}\t{score:.3}");
            }
        }
    }
    ExitCode::SUCCESS
}
