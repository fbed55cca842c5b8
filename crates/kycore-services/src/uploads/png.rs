//! A PNG rebuilt without its metadata, losslessly: the file is walked chunk by chunk and
//! copied without the chunks that describe rather than draw the picture. What stays: the
//! critical chunks (header, palette, image data, end) and the ancillary ones that change how
//! the pixels look — transparency (tRNS), gamma (gAMA), chromaticities (cHRM), sRGB, an ICC
//! profile (iCCP), coding-independent code points (cICP) — plus the pixel density (pHYs),
//! which says how large a scan was. What goes: text chunks (tEXt, zTXt, iTXt, XMP among
//! them), EXIF (eXIf), times, animation frames and every other ancillary chunk, and anything
//! after the end chunk. An EXIF orientation comes back as a minimal eXIf chunk of its own
//! ([`super::exif`]). Kept chunks are copied with their checksums; the decoder that runs on
//! the result verifies them.
//!
//! The walker reads hostile input: every length is checked against the file before use, and
//! a file that ends early is refused, never read past.

use super::exif;
use super::polyglot::{self, Foreign};
use super::{Place, Refusal};

const SIGNATURE_LEN: usize = 8;
const CRITICAL: [[u8; 4]; 4] = [*b"IHDR", *b"PLTE", *b"IDAT", *b"IEND"];
const KEPT_ANCILLARY: [[u8; 4]; 7] = [
    *b"tRNS", *b"gAMA", *b"cHRM", *b"sRGB", *b"iCCP", *b"cICP", *b"pHYs",
];

/// The file without its metadata, its orientation kept. Refused when it is incomplete,
/// has a critical chunk no decoder knows, or carries another format in a dropped chunk or
/// after its end.
pub(super) fn strip_metadata(file: &[u8]) -> Result<Vec<u8>, Refusal> {
    let mut bytes = file.get(..SIGNATURE_LEN).ok_or_else(incomplete)?.to_vec();
    // Viewers go by the first eXIf chunk only.
    let mut first_exif: Option<Option<u8>> = None;
    let mut exif_at = None;
    let mut at = SIGNATURE_LEN;
    loop {
        let chunk = Chunk::at(file, at)?;
        at += chunk.whole.len();
        if chunk.kind == *b"IEND" {
            bytes.extend_from_slice(chunk.whole);
            let trailer = file.get(at..).unwrap_or_default();
            refuse_foreign(polyglot::foreign_format_after_end(trailer), Place::AfterEnd)?;
            break;
        }
        if CRITICAL.contains(&chunk.kind) || KEPT_ANCILLARY.contains(&chunk.kind) {
            bytes.extend_from_slice(chunk.whole);
            if chunk.kind == *b"IHDR" {
                exif_at.get_or_insert(bytes.len());
            }
        } else if chunk.is_critical() {
            // A decoder must refuse what it cannot draw; so does kycore, rather than store it.
            return Err(Refusal::new(
                "unreadable_image",
                "the PNG has a critical chunk that no decoder knows",
            ));
        } else {
            if chunk.kind == *b"eXIf" {
                first_exif.get_or_insert_with(|| exif::orientation_in(chunk.data));
            }
            refuse_foreign(polyglot::foreign_format_in(chunk.data), Place::InMetadata)?;
        }
    }
    if let (Some(Some(orientation)), Some(exif_at)) = (first_exif, exif_at) {
        bytes.splice(exif_at..exif_at, orientation_chunk(orientation));
    }
    Ok(bytes)
}

/// One chunk: a four-byte length, a four-byte type, the data and a CRC of type and data.
struct Chunk<'a> {
    kind: [u8; 4],
    data: &'a [u8],
    /// The chunk as in the file, length and CRC included.
    whole: &'a [u8],
}

impl<'a> Chunk<'a> {
    fn at(file: &'a [u8], at: usize) -> Result<Self, Refusal> {
        let header = file.get(at..at + 8).ok_or_else(incomplete)?;
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let kind = [header[4], header[5], header[6], header[7]];
        let data_end = usize::try_from(length)
            .ok()
            .and_then(|length| (at + 8).checked_add(length))
            .ok_or_else(incomplete)?;
        let whole = file
            .get(at..data_end.saturating_add(4))
            .ok_or_else(incomplete)?;
        let data = file.get(at + 8..data_end).ok_or_else(incomplete)?;
        Ok(Chunk { kind, data, whole })
    }

    /// A chunk type's first letter is upper case for chunks a decoder cannot do without.
    fn is_critical(&self) -> bool {
        self.kind[0].is_ascii_uppercase()
    }
}

/// An eXIf chunk holding the minimal EXIF block (PNG stores the TIFF structure directly).
fn orientation_chunk(orientation: u8) -> Vec<u8> {
    let tiff = exif::orientation_only(orientation);
    let mut chunk = Vec::with_capacity(12 + tiff.len());
    chunk.extend_from_slice(&(tiff.len() as u32).to_be_bytes());
    chunk.extend_from_slice(b"eXIf");
    chunk.extend_from_slice(&tiff);
    let crc = crc32fast::hash(&chunk[4..]);
    chunk.extend_from_slice(&crc.to_be_bytes());
    chunk
}

fn refuse_foreign(found: Option<Foreign>, place: Place) -> Result<(), Refusal> {
    match found {
        None => Ok(()),
        Some(format) => Err(super::polyglot_refusal("PNG", format, place)),
    }
}

fn incomplete() -> Refusal {
    Refusal::new(
        "unreadable_image",
        "the PNG is incomplete: it ends before its last chunk does",
    )
}
