//! A JPEG rebuilt without its metadata, losslessly: the file is walked segment by segment and
//! copied without the segments that describe rather than draw the picture. What stays:
//! the tables, frame and scans (the coded pixels, byte for byte), a JFIF header, an ICC colour
//! profile (APP2) and Adobe's colour-transform flag (APP14), which CMYK and YCCK JPEGs need
//! to show their true colours. What goes: EXIF (camera, time, GPS position, thumbnail), XMP,
//! IPTC and Photoshop blocks, comments, every other application segment, and anything after
//! the end marker (a motion photo's video, the extra pictures of a multi-picture file, which
//! carry metadata of their own). An EXIF orientation comes back as a minimal EXIF block of its
//! own ([`super::exif`]).
//!
//! The walker reads hostile input: every length is checked against the file before use, and
//! a file that ends early or breaks the structure is refused, never read past.

use super::exif;
use super::polyglot::{self, Foreign};
use super::{Place, Refusal};

const START_OF_IMAGE: u8 = 0xD8;
const END_OF_IMAGE: u8 = 0xD9;
const START_OF_SCAN: u8 = 0xDA;
const COMMENT: u8 = 0xFE;
const APP0: u8 = 0xE0;
const APP1: u8 = 0xE1;
const APP2: u8 = 0xE2;
const APP14: u8 = 0xEE;
const APP15: u8 = 0xEF;
/// A marker of its own, without a length: the restart markers RST0–RST7 and TEM.
const fn is_standalone(marker: u8) -> bool {
    matches!(marker, 0xD0..=0xD7 | 0x01)
}

/// The file without its metadata, its orientation kept. Refused when it is incomplete or
/// broken, or carries another format in a dropped segment or after its end.
pub(super) fn strip_metadata(file: &[u8]) -> Result<Vec<u8>, Refusal> {
    let mut rebuilt = Rebuilt::new(file.len());
    let mut at = 2; // after the start-of-image marker
    loop {
        let marker_at = skip_fill_bytes(file, at);
        let marker = marker_at_position(file, marker_at)?;
        if marker == END_OF_IMAGE {
            rebuilt.bytes.extend_from_slice(&[0xFF, END_OF_IMAGE]);
            let trailer = file.get(marker_at + 2..).unwrap_or_default();
            refuse_foreign(polyglot::foreign_format_after_end(trailer), Place::AfterEnd)?;
            return Ok(rebuilt.finish());
        }
        if is_standalone(marker) {
            rebuilt.bytes.extend_from_slice(&[0xFF, marker]);
            at = marker_at + 2;
            continue;
        }
        if marker == START_OF_IMAGE {
            return Err(broken());
        }
        let segment = segment_at(file, marker_at)?;
        rebuilt.take(marker, segment)?;
        at = marker_at + segment.len();
        if marker == START_OF_SCAN {
            let scan_end = entropy_coded_end(file, at)?;
            rebuilt
                .bytes
                .extend_from_slice(file.get(at..scan_end).unwrap_or_default());
            at = scan_end;
        }
    }
}

/// The output being built, and the orientation found on the way.
struct Rebuilt {
    bytes: Vec<u8>,
    orientation: Option<u8>,
    /// Whether an EXIF block was read: viewers go by the first one only.
    exif_read: bool,
    /// Where an EXIF block goes: after the start marker and a leading JFIF header.
    exif_at: usize,
}

impl Rebuilt {
    fn new(capacity: usize) -> Self {
        let mut bytes = Vec::with_capacity(capacity);
        bytes.extend_from_slice(&[0xFF, START_OF_IMAGE]);
        Rebuilt {
            bytes,
            orientation: None,
            exif_read: false,
            exif_at: 2,
        }
    }

