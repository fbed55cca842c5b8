//! Document intelligence, offline: the machine-readable zone read from a photo of an identity
//! document ([`mrz_read`]), the PDF417 barcode on the back of North American driving licences
//! ([`barcode`]), and faces found and compared ([`face`]). Pure computation on pixels: the
//! only files read are the model files, once, when [`Engines`] are loaded ([`models`]).
//!
//! Every entry point takes a [`Picture`], an image decoded under limits and scaled down to a
//! working size, so a huge or hostile upload costs a bounded amount of memory and time before
//! any engine sees it. The engines are native libraries (Tesseract, dlib) whose handles may be
//! moved between threads but not shared: [`Engines`] keeps one handle per worker behind a lock.
//! Callers run this work on a blocking pool; it takes tens to hundreds of milliseconds.

pub mod barcode;
mod engines;
pub mod face;
pub mod models;
pub mod mrz_read;
mod picture;

pub use engines::{EngineAvailability, Engines};
pub use picture::{MAX_WORKING_SIDE, Picture, PictureError};
