//! Per-document MRZ read time over the fixture images and generated documents, one thread,
//! and the memory one loaded model takes. Run with `cargo bench -p kycore-vision --bench mrz`
//! (release). Prints the figures, then the evaluation table over `KYCORE_MRZ_EVAL_DOCS`
//! generated documents per condition (default 10); needs the models (`scripts/setup-models`).

use std::path::Path;
use std::time::{Duration, Instant};

use kycore_vision::eval::{Generator, conditions, evaluate_mrz, fixture_truths};
use kycore_vision::mrz_read::MrzOutcome;
use kycore_vision::{Engines, Picture, models};

fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let before = resident_kib();
    let engines = match Engines::load(&models::default_directory(), 1) {
        Ok(engines) => engines,
        Err(error) => {
            eprintln!("models: {error}");
            return;
        }
    };
    let after = resident_kib();
    println!(
        "engines: mrz {:?}, face {:?}",
        engines.mrz_availability(),
        engines.face_availability()
    );
    if let (Some(before), Some(after)) = (before, after) {
        println!(
            "RSS before load {before} KiB, after {after} KiB: +{} KiB for the engines above, one handle each",
            after.saturating_sub(before)
        );
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/fixtures");
    let mut pictures: Vec<(String, Picture)> = fixture_truths(&fixtures)
        .into_iter()
        .filter_map(|(path, _)| {
            let bytes = std::fs::read(&path).ok()?;
            Some((path.display().to_string(), Picture::decode(&bytes).ok()?))
        })
        .collect();
    match Generator::new(42) {
        Ok(mut generator) => {
            for condition in conditions() {
                for _ in 0..3 {
                    let (picture, _) = generator.document(&condition);
                    pictures.push((condition.name.to_owned(), picture));
                }
            }
        }
        Err(error) => eprintln!("generated documents skipped: {error}"),
    }
    // Warm-up: the first call pays Tesseract's lazy initialisation.
    if let Some((_, picture)) = pictures.first() {
        let _ = engines.read_mrz(picture);
    }
    let mut times: Vec<(Duration, String, bool)> = Vec::new();
    for (name, picture) in &pictures {
        let started = Instant::now();
        let outcome = engines.read_mrz(picture);
        let elapsed = started.elapsed();
        times.push((
            elapsed,
            name.clone(),
            matches!(outcome, MrzOutcome::Read(_)),
        ));
    }
    times.sort_by_key(|(elapsed, _, _)| *elapsed);
    let ms = |duration: Duration| duration.as_secs_f64() * 1_000.0;
    let at = |share: f64| times[((times.len() - 1) as f64 * share).round() as usize].0;
    if times.is_empty() {
        println!("no documents");
        return;
    }
    println!(
        "{} documents: median {:.0} ms, p95 {:.0} ms, max {:.0} ms ({})",
        times.len(),
        ms(at(0.5)),
        ms(at(0.95)),
        ms(at(1.0)),
        times
            .last()
            .map(|(_, name, _)| name.as_str())
            .unwrap_or_default()
    );
    let read = times.iter().filter(|(_, _, read)| *read).count();
    println!("read {read}/{}", times.len());
    let per_condition = std::env::var("KYCORE_MRZ_EVAL_DOCS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(10);
    println!("\nevaluation, {per_condition} generated documents per condition, seed 2026:");
    let evaluation = evaluate_mrz(&engines, Some(&fixtures), per_condition, 2026);
    print!("{evaluation}");
    for row in &evaluation.rows {
        for failure in &row.failures {
            println!("{}: {failure}", row.condition);
        }
    }
}
