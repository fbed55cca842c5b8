//! PDFs: complete, and not polyglots. A PDF is not parsed (that would take a PDF library and
//! its attack surface).

use super::polyglot;
use super::{Place, Refusal};

/// A complete PDF ends with `%%EOF`, possibly followed by a few bytes of whitespace or junk.
const EOF_WINDOW: usize = 1024;

/// Refuses a PDF that is incomplete or also another format.
pub(super) fn inspect(file: &[u8]) -> Result<(), Refusal> {
    let end = end_of_file(file)?;
    refuse_polyglot(file, end)
}

/// After the last `%%EOF`, which must lie in the file's last kilobyte: a truncated PDF, the
/// usual failure of an interrupted upload, lacks it.
fn end_of_file(file: &[u8]) -> Result<usize, Refusal> {
    let tail_start = file.len().saturating_sub(EOF_WINDOW);
    file.get(tail_start..)
        .and_then(|tail| tail.windows(5).rposition(|w| w == b"%%EOF"))
        .map(|at| tail_start + at + 5)
        .ok_or_else(|| {
            Refusal::new(
                "unreadable_pdf",
                "the PDF is incomplete: it does not end with %%EOF",
            )
        })
}

/// A PDF that is also an archive (by the ZIP directory at its end, or one appended after
/// its end) or a web page (markup in its first kilobyte).
fn refuse_polyglot(file: &[u8], end: usize) -> Result<(), Refusal> {
    let after_end = file.get(end..).unwrap_or_default();
    let found = polyglot::foreign_format_after_end(after_end)
        .map(|format| (format, Place::AfterEnd))
        .or_else(|| {
            polyglot::opens_as_another_format(file, b"%PDF-".len())
                .map(|format| (format, Place::Within))
        });
    match found {
        None => Ok(()),
        Some((format, place)) => Err(super::polyglot_refusal("PDF", format, place)),
    }
}