    /// Copies a segment (marker, length and payload) or drops it.
    fn take(&mut self, marker: u8, segment: &[u8]) -> Result<(), Refusal> {
        let payload = segment.get(4..).unwrap_or_default();
        if keeps(marker, payload) {
            let leading = self.bytes.len() == 2;
            self.bytes.extend_from_slice(segment);
            if leading && marker == APP0 {
                self.exif_at = self.bytes.len();
            }
            return Ok(());
        }
        let exif_block = payload.strip_prefix(b"Exif\0\0").filter(|_| marker == APP1);
        if let Some(tiff) = exif_block.filter(|_| !self.exif_read) {
            self.orientation = exif::orientation_in(tiff);
            self.exif_read = true;
        }
        refuse_foreign(polyglot::foreign_format_in(payload), Place::InMetadata)
    }

    fn finish(mut self) -> Vec<u8> {
        if let Some(orientation) = self.orientation {
            let tiff = exif::orientation_only(orientation);
            let length = (2 + 6 + tiff.len()) as u16; // the length counts itself
            let mut segment = vec![0xFF, APP1];
            segment.extend_from_slice(&length.to_be_bytes());
            segment.extend_from_slice(b"Exif\0\0");
            segment.extend_from_slice(&tiff);
            self.bytes.splice(self.exif_at..self.exif_at, segment);
        }
        self.bytes
    }
}

/// Whether a segment is part of the picture (kept) or describes it (dropped).
fn keeps(marker: u8, payload: &[u8]) -> bool {
    match marker {
        APP0 => payload.starts_with(b"JFIF\0"),
        APP2 => payload.starts_with(b"ICC_PROFILE\0"),
        APP14 => payload.starts_with(b"Adobe"),
        APP0..=APP15 | COMMENT => false,
        _ => true,
    }
}

/// Markers may be preceded by any number of 0xFF fill bytes.
fn skip_fill_bytes(file: &[u8], mut at: usize) -> usize {
    while file.get(at) == Some(&0xFF) && file.get(at + 1) == Some(&0xFF) {
        at += 1;
    }
    at
}

fn marker_at_position(file: &[u8], at: usize) -> Result<u8, Refusal> {
    match (file.get(at), file.get(at + 1)) {
        (Some(0xFF), Some(&marker)) if marker != 0x00 => Ok(marker),
        (None, _) | (_, None) => Err(incomplete()),
        _ => Err(broken()),
    }
}

/// A segment with its marker and length: the length counts itself and the payload.
fn segment_at(file: &[u8], at: usize) -> Result<&[u8], Refusal> {
    let length = file.get(at + 2..at + 4).ok_or_else(incomplete)?;
    let length = usize::from(u16::from_be_bytes([length[0], length[1]]));
    if length < 2 {
        return Err(broken());
    }
    file.get(at..at + 2 + length).ok_or_else(incomplete)
}

/// Where a scan's coded data ends: at the first marker that is neither a stuffed zero
/// (`FF 00`, an 0xFF byte of data) nor a restart marker. The coded data holds no other
/// `FF xx`, so this cannot stop inside it.
fn entropy_coded_end(file: &[u8], from: usize) -> Result<usize, Refusal> {
    let mut at = from;
    loop {
        let offset = file
            .get(at..)
            .and_then(|rest| rest.iter().position(|&b| b == 0xFF))
            .ok_or_else(incomplete)?;
        let candidate = at + offset;
        match file.get(candidate + 1) {
            None => return Err(incomplete()),
            Some(0x00 | 0xD0..=0xD7) => at = candidate + 2,
            Some(0xFF) => at = candidate + 1,
            Some(_) => return Ok(candidate),
        }
    }
}

fn refuse_foreign(found: Option<Foreign>, place: Place) -> Result<(), Refusal> {
    match found {
        None => Ok(()),
        Some(format) => Err(super::polyglot_refusal("JPEG", format, place)),
    }
}

fn incomplete() -> Refusal {
    Refusal::new(
        "unreadable_image",
        "the JPEG is incomplete: it ends before its image data does",
    )
}

fn broken() -> Refusal {
    Refusal::new(
        "unreadable_image",
        "the JPEG is damaged: its structure cannot be read",
    )
}
