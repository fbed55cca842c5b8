//! The machine-readable zone read from a photo: find the band, straighten it, OCR it with a
//! model trained for the MRZ alphabet, repair what OCR confuses by letting the check digits
//! choose, and report each field with a confidence.
//!
//! The types here are what callers see. [`band`] finds and straightens the zone,
//! [`MrzReader`] runs Tesseract on it in each orientation the band may lie in, and
//! `kycore_checks::mrz::ocr` repairs and judges the text.

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

#[cfg(feature = "ocr")]
mod band;
#[cfg(feature = "ocr")]
mod reader;

#[cfg(feature = "ocr")]
pub use reader::MrzReader;

#[cfg(all(test, feature = "ocr"))]
mod tests {
    use super::*;
    use crate::Picture;
    use crate::testing::{engines, fixture};

    fn read(relative: &str) -> Option<MrzOutcome> {
        let engines = engines()?;
        let picture = Picture::decode(&fixture(relative)).expect("decodes");
        Some(engines.read_mrz(&picture))
    }

    fn read_zone(relative: &str) -> Option<MrzRead> {
        match read(relative)? {
            MrzOutcome::Read(read) => Some(read),
            other => panic!("{relative}: {other:?}"),
        }
    }

    fn value<'a>(read: &'a MrzRead, field: &str) -> &'a FieldRead {
        read.fields
            .iter()
            .find(|candidate| candidate.field == field)
            .unwrap_or_else(|| panic!("no {field}"))
    }

    #[test]
    fn every_fixture_image_reads_with_verified_check_digits() {
        for name in ["td1", "td2", "td3", "mrva"] {
            for suffix in ["", "_noisy"] {
                let path = format!("mrz/images/{name}_utopia{suffix}.png");
                let started = std::time::Instant::now();
                let Some(read) = read_zone(&path) else {
                    return;
                };
                eprintln!(
                    "{path}: {:?} {:?}\n{}",
                    started.elapsed(),
                    read.orientation,
                    read.text
                );
                for field in ["document_number", "date_of_birth", "date_of_expiry"] {
                    assert_eq!(
                        value(&read, field).cover,
                        CheckDigitCover::Verified,
                        "{path} {field}"
                    );
                }
                assert_eq!(
                    value(&read, "date_of_birth").value,
                    if name == "mrva" { "400907" } else { "740812" }
                );
                assert_eq!(value(&read, "surname").value, "ERIKSSON", "{path}");
                assert_eq!(value(&read, "surname").cover, CheckDigitCover::NotCovered);
                assert!(
                    read.fields
                        .iter()
                        .all(|field| (0.0..=1.0).contains(&field.confidence))
                );
                assert!(!read.orientation.mirrored);
                assert!(read.orientation.rotation_degrees.abs() < 3.0, "{path}");
            }
        }
    }

    #[test]
    fn the_synthetic_identity_card_reads() {
        let Some(read) = read_zone("kyc_e2e/synthetic_td1_card_portrait_paul_rudd_1.jpg") else {
            return;
        };
        assert_eq!(read.format, kycore_checks::mrz::MrzFormat::Td1);
        assert_eq!(value(&read, "document_number").value, "D23145890");
        assert_eq!(value(&read, "given_names").value, "ANNA MARIA");
        assert_eq!(
            value(&read, "document_number").cover,
            CheckDigitCover::Verified
        );
    }

    /// A generated document under one condition, read; `None` without engines or font.
    fn generated(
        condition: &crate::eval::Condition,
        seed: u64,
    ) -> Option<(MrzOutcome, crate::eval::Truth)> {
        let engines = engines()?;
        let Ok(mut generator) = crate::eval::Generator::new(seed) else {
            eprintln!("skipped: no OCR-B font");
            return None;
        };
        let (picture, truth) = generator.document(condition);
        Some((engines.read_mrz(&picture), truth))
    }

    fn condition(name: &str) -> crate::eval::Condition {
        crate::eval::conditions()
            .into_iter()
            .find(|condition| condition.name == name)
            .expect("a condition")
    }

    fn assert_reads_truth(outcome: &MrzOutcome, truth: &crate::eval::Truth) -> MrzRead {
        let MrzOutcome::Read(read) = outcome else {
            panic!("{outcome:?}");
        };
        for (field, expected) in &truth.fields {
            assert_eq!(
                &value(read, field).value,
                expected,
                "{field} in\n{}",
                read.text
            );
        }
        read.clone()
    }

    #[test]
    fn a_generated_card_rotated_8_degrees_in_perspective_reads() {
        let rotated = crate::eval::Condition {
            rotation: 8.0,
            rotation_min: 8.0,
            perspective: 0.03,
            ..condition("clean")
        };
        let Some((outcome, truth)) = generated(&rotated, 11) else {
            return;
        };
        let read = assert_reads_truth(&outcome, &truth);
        assert!(
            read.orientation.rotation_degrees.abs() > 1.0,
            "{:?}",
            read.orientation
        );
    }

    #[test]
    fn upside_down_and_mirrored_documents_read_and_say_so() {
        let Some((outcome, truth)) = generated(&condition("upside down"), 12) else {
            return;
        };
        let read = assert_reads_truth(&outcome, &truth);
        assert!(
            read.orientation.rotation_degrees.abs() > 170.0,
            "{:?}",
            read.orientation
        );
        assert!(!read.orientation.mirrored);
        let Some((outcome, truth)) = generated(&condition("mirrored"), 13) else {
            return;
        };
        let read = assert_reads_truth(&outcome, &truth);
        assert!(read.orientation.mirrored, "{:?}", read.orientation);
    }

    #[test]
    fn a_grayscale_jpeg_reads() {
        let gray = crate::eval::Condition {
            grayscale: true,
            jpeg_quality: 70,
            ..condition("clean")
        };
        let Some((outcome, truth)) = generated(&gray, 14) else {
            return;
        };
        assert_reads_truth(&outcome, &truth);
    }

    #[test]
    fn blank_tiny_and_noise_pictures_are_not_found_without_panicking() {
        let Some(engines) = engines() else {
            return;
        };
        let blank = Picture::from_rgb(image::RgbImage::from_pixel(
            800,
            500,
            image::Rgb([240, 240, 240]),
        ));
        let tiny = Picture::from_rgb(image::RgbImage::new(10, 5));
        let mut rng = crate::eval::Rng::new(5);
        let noise = Picture::from_rgb(image::RgbImage::from_fn(600, 400, |_, _| {
            image::Rgb([
                rng.below(256) as u8,
                rng.below(256) as u8,
                rng.below(256) as u8,
            ])
        }));
        for picture in [blank, tiny, noise] {
            let outcome = engines.read_mrz(&picture);
            assert!(matches!(outcome, MrzOutcome::NotFound(_)), "{outcome:?}");
        }
    }

    #[test]
    fn a_face_photo_has_no_zone() {
        let Some(outcome) = read("faces/paul_rudd_1.jpg") else {
            return;
        };
        assert!(matches!(outcome, MrzOutcome::NotFound(_)), "{outcome:?}");
    }
}
