//! The loaded engines, shared by every request: the models are read and checked once, and
//! each engine keeps one native handle per worker, since Tesseract's and dlib's handles may
//! move between threads but not be used from two at once.

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::barcode::{self, BarcodeOutcome};
use crate::face::{FaceOutcome, FaceSource};
use crate::models::ModelError;
use crate::mrz_read::MrzOutcome;
use crate::picture::Picture;

/// Whether an engine can run, and if not why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineAvailability {
    /// Loaded.
    Available,
    /// Not built in, or its model is not installed; the sentence says which.
    NotAvailable(String),
}

/// The document engines of one process.
pub struct Engines {
    #[cfg(feature = "ocr")]
    mrz: Result<Handles<crate::mrz_read::MrzReader>, String>,
    #[cfg(feature = "face")]
    face: Result<Handles<crate::face::FaceMatcher>, String>,
}

impl std::fmt::Debug for Engines {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Engines")
            .field("mrz", &self.mrz_availability())
            .field("face", &self.face_availability())
            .finish()
    }
}

impl Engines {
    /// Loads every engine whose model is in `model_directory`, with `workers` handles each.
    /// A missing model leaves its engine unavailable; a model that fails its checksum or that
    /// the engine rejects is an error.
    pub fn load(model_directory: &Path, workers: usize) -> Result<Self, ModelError> {
        let workers = workers.max(1);
        #[cfg(not(any(feature = "ocr", feature = "face")))]
        let _ = (model_directory, workers);
        Ok(Self {
            #[cfg(feature = "ocr")]
            mrz: available_unless_missing(Handles::load(workers, || {
                crate::mrz_read::MrzReader::load(model_directory)
            }))?,
            #[cfg(feature = "face")]
            face: available_unless_missing(Handles::load(workers, || {
                crate::face::FaceMatcher::load(model_directory)
            }))?,
        })
    }

    /// Engines with no model loaded: every read reports `not_available`.
    pub fn none() -> Self {
        Self {
            #[cfg(feature = "ocr")]
            mrz: Err("no model directory is configured".to_owned()),
            #[cfg(feature = "face")]
            face: Err("no model directory is configured".to_owned()),
        }
    }

    /// Whether the MRZ can be read.
    pub fn mrz_availability(&self) -> EngineAvailability {
        #[cfg(feature = "ocr")]
        return availability(&self.mrz);
        #[cfg(not(feature = "ocr"))]
        EngineAvailability::NotAvailable("built without the `ocr` feature".to_owned())
    }

    /// Whether faces can be found and compared.
    pub fn face_availability(&self) -> EngineAvailability {
        #[cfg(feature = "face")]
        return availability(&self.face);
        #[cfg(not(feature = "face"))]
        EngineAvailability::NotAvailable("built without the `face` feature".to_owned())
    }

    /// Reads the machine-readable zone of a document photo.
    pub fn read_mrz(&self, picture: &Picture) -> MrzOutcome {
        #[cfg(feature = "ocr")]
        if let Ok(handles) = &self.mrz {
            return handles.take().read(picture);
        }
        let _ = picture;
        MrzOutcome::NotAvailable
    }

    /// Finds the face of a document's portrait or of a selfie.
    pub fn find_face(&self, picture: &Picture, source: FaceSource) -> FaceOutcome {
        #[cfg(feature = "face")]
        if let Ok(handles) = &self.face {
            return handles.take().find(picture, source);
        }
        let _ = (picture, source);
        FaceOutcome::NotAvailable
    }

    /// Reads the PDF417 barcode of a North American licence (no model needed).
    pub fn read_barcode(&self, picture: &Picture) -> BarcodeOutcome {
        barcode::read(picture)
    }
}

#[cfg(any(feature = "ocr", feature = "face"))]
fn availability<T>(handles: &Result<Handles<T>, String>) -> EngineAvailability {
    match handles {
        Ok(_) => EngineAvailability::Available,
        Err(reason) => EngineAvailability::NotAvailable(reason.clone()),
    }
}

/// A missing model makes the engine unavailable; any other failure stops the start.
#[cfg(any(feature = "ocr", feature = "face"))]
fn available_unless_missing<T>(
    loaded: Result<Handles<T>, ModelError>,
) -> Result<Result<Handles<T>, String>, ModelError> {
    match loaded {
        Ok(handles) => Ok(Ok(handles)),
        Err(error) if error.is_missing() => Ok(Err(error.to_string())),
        Err(error) => Err(error),
    }
}

/// One native handle per worker. A caller takes a free one, or waits for the first.
struct Handles<T> {
    handles: Vec<Mutex<T>>,
}

#[cfg_attr(not(any(feature = "ocr", feature = "face")), allow(dead_code))]
impl<T> Handles<T> {
    fn load(
        workers: usize,
        mut load: impl FnMut() -> Result<T, ModelError>,
    ) -> Result<Self, ModelError> {
        let handles = (0..workers)
            .map(|_| load().map(Mutex::new))
            .collect::<Result<_, _>>()?;
        Ok(Self { handles })
    }

    fn take(&self) -> MutexGuard<'_, T> {
        for handle in &self.handles {
            if let Ok(guard) = handle.try_lock() {
                return guard;
            }
        }
        // All busy: the callers' own bound (the blocking pool's queue) keeps this wait short.
        // A handle whose holder panicked is still whole: the engines keep no state between
        // pictures that a half-done call could corrupt.
        self.handles[0]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
