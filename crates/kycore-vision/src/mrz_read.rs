//! The machine-readable zone read from a photo: find the band, straighten it, OCR it with a
//! model trained for the MRZ alphabet, repair what OCR confuses by letting the check digits
//! choose, and report each field with a confidence.

use kycore_checks::mrz::MrzFormat;

/// What reading the MRZ of a picture gave.
#[derive(Debug, Clone, PartialEq)]
pub enum MrzOutcome {
    /// A zone was found and parsed.
    Read(MrzRead),
    /// No zone could be read; the sentence says what was seen.
    NotFound(String),
    /// The OCR engine or its model is not installed.
    NotAvailable,
}

/// A zone read from a picture.
#[derive(Debug, Clone, PartialEq)]
pub struct MrzRead {
    /// The zone's lines after repair, joined by `\n`: what the parser and the comparison use.
    pub text: String,
    /// Its layout.
    pub format: MrzFormat,
    /// Overall confidence in `0..=1`: the weakest field's.
    pub confidence: f64,
    /// Each field as read.
    pub fields: Vec<FieldRead>,
    /// Characters the repair changed from what OCR returned.
    pub corrections: usize,
    /// How the document lay in the picture.
    pub orientation: Orientation,
}

/// One field of a read zone.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRead {
    /// The field's name (`document_number`, `date_of_birth`, `surname`…).
    pub field: &'static str,
    /// Its value as read, fillers trimmed.
    pub value: String,
    /// Confidence in `0..=1`.
    pub confidence: f64,
    /// What vouches for it.
    pub cover: CheckDigitCover,
}

/// Whether a check digit covers a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckDigitCover {
    /// Its check digit (and the composite) verify.
    Verified,
    /// Its check digit does not verify, whatever the repair tried.
    Failed,
    /// No check digit covers it (names, nationality, sex): OCR alone vouches for it.
    NotCovered,
}

impl CheckDigitCover {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Failed => "failed",
            Self::NotCovered => "not_covered",
        }
    }
}

/// How the document lay in the picture.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Orientation {
    /// The rotation undone, in degrees counter-clockwise.
    pub rotation_degrees: f32,
    /// Whether the picture was mirrored (a selfie camera's preview).
    pub mirrored: bool,
}

/// The Tesseract handle with the MRZ model loaded.
#[cfg(feature = "ocr")]
pub struct MrzReader {}

#[cfg(feature = "ocr")]
impl MrzReader {
    /// Loads the checked MRZ model from the model directory.
    pub fn load(model_directory: &std::path::Path) -> Result<Self, crate::models::ModelError> {
        crate::models::read_verified(model_directory, crate::models::MRZ_OCR)?;
        Ok(Self {})
    }

    /// Reads the zone of one picture.
    pub fn read(&mut self, _picture: &crate::Picture) -> MrzOutcome {
        MrzOutcome::NotFound("not yet implemented".to_owned())
    }
}
