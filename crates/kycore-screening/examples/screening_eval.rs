//! Runs the generated quality evaluation over the reference lists and prints
//! the report. Usage: `cargo run --release --example screening_eval [PER_CATEGORY] [SEED]`.

use std::path::PathBuf;
use std::process::ExitCode;

use kycore_screening::{Screener, eval};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let per_category: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(400);
    let seed: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_260_221);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/watchlists");
    let lists = match eval::reference_lists(&dir, false) {
        Ok(lists) => lists,
        Err(e) => {
            eprintln!("cannot load lists from {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    let cases = eval::generate(&lists, per_category, seed);
    let screener = Screener::new(lists);
    println!("{} cases, seed {seed}", cases.len());
    print!("{}", eval::evaluate(&screener, &cases));
    ExitCode::SUCCESS
}
