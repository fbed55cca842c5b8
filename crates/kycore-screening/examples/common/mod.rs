//! What the examples share: loading the reference lists from the shared
//! watchlist directory beside the repository.

use std::path::PathBuf;
use std::process::ExitCode;

use kycore_screening::{LoadedList, eval};

/// The reference lists (`eval::reference_lists`), or the exit code after
/// saying why they could not be read.
pub fn reference_lists(all_combined: bool) -> Result<Vec<LoadedList>, ExitCode> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/watchlists");
    eval::reference_lists(&dir, all_combined).map_err(|e| {
        eprintln!("cannot load lists from {}: {e}", dir.display());
        ExitCode::FAILURE
    })
}
