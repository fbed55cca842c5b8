//! Ongoing-monitoring benchmark (run: `cargo bench -p kycore --bench monitoring`).
//!
//! Creates `KYCORE_BENCH_APPLICANTS` (default 100,000) synthetic applicants with approved
//! cases in a durable SQLite store, imports the real OFAC SDN, OFAC consolidated, UN, BIS DPL
//! and combined EU/UK lists from `../shared/data` (the set the screening figures use), and
//! times the re-screen that serving the new list versions starts:
//! the real job chain (read page, open each sealed profile, screen every party, record hits
//! and progress). Reports the rate and what a run over 1,000,000 applicants would take at it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use kycore_domain::applicant::{ApplicantType, IndividualProfile};
use kycore_domain::case::{CaseKind, Outcome};
use kycore_services::applicants::NewApplicant;
use kycore_services::crypto::MasterKey;
use kycore_services::screening::{ImportRequest, ListFormat};
use kycore_services::{
    CaseApplicant, Deployment, NewCaseRequest, RequestContext, ServiceConfig, Services,
};
use sqlx::{Connection, Row};

const DEFAULT_APPLICANTS: usize = 100_000;
const CLIENTS: usize = 64;
const FIRST: [&str; 24] = [
    "Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kofi",
    "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tamar", "Umar", "Vera",
    "Wei", "Yusuf",
];
const LAST: [&str; 24] = [
    "Andersson",
    "Brown",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Umarov",
    "Varga",
    "Weber",
    "Zhang",
];

fn shared(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/watchlists")
        .join(path)
}

/// A deterministic synthetic person: a first, a middle initial and a last name, a birth date.
fn person(i: usize) -> IndividualProfile {
    const SUFFIXES: [&str; 4] = ["", "-Berg", "son", "i"];
    const NATIONALITIES: [&str; 8] = ["SE", "DE", "FR", "US", "GB", "NG", "JP", "BR"];
    let mix = i.wrapping_mul(2_654_435_761) >> 7;
    let middle = char::from(b'A' + (mix / 7 % 26) as u8).to_string();
    let last = format!(
        "{}{}",
        LAST[(mix / 31) % LAST.len()],
        SUFFIXES[(mix / 13) % 4]
    );
    let born = format!(
        "{}-{:02}-{:02}",
        1940 + mix % 60,
        1 + mix / 3 % 12,
        1 + mix / 5 % 28
    );
    IndividualProfile {
        first_name: Some(FIRST[mix % FIRST.len()].to_owned()),
        middle_name: Some(middle),
        last_name: Some(last),
        date_of_birth: Some(born),
        nationality: Some(NATIONALITIES[mix / 17 % 8].to_owned()),
        ..IndividualProfile::default()
    }
}

#[tokio::main]
async fn main() {
    let applicants = std::env::var("KYCORE_BENCH_APPLICANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_APPLICANTS);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let deployment = Deployment::open(&url).await.expect("open database");
    let (services, keys) = Services::start(
        deployment,
        &MasterKey::generate(),
        ServiceConfig::new("http://127.0.0.1", dir.path()),
    )
    .await
    .expect("start");
    let keys = keys.expect("a new deployment");
    let caller = services
        .authenticate(&keys.sandbox.secret_key)
        .await
        .expect("key");
    let ctx = RequestContext::new(caller.scope, caller.principal);

    let started = Instant::now();
    approve_applicants(&services, &ctx, applicants).await;
    println!(
        "setup: {applicants} approved synthetic applicants in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    for (path, format) in [
        (
            "us_ofac_sdn/2024-05-03_git-scrape/sdn.csv",
            ListFormat::OfacSdnCsv,
        ),
        (
            "us_ofac_non_sdn/2025-12_csv/cons_prim.csv",
            ListFormat::OfacConsolidatedCsv,
        ),
        ("un_sc/2026-02-27/UN_consolidated.xml", ListFormat::UnXml),
        ("us_bis_dpl/2023-11/dpl.txt", ListFormat::BisDpl),
        (
            "combined_fca_sanctiontoolkit/2022-05-05/combined_sanction_lists_20220505_main.csv",
            ListFormat::EuUkCsv,
        ),
    ] {
        let request = ImportRequest {
            path: shared(path),
            format,
            list_id: None,
        };
        services
            .import_watchlist(dir.path(), request, |_| {})
            .await
            .expect("import");
    }
    let started = Instant::now();
    services.load_watchlists(dir.path()).await.expect("load");
    let loaded = started.elapsed();
    let entities = services.screener().map_or(0, |s| s.entities().len());
    println!(
        "lists: {entities} entities loaded in {:.2} s",
        loaded.as_secs_f64()
    );

    let started = Instant::now();
    let cpu_before = process_cpu_seconds();
    while services.run_due_jobs().await.expect("jobs") > 0 {}
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds() - cpu_before;

    let mut database = sqlx::AnyConnection::connect(&url).await.expect("database");
    let row = sqlx::query("SELECT applicants_screened, hits_found FROM monitoring_runs")
        .fetch_one(&mut database)
        .await
        .expect("run");
    let screened: i64 = row.get(0);
    let hits: i64 = row.get(1);
    let rate = screened as f64 / elapsed;
    println!(
        "re-screen: {screened} approved applicants in {elapsed:.1} s ({rate:.0}/s, {hits} new hits, {cpu:.1} s of CPU)"
    );
    println!(
        "estimate: 1,000,000 applicants would take {:.0} s ({:.1} min) at this rate",
        1_000_000.0 / rate,
        1_000_000.0 / rate / 60.0
    );
}

/// User plus system CPU seconds of this process so far (Linux `/proc/self/stat`; 0 elsewhere).
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line: 11 and 12 after the ')'.
    (ticks(11) + ticks(12)) / 100.0
}

/// Creates and approves `count` applicants' cases with `CLIENTS` concurrent callers.
async fn approve_applicants(services: &Services, ctx: &RequestContext, count: usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (services, ctx, next) = (services.clone(), ctx.clone(), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return;
                }
                let request = NewCaseRequest {
                    applicant: CaseApplicant::New(Box::new(NewApplicant {
                        applicant_type: ApplicantType::Individual,
                        external_id: None,
                        individual: Some(person(i)),
                        business: None,
                        related_persons: Vec::new(),
                    })),
                    kind: CaseKind::Kyc,
                    flow_id: None,
                    external_id: None,
                    redirect_url: None,
                    metadata: serde_json::Map::new(),
                    link_lifetime_seconds: None,
                };
                let case = services.create_case(&ctx, request).await.expect("create");
                services
                    .complete_sandbox_case(&ctx, &case.id, Outcome::Approved)
                    .await
                    .expect("approve");
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
}
