//! Helpers shared by the fuzz targets: how one fuzzer input is cut into the several
//! values a parser takes, and the fixed "today" the date rules are anchored to.
//!
//! Inputs stay plain text where the parser reads text, so seeds can be written by hand
//! and a crash file can be read in an editor.

use std::path::{Path, PathBuf};

use time::{Date, Month};

/// Separates the values packed into one input (ASCII "record separator", which no
/// parser here gives a meaning to, so it never collides with real content).
pub const SEPARATOR: u8 = 0x1e;

/// The parts of `data` between separators; always at least one (possibly empty).
pub fn fields(data: &[u8]) -> Vec<&[u8]> {
    data.split(|byte| *byte == SEPARATOR).collect()
}

/// A part as text, lossily: parsers of external text must cope with whatever a
/// decoder made of it, and lossy decoding keeps every input useful.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The day every date rule is evaluated on. Fixed, so that a crash replays the same way
/// on any day; mid-century, so both two-digit-year centuries are in play.
pub fn today() -> Date {
    Date::from_calendar_date(2026, Month::November, 21).unwrap_or(Date::MIN)
}

/// A directory of this process's own for targets that need files: on tmpfs when there is
/// one (the store syncs every commit, which a disk makes slow), named after the target
/// and the process id.
///
/// libFuzzer ends the process with `exit`, so nothing runs to remove the directory; each
/// new process removes instead the directories its target's earlier processes left behind
/// (those whose process id no longer runs), so that hours of runs do not fill the tmpfs.
pub fn scratch_dir(target: &str) -> PathBuf {
    let shm = Path::new("/dev/shm");
    let base = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    let prefix = format!("kycore-fuzz-{target}-");
    remove_leftovers(&base, &prefix);
    let dir = base.join(format!("{prefix}{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

fn remove_leftovers(base: &Path, prefix: &str) {
    // Only where a process can be looked up by id; elsewhere a live run's directory could
    // not be told from a dead one's.
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else {
            continue;
        };
        let gone = pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists();
        if gone {
            // Best effort: another process may be removing it at the same time.
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
