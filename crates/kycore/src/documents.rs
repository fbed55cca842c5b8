//! `kycore documents eval`: how well the document engines read the MRZ and match faces, on
//! the shared fixture images and on documents generated at run time, with the models
//! `kycore serve` would load.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;
use kycore_vision::{EngineAvailability, Engines, eval, eval_face, models};

#[derive(Subcommand)]
pub enum DocumentsCommand {
    /// MRZ read rate and field accuracy on the fixture images and on generated documents
    /// (OCR-B at several scales, rotations up to 10°, perspective, blur, JPEG quality and
    /// noise, on a textured card), and face-match separation on the fixture faces.
    Eval {
        /// The shared fixtures folder (holding `mrz/images`, `faces` and `kyc_e2e`).
        #[arg(long, default_value = "../shared/data/fixtures")]
        fixtures: PathBuf,
        /// Documents generated per condition.
        #[arg(long, default_value_t = 20)]
        generated: usize,
        /// Seed of the document generator.
        #[arg(long, default_value_t = 20_261_206)]
        seed: u64,
        /// The models (default: `$KYCORE_MODEL_DIR`, else /usr/local/share/kycore/models).
        #[arg(long)]
        model_dir: Option<PathBuf>,
    },
}

pub fn run(command: DocumentsCommand) -> anyhow::Result<()> {
    let DocumentsCommand::Eval {
        fixtures,
        generated,
        seed,
        model_dir,
    } = command;
    let model_dir = model_dir.unwrap_or_else(models::default_directory);
    let engines = Engines::load(&model_dir, 1)
        .with_context(|| format!("cannot load the models in {}", model_dir.display()))?;
    for (engine, availability) in [
        ("MRZ reader", engines.mrz_availability()),
        ("face matcher", engines.face_availability()),
    ] {
        if let EngineAvailability::NotAvailable(reason) = availability {
            bail!("the {engine} is not available: {reason}");
        }
    }
    let fixtures = fixtures.is_dir().then_some(fixtures);
    if fixtures.is_none() {
        eprintln!("no fixtures folder: evaluating generated documents only");
    }
    let zones = eval::evaluate_mrz(&engines, fixtures.as_deref(), generated, seed);
    println!("{zones}");
    if let Some(fixtures) = &fixtures {
        println!(
            "{}",
            eval_face::evaluate_faces(&engines, &fixtures.join("faces"))
        );
    }
    Ok(())
}
