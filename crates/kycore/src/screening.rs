//! `kycore screening`: the engine's batch front ends (`score`, `search`) and its evaluation
//! (`eval`), run on the lists imported for `kycore serve` or on list files given with
//! `--lists`.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use kycore_screening::{LoadedList, Screener, batch, eval};
use kycore_services::screening::ListFormat;

use crate::StorageArgs;
use crate::config::{FileConfig, Storage};
use crate::lists::{format_of, parse_format};

#[derive(Subcommand)]
pub enum ScreeningCommand {
    /// Score name pairs: reads CSV rows `schema,name1,name2[,…]`, writes them with `score`
    /// and `match` (at the default threshold 0.75) appended. Word statistics come from the
    /// lists when there are some, from built-in defaults otherwise.
    Score {
        /// CSV file, or `-` for standard input.
        #[arg(long)]
        input: PathBuf,
        #[command(flatten)]
        lists: ListFiles,
    },
    /// Screen names: reads CSV rows with `full_name` (or `name`) and optional
    /// `date_of_birth`, `nationality`/`country`, `schema`; writes one JSON line per row.
    Search {
        /// CSV file, or `-` for standard input.
        #[arg(long)]
        input: PathBuf,
        #[command(flatten)]
        lists: ListFiles,
    },
    /// Measure precision, recall, F1 and the false-positive rate at the default threshold: on
    /// cases generated from the lists themselves, then per category on labelled name pairs
    /// (written ones and the lists' own aliases) and on unlisted people of many cultures.
    Eval {
        #[command(flatten)]
        lists: ListFiles,
        /// Cases generated per category.
        #[arg(long, default_value_t = 400)]
        per_category: usize,
        /// Seed of the case generator.
        #[arg(long, default_value_t = 20_260_221)]
        seed: u64,
        /// Unlisted people screened for the false-alarm rate.
        #[arg(long, default_value_t = 20_000)]
        unlisted: usize,
    },
}

/// Lists to screen against instead of the imported ones.
#[derive(Args)]
pub struct ListFiles {
    /// List files (default: the lists imported with `kycore lists import`).
    #[arg(long, num_args = 1..)]
    lists: Vec<PathBuf>,
    /// The format of every `--lists` file (detected from each file when not given).
    #[arg(long, value_parser = parse_format)]
    format: Option<ListFormat>,
}

pub async fn run(
    file: &FileConfig,
    args: StorageArgs,
    command: ScreeningCommand,
) -> anyhow::Result<()> {
    let storage = args.resolve(file);
    match command {
        ScreeningCommand::Score { input, lists } => {
            let screener = Screener::new(lists_for_scoring(&storage, &lists).await?);
            batch::score_csv(&screener, open_input(&input)?, stdout())?;
        }
        ScreeningCommand::Search { input, lists } => {
            let screener = Screener::new(load_lists(&storage, &lists).await?);
            batch::search_csv(&screener, open_input(&input)?, stdout())?;
        }
        ScreeningCommand::Eval {
            lists,
            per_category,
            seed,
            unlisted,
        } => {
            let lists = load_lists(&storage, &lists).await?;
            let (generated, independent) = tokio::task::spawn_blocking(move || {
                let cases = eval::generate(&lists, per_category, seed);
                let mut pairs = eval::written_pairs();
                pairs.extend(eval::list_pairs(
                    &lists,
                    per_category,
                    seed,
                    eval::Split::All,
                ));
                let unlisted = eval::unlisted_names(&lists, unlisted, seed, eval::Split::All);
                let screener = Screener::new(lists);
                (
                    eval::evaluate(&screener, &cases),
                    eval::evaluate_pairs(&screener, &pairs, &unlisted),
                )
            })
            .await?;
            print!("{generated}{independent}");
        }
    }
    Ok(())
}

/// Lists whose word statistics weigh scored pairs: the `--lists` files, or else the imported
/// lists, or else none (the engine's built-in statistics), as scoring pairs needs no list.
async fn lists_for_scoring(
    storage: &Storage,
    files: &ListFiles,
) -> anyhow::Result<Vec<LoadedList>> {
    if !files.lists.is_empty() {
        return load_lists(storage, files).await;
    }
    match load_lists(storage, files).await {
        Ok(lists) => Ok(lists),
        Err(e) => {
            eprintln!("no list loaded ({e:#}); using built-in word statistics");
            Ok(Vec::new())
        }
    }
}

/// The `--lists` files, or else the lists imported into the deployment.
async fn load_lists(storage: &Storage, files: &ListFiles) -> anyhow::Result<Vec<LoadedList>> {
    let lists = if files.lists.is_empty() {
        let services = crate::open_services(storage, String::new()).await?;
        services.configured_lists(&storage.data_dir).await?
    } else {
        let given = files
            .lists
            .iter()
            .map(|path| Ok((path.clone(), format_of(path, files.format)?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        tokio::task::spawn_blocking(move || load_files(&given)).await??
    };
    if lists.is_empty() {
        bail!("no list to screen against: import one with `kycore lists import` or pass --lists");
    }
    Ok(lists)
}

fn load_files(files: &[(PathBuf, ListFormat)]) -> anyhow::Result<Vec<LoadedList>> {
    files
        .iter()
        .map(|(path, format)| {
            format
                .load(path, format.default_list_id(), None)
                .with_context(|| format!("cannot load {} as {format}", path.display()))
        })
        .collect()
}

fn open_input(path: &Path) -> anyhow::Result<Box<dyn Read>> {
    if path == Path::new("-") {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    let file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Box::new(BufReader::new(file)))
}

fn stdout() -> BufWriter<std::io::StdoutLock<'static>> {
    BufWriter::new(std::io::stdout().lock())
}
