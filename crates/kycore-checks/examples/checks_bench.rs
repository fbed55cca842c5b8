//! Measures the CPU time of every native check for one synthetic case:
//! MRZ parse, two comparisons, the document rules and six identifiers; then
//! the built-in decision rules evaluated over a case's facts.
//!
//! Run with `cargo run --release --example checks_bench [iterations]`.
//! CPU time comes from `/proc/self/schedstat` (Linux); elsewhere the wall
//! clock of this single-threaded loop stands in for it.

use std::hint::black_box;
use std::time::{Duration, Instant};

use kycore_checks::checks::{CaseInput, DocumentSubmission, run_case};
use kycore_checks::dates::parse_iso_date;
use kycore_checks::document::{DocumentPolicy, DocumentSide, DocumentType, DuplicateLookup};
use kycore_checks::mrz::EnteredData;
use kycore_checks::{IdentifierKind, ValidationRequest, validate_on};

const DEFAULT_ITERATIONS: u32 = 20_000;

/// The ICAO Utopia TD1 specimen with its expiry moved to 2034 (digits recomputed).
const MRZ: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F3411159UTO<<<<<<<<<<<2\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";

fn request(kind: IdentifierKind, value: &str, country: Option<&str>) -> ValidationRequest {
    ValidationRequest {
        r#type: kind,
        value: value.to_owned(),
        country: country.map(str::to_owned),
    }
}

fn synthetic_case() -> Result<CaseInput, Box<dyn std::error::Error>> {
    let today = parse_iso_date("2026-11-21")?;
    let entered = EnteredData {
        surname: Some("Eriksson".into()),
        given_names: Some("Anna María".into()),
        date_of_birth: Some(parse_iso_date("1974-08-12")?),
        document_number: Some("D23145890".into()),
        date_of_expiry: Some(parse_iso_date("2034-11-15")?),
        nationality: Some("UTO".into()),
    };
    Ok(CaseInput {
        today,
        policy: DocumentPolicy::default(),
        document: DocumentSubmission {
            document_type: DocumentType::IdCard,
            sides_present: vec![DocumentSide::Front, DocumentSide::Back],
            mrz_text: Some(MRZ.into()),
            submitted_on: Some(today),
            attempt: 1,
            duplicate: DuplicateLookup::NoneFound,
        },
        record: Some(entered.clone()),
        entered,
        identifiers: vec![
            request(IdentifierKind::Email, "anna.eriksson@example.com", None),
            request(IdentifierKind::Phone, "+44 20 7946 0958", None),
            request(IdentifierKind::Iban, "GB82 WEST 1234 5698 7654 32", None),
            request(IdentifierKind::Lei, "5493001KJTIIGC8Y1R12", None),
            request(IdentifierKind::Vat, "DE 136 695 976", None),
            request(IdentifierKind::CompanyNumber, "04366849", Some("GB")),
        ],
    })
}

/// CPU time of the main thread so far, when the kernel exposes it.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Average CPU (or wall) time of `work` over `iterations` runs.
fn measure(iterations: u32, mut work: impl FnMut()) -> Duration {
    let (cpu_start, wall_start) = (cpu_time(), Instant::now());
    for _ in 0..iterations {
        work();
    }
    let spent = match (cpu_start, cpu_time()) {
        (Some(start), Some(end)) => end.saturating_sub(start),
        _ => wall_start.elapsed(),
    };
    spent / iterations
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let iterations: u32 = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => DEFAULT_ITERATIONS,
    };
    let case = synthetic_case()?;
    let first = measure(1, kycore_checks::checks::warm_up);
    let results = run_case(&case);
    let per_case = measure(iterations, || {
        black_box(run_case(black_box(&case)));
    });
    println!("checks per case: {}", results.len());
    for result in &results {
        println!("  {:?}: {:?}", result.kind, result.status);
    }
    println!("one-off warm-up (lazy tables): {first:?}");
    println!("CPU per case: {per_case:?} (mean of {iterations}, single thread)");
    let mrz_only = measure(iterations, || {
        black_box(validate_on(
            black_box(&request(IdentifierKind::Mrz, MRZ, None)),
            case.today,
        ));
    });
    println!("  of which MRZ parse alone: {mrz_only:?}");
    for identifier in &case.identifiers {
        let alone = measure(iterations, || {
            black_box(validate_on(black_box(identifier), case.today));
        });
        println!("  of which {:?} alone: {alone:?}", identifier.r#type);
    }
    measure_rules(iterations)
}

/// The built-in rules over a facts object shaped like a real case's: compiled once per flow
/// (cached by the server), evaluated for every case.
fn measure_rules(iterations: u32) -> Result<(), Box<dyn std::error::Error>> {
    let facts = serde_json::json!({
        "case": {"kind": "kyc", "environment": "live", "flow_id": "flow_kyc_default"},
        "applicant": {"type": "individual", "country": "SE", "nationality": "SE", "age": 52, "related_persons": 0},
        "documents": [{"type": "id-card", "side": "front", "attempt": 1, "has_mrz": true}],
        "document": {"status": "accepted", "reasons": [], "attempts_left": -1},
        "checks": {"mrz_integrity": {"status": "passed", "score": 1.0}, "lei": {"status": "not_run", "score": null}},
        "failed_checks": [], "review_checks": [],
        "screening": {"open_hits": 0, "max_score": 0.0, "lists": ["us_ofac_sdn"]},
        "duplicates": {"applicant_ids": []},
        "resubmission": {"steps": []},
    });
    let rules = kycore_domain::rules::default_rules();
    let names = kycore_checks::rules::fact_names(&facts);
    let compile_all = || -> Result<Vec<_>, kycore_checks::rules::RuleError> {
        rules
            .iter()
            .map(|r| kycore_checks::rules::compile(&r.when, &names))
            .collect()
    };
    let compiled = compile_all()?;
    let compile = measure(iterations / 10, || {
        black_box(compile_all().ok());
    });
    let evaluate = measure(iterations, || {
        if let Ok(converted) = kycore_checks::rules::Facts::new(black_box(&facts)) {
            for rule in &compiled {
                black_box(rule.evaluate(&converted).ok());
            }
        }
    });
    println!(
        "built-in rules ({}): evaluate all {evaluate:?} per case; compile all {compile:?} once per flow",
        rules.len()
    );
    Ok(())
}
