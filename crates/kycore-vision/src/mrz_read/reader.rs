//! The Tesseract side: the MRZ model loaded once per handle from checked bytes, the band
//! OCR'd restricted to the MRZ alphabet, and the orientations tried until the check digits
//! verify.

use std::ffi::CString;

use image::GrayImage;
use kycore_checks::mrz::{FieldCover, OcrLine, OcrZone, read_zone};
use tesseract::plumbing::TessBaseApi;
use tesseract::plumbing::tesseract_sys::{
    TessOcrEngineMode_OEM_LSTM_ONLY, TessPageSegMode_PSM_SINGLE_BLOCK,
};

use super::band::{self, NoBand};
use super::{CheckDigitCover, FieldRead, MrzOutcome, MrzRead, Orientation};
use crate::Picture;
use crate::models::{self, ModelError};

/// The MRZ alphabet: anything else the model could emit is noise here.
const MRZ_ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";

/// The Tesseract handle with the MRZ model loaded.
pub struct MrzReader {
    api: TessBaseApi,
}

impl std::fmt::Debug for MrzReader {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("MrzReader")
    }
}

impl MrzReader {
    /// Loads the checked MRZ model from the model directory. The bytes go to Tesseract
    /// from memory, so the file checked is the file run.
    pub fn load(model_directory: &std::path::Path) -> Result<Self, ModelError> {
        let bytes = models::read_verified(model_directory, models::MRZ_OCR)?;
        let rejected = |reason: &str| ModelError::Rejected {
            path: model_directory.join(models::MRZ_OCR.name),
            reason: reason.to_owned(),
        };
        let language = CString::new("mrz").map_err(|_| rejected("language name"))?;
        let mut api = TessBaseApi::create();
        api.init_1(&bytes, Some(&language), TessOcrEngineMode_OEM_LSTM_ONLY)
            .map_err(|_| rejected("Tesseract refused the model"))?;
        api.set_page_seg_mode(TessPageSegMode_PSM_SINGLE_BLOCK);
        for (name, value) in [
            ("tessedit_char_whitelist", MRZ_ALPHABET),
            // No dictionary: MRZ text is not words.
            ("load_system_dawg", "0"),
            ("load_freq_dawg", "0"),
        ] {
            let (name, value) = (
                CString::new(name).map_err(|_| rejected("variable name"))?,
                CString::new(value).map_err(|_| rejected("variable value"))?,
            );
            // The dictionaries are init-time variables and may be refused afterwards; the
            // whitelist is what matters, and it is accepted.
            let _ = api.set_variable(&name, &value);
        }
        Ok(Self { api })
    }

    /// Reads the zone of one picture.
    pub fn read(&mut self, picture: &Picture) -> MrzOutcome {
        let bands = match band::find(&picture.gray()) {
            Ok(bands) => bands,
            Err(NoBand::TooSmall) => {
                return MrzOutcome::NotFound("the picture is too small to hold an MRZ".to_owned());
            }
            Err(NoBand::NoTextLines) => {
                return MrzOutcome::NotFound(
                    "no machine-readable zone found: no line of evenly spaced characters long enough"
                        .to_owned(),
                );
            }
        };
        let mut best: Option<(OcrZone, Orientation)> = None;
        let lines = bands.first().map_or(0, |band| band.lines);
        'bands: for (rank, band) in bands.iter().enumerate() {
            // The slope fit cannot tell a band upside down or mirrored; the fillers' direction
            // can, mostly, so the likely orientations go first (upright when it cannot tell),
            // and the others follow until the check digits verify.
            let orders = match band::fillers_point_left(&band.image) {
                Some(false) => [(true, false), (false, true), (false, false), (true, true)],
                _ => [(false, false), (true, false), (false, true), (true, true)],
            };
            // The runner-up band only gets its likely orientations.
            let tries = if rank == 0 { 4 } else { 2 };
            for (turned, mirrored) in orders.into_iter().take(tries) {
                let image = orient(&band.image, turned, mirrored);
                let Some(zone) = self.ocr(&image) else {
                    continue;
                };
                let rotation =
                    normalize_degrees(band.angle_degrees + if turned { 180.0 } else { 0.0 });
                let orientation = Orientation {
                    rotation_degrees: rotation,
                    mirrored,
                };
                let done = zone.all_verified();
                if best
                    .as_ref()
                    .is_none_or(|(best, _)| ratio(&zone) > ratio(best))
                {
                    best = Some((zone, orientation));
                }
                if done {
                    break 'bands;
                }
            }
        }
        match best {
            Some((zone, orientation)) if zone.verified > 0 => {
                MrzOutcome::Read(to_read(zone, orientation))
            }
            Some((zone, _)) => MrzOutcome::NotFound(format!(
                "a zone-like band of {} lines was found but no check digit verified in any orientation ({})",
                lines,
                zone.text().replace('\n', " / ")
            )),
            None => MrzOutcome::NotFound(format!(
                "a band of {lines} text lines was found but OCR read no MRZ lines in it"
            )),
        }
    }

    /// OCR of one band image; `None` when the lines fit no layout.
    fn ocr(&mut self, image: &GrayImage) -> Option<OcrZone> {
        let (width, height) = image.dimensions();
        let (width, height) = (i32::try_from(width).ok()?, i32::try_from(height).ok()?);
        self.api
            .set_image(image.as_raw(), width, height, 1, width)
            .ok()?;
        self.api.set_source_resolution(300);
        self.api.recognize().ok()?;
        let tsv = self.api.get_tsv_text(0).ok()?;
        let lines = tsv_lines(&tsv.as_ref().to_string_lossy());
        read_zone(&lines)
    }
}

