//! Shared fixtures: the real watchlist files from the shared data directory,
//! loaded once per test binary. Tests skip (with a message) when absent.

use std::path::PathBuf;
use std::sync::OnceLock;

use kycore_screening::{Screener, eval};

pub fn watchlists() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/watchlists");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: watchlist directory {} is missing", dir.display());
        None
    }
}

/// OFAC SDN + Consolidated + UN + EU/UK, as the evaluation uses them.
pub fn screener() -> Option<&'static Screener> {
    static SCREENER: OnceLock<Option<Screener>> = OnceLock::new();
    SCREENER
        .get_or_init(|| {
            let lists = eval::reference_lists(&watchlists()?, false).unwrap();
            Some(Screener::new(lists))
        })
        .as_ref()
}
