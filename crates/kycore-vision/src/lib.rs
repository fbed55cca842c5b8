//! Document intelligence, offline: the machine-readable zone read from a photo of an identity
//! document ([`mrz_read`]), the PDF417 barcode on the back of North American driving licences
//! ([`barcode`]), and faces found and compared ([`face`]). Pure computation on pixels: the
//! only files read are the model files, once, when [`Engines`] are loaded ([`models`]), and
//! the fixtures and font the evaluations ([`eval`], [`eval_face`]) are pointed at.
//!
//! Every entry point takes a [`Picture`], an image decoded under limits and scaled down to a
//! working size, so a huge or hostile upload costs a bounded amount of memory and time before
//! any engine sees it. The engines are native libraries (Tesseract, dlib) whose handles may be
//! moved between threads but not shared: [`Engines`] keeps one handle per worker behind a lock.
//! Callers run this work on a blocking pool; it takes tens to hundreds of milliseconds.

pub mod barcode;
mod engines;
pub mod eval;
pub mod eval_face;
pub mod face;
pub mod models;
pub mod mrz_read;
mod picture;

pub use engines::{EngineAvailability, Engines};
pub use picture::{MAX_WORKING_SIDE, Picture, PictureError};

#[cfg(test)]
// Without the `ocr` feature no test reads a fixture through the engines.
#[cfg_attr(not(feature = "ocr"), allow(dead_code))]
pub(crate) mod testing {
    //! The engines the tests run against: the installed models, required when
    //! `KYCORE_REQUIRE_MODELS` is set (CI), else the tests that need them are skipped.

    use std::sync::OnceLock;

    use crate::{EngineAvailability, Engines, models};

    /// The shared engines, or `None` (with a note) when the models are not installed here.
    pub(crate) fn engines() -> Option<&'static Engines> {
        static ENGINES: OnceLock<Engines> = OnceLock::new();
        let engines = ENGINES.get_or_init(|| {
            Engines::load(&models::default_directory(), 2).expect("the installed models load")
        });
        let missing = [engines.mrz_availability(), engines.face_availability()]
            .into_iter()
            .find(|availability| *availability != EngineAvailability::Available);
        match missing {
            None => Some(engines),
            Some(missing) if std::env::var_os("KYCORE_REQUIRE_MODELS").is_some() => {
                panic!("KYCORE_REQUIRE_MODELS is set but an engine is missing: {missing:?}")
            }
            Some(missing) => {
                eprintln!("skipped: {missing:?}; run scripts/setup-models");
                None
            }
        }
    }

    /// A fixture from the shared data folder.
    pub(crate) fn fixture(relative: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/fixtures")
            .join(relative);
        std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
    }
}