fn ratio(zone: &OcrZone) -> (f64, std::cmp::Reverse<usize>) {
    (
        zone.verified as f64 / zone.applicable.max(1) as f64,
        std::cmp::Reverse(zone.corrections),
    )
}

fn orient(image: &GrayImage, turned: bool, mirrored: bool) -> GrayImage {
    match (turned, mirrored) {
        (false, false) => image.clone(),
        (true, false) => image::imageops::rotate180(image),
        (false, true) => image::imageops::flip_horizontal(image),
        (true, true) => image::imageops::flip_vertical(image),
    }
}

fn normalize_degrees(degrees: f32) -> f32 {
    let mut degrees = degrees % 360.0;
    if degrees > 180.0 {
        degrees -= 360.0;
    } else if degrees <= -180.0 {
        degrees += 360.0;
    }
    degrees
}

/// Tesseract's TSV: one row per word with its line's indices and a 0–100 confidence. The
/// words of a line are joined without spaces (an MRZ line has none; a wide filler run may
/// make Tesseract split it), and the line's confidence is its weakest word's.
fn tsv_lines(tsv: &str) -> Vec<OcrLine> {
    let mut lines: Vec<((String, String, String), String, f64)> = Vec::new();
    for row in tsv.lines() {
        let columns: Vec<&str> = row.split('\t').collect();
        if columns.len() < 12 || columns[0] != "5" {
            continue;
        }
        let key = (
            columns[2].to_owned(),
            columns[3].to_owned(),
            columns[4].to_owned(),
        );
        let confidence = columns[10].parse::<f64>().unwrap_or(0.0).clamp(0.0, 100.0) / 100.0;
        let text = columns[11].trim();
        match lines.last_mut() {
            Some((last, joined, weakest)) if *last == key => {
                joined.push_str(text);
                *weakest = weakest.min(confidence);
            }
            _ => lines.push((key, text.to_owned(), confidence)),
        }
    }
    lines
        .into_iter()
        .map(|(_, text, confidence)| OcrLine::new(text, confidence))
        .collect()
}

fn to_read(zone: OcrZone, orientation: Orientation) -> MrzRead {
    let fields = zone
        .fields
        .iter()
        .map(|field| FieldRead {
            field: field.field,
            value: field.value.clone(),
            confidence: field.confidence,
            cover: match field.cover {
                FieldCover::Verified => CheckDigitCover::Verified,
                FieldCover::Failed => CheckDigitCover::Failed,
                FieldCover::NotCovered => CheckDigitCover::NotCovered,
            },
        })
        .collect();
    MrzRead {
        text: zone.text(),
        format: zone.format,
        confidence: zone.confidence(),
        fields,
        corrections: zone.corrections,
        orientation,
    }
}
