//! Helpers shared by the integration tests: fixture loading and a fixed "today".

#![allow(dead_code)] // each test binary uses a different subset

use std::path::PathBuf;

use time::Date;

/// Checks run "as of" this date, so results do not drift with the clock.
pub fn today() -> Date {
    kycore_checks::dates::parse_iso_date("2026-11-21").unwrap()
}

pub fn date(text: &str) -> Date {
    kycore_checks::dates::parse_iso_date(text).unwrap()
}

/// Reads a fixture from the shared folder, or `None` (with a message) when
/// the crate is built outside the project checkout.
pub fn fixture(relative: &str) -> Option<serde_json::Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/fixtures")
        .join(relative);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).unwrap()),
        Err(error) => {
            eprintln!(
                "skipping: fixture {} not readable ({error})",
                path.display()
            );
            None
        }
    }
}
