//! `kycore lists`: import watchlist files into the data directory and show which versions are
//! imported and served. Lists are deployment-wide; a running `kycore serve` picks a new
//! version up within its refresh interval.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use clap::Subcommand;
use kycore_services::screening::{
    ImportProgress, ImportRequest, ListFormat, ListVersionView, SourceStatusView,
};

use crate::StorageArgs;
use crate::config::FileConfig;

#[derive(Subcommand)]
pub enum ListsCommand {
    /// Import a list file (OFAC CSV side files next to it come along).
    Import {
        file: PathBuf,
        /// ofac-sdn-csv, ofac-consolidated-csv, ofac-xml, un-xml, csl-csv, bis-dpl or eu-uk-csv
        /// (detected from the file when not given).
        #[arg(long, value_parser = parse_format)]
        format: Option<ListFormat>,
        /// The id queries filter on (default: the format's, e.g. us_ofac_sdn).
        #[arg(long)]
        list_id: Option<String>,
    },
    /// Show every imported version and which one of each list is current.
    Status {
        #[arg(long)]
        json: bool,
    },
}

/// Parses a `--format` value.
pub fn parse_format(raw: &str) -> Result<ListFormat, String> {
    ListFormat::parse(raw).ok_or_else(|| {
        let names: Vec<&str> = ListFormat::ALL.iter().map(|f| f.as_str()).collect();
        format!("expected one of {}", names.join(", "))
    })
}

/// The format given, or the one the file looks like.
pub fn format_of(file: &std::path::Path, given: Option<ListFormat>) -> anyhow::Result<ListFormat> {
    given.or_else(|| ListFormat::detect(file)).ok_or_else(|| {
        anyhow::anyhow!(
            "cannot tell the format of {}; pass --format",
            file.display()
        )
    })
}

pub async fn run(
    file: &FileConfig,
    args: StorageArgs,
    command: ListsCommand,
) -> anyhow::Result<()> {
    let storage = args.resolve(file);
    let services = crate::open_services(&storage, String::new()).await?;
    match command {
        ListsCommand::Import {
            file,
            format,
            list_id,
        } => {
            let format = format_of(&file, format)?;
            let request = ImportRequest {
                path: file,
                format,
                list_id,
            };
            let outcome = services
                .import_watchlist(&storage.data_dir, request, progress_line())
                .await?;
            let v = &outcome.version;
            if outcome.unchanged {
                println!("{} is unchanged (current version {})", v.list_id, v.id);
            } else {
                eprintln!(); // ends the progress line
                println!(
                    "imported {} version {}: {} entities, {} names",
                    v.list_id, v.id, v.entity_count, v.name_count
                );
            }
        }
        ListsCommand::Status { json } => {
            let status = services.watchlist_status().await?;
            if json {
                println!("{}", serde_json::to_string(&status.versions)?);
            } else {
                print_versions(&status.versions);
                print_sources(&services.watchlist_sources().await?);
            }
        }
    }
    Ok(())
}

/// Progress on stderr: one line rewritten in place, at most once per percent.
fn progress_line() -> impl Fn(ImportProgress) + Send + Sync + 'static {
    let last_percent = AtomicU64::new(u64::MAX);
    move |progress| {
        let line = match progress {
            ImportProgress::Parsing => "checking the list…".to_owned(),
            ImportProgress::Copying { done, total } => {
                let percent = done.saturating_mul(100) / total.max(1);
                if last_percent.swap(percent, Ordering::Relaxed) == percent {
                    return;
                }
                format!("copying {percent:>3}%")
            }
        };
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r{line:<24}");
        let _ = stderr.flush();
    }
}

/// The sources `kycore serve` imports on a schedule, and how their last refreshes went.
fn print_sources(sources: &[SourceStatusView]) {
    if sources.is_empty() {
        return;
    }
    println!();
    println!(
        "{:<48} {:<16} {:<24} status",
        "source", "list", "last success"
    );
    for s in sources {
        let status = match (&s.failing_since, &s.last_error) {
            (Some(since), Some(error)) => {
                format!("failing since {since} ({} times): {error}", s.failures)
            }
            _ => "ok".to_owned(),
        };
        println!(
            "{:<48} {:<16} {:<24} {status}",
            s.source,
            s.list_id.as_deref().unwrap_or("-"),
            s.last_success_at.as_deref().unwrap_or("never"),
        );
    }
}

fn print_versions(versions: &[ListVersionView]) {
    if versions.is_empty() {
        println!("no list imported; run `kycore lists import FILE --format …`");
        return;
    }
    println!(
        "{:<16} {:<34} {:<22} {:>8} {:>8}  {:<24} status",
        "list", "version", "format", "entities", "names", "imported"
    );
    for v in versions {
        let status = match (&v.last_error, v.current) {
            (Some(error), _) => format!("{}: {error}", v.status),
            (None, true) => format!("{} (current)", v.status),
            (None, false) => v.status.clone(),
        };
        println!(
            "{:<16} {:<34} {:<22} {:>8} {:>8}  {:<24} {status}",
            v.list_id, v.id, v.format, v.entity_count, v.name_count, v.imported_at
        );
    }
}
