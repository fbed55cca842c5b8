//! Polyglots: files that are one format to kycore and another to some other program. The
//! classic ones ride in the places a decoder skips: after an image's end marker (a ZIP or PDF
//! appended to a photo), inside a comment or metadata segment, or in the first kilobyte,
//! where PDF readers and browsers look for their own headers.
//!
//! The signatures searched for are those of formats some program would open from the same
//! bytes: PDF, ZIP (and what is built on it: Office documents, JARs), RAR, 7z, and HTML or SVG
//! markup a browser would run. Each is searched for only where its length makes chance
//! matches in a camera's own binary data (thumbnails, maker notes, a motion photo's video)
//! rare, about once in tens of thousands of photos or less: the five- and six-byte
//! signatures anywhere, markup only as a whole tag and only in a first kilobyte, ZIP's
//! four-byte ones only where a ZIP reader looks for them (an archive's start, its
//! directory's end in the file's last 64 KiB).

/// A format found where an upload should carry none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Foreign {
    Pdf,
    Zip,
    Rar,
    SevenZip,
    Markup,
}

impl Foreign {
    /// The format in words, for the applicant's message.
    pub(super) fn described(self) -> &'static str {
        match self {
            Foreign::Pdf => "a PDF",
            Foreign::Zip => "a ZIP archive",
            Foreign::Rar => "a RAR archive",
            Foreign::SevenZip => "a 7z archive",
            Foreign::Markup => "a web page or script",
        }
    }
}

/// Signatures matched byte for byte, long enough to search for anywhere.
const SIGNATURES: [(&[u8], Foreign); 3] = [
    (b"%PDF-", Foreign::Pdf),
    (b"Rar!\x1a\x07", Foreign::Rar),
    (b"7z\xbc\xaf\x27\x1c", Foreign::SevenZip),
];
/// Tags a browser would render or run, matched ignoring ASCII case as browsers do, and only
/// when followed by what ends a tag name.
const MARKUP: [&[u8]; 5] = [b"<html", b"<script", b"<svg", b"<iframe", b"<!doctype html"];
/// A ZIP entry's header: where an archive appended to a file starts.
const ZIP_LOCAL_FILE: &[u8] = b"PK\x03\x04";
/// The record a ZIP reader looks for first, at the end of the file.
const ZIP_END_OF_DIRECTORY: &[u8] = b"PK\x05\x06";
/// ZIP readers look for the end-of-directory record in the last 22 bytes plus the longest
/// archive comment (65,535 bytes).
const ZIP_END_WINDOW: usize = 22 + 65_535;
/// PDF readers accept a `%PDF-` header anywhere in the first kilobyte; browsers sniff HTML
/// in less.
const HEADER_WINDOW: usize = 1024;

/// The first foreign format in a region that holds no pixels (a metadata segment, a header).
pub(super) fn foreign_format_in(region: &[u8]) -> Option<Foreign> {
    signature_in(region).or_else(|| markup_in(region))
}

/// The first foreign format in what follows a file's end marker. That can be megabytes (a
/// motion photo's video), so markup is looked for in its first kilobyte, where an appended
/// page would start, and ZIP where ZIP readers look.
pub(super) fn foreign_format_after_end(trailer: &[u8]) -> Option<Foreign> {
    if trailer.starts_with(ZIP_LOCAL_FILE) || zip_directory_at_end(trailer) {
        return Some(Foreign::Zip);
    }
    signature_in(trailer).or_else(|| markup_in(head(trailer, 0)))
}

/// What other readers would make of the stored file: a ZIP reader finds an archive by the
/// record at its end, a PDF reader (or a browser) a document by a header in its first
/// kilobyte. `own_header` is the length of the file's own signature, skipped.
pub(super) fn opens_as_another_format(file: &[u8], own_header: usize) -> Option<Foreign> {
    if zip_directory_at_end(file) {
        return Some(Foreign::Zip);
    }
    foreign_format_in(head(file, own_header))
}

/// The first kilobyte of `file`, without its first `skip` bytes.
fn head(file: &[u8], skip: usize) -> &[u8] {
    file.get(skip..file.len().min(HEADER_WINDOW))
        .unwrap_or_default()
}

fn zip_directory_at_end(file: &[u8]) -> bool {
    let tail = &file[file.len().saturating_sub(ZIP_END_WINDOW)..];
    contains(tail, ZIP_END_OF_DIRECTORY)
}

fn signature_in(region: &[u8]) -> Option<Foreign> {
    SIGNATURES
        .iter()
        .find(|(signature, _)| contains(region, signature))
        .map(|(_, format)| *format)
}

fn markup_in(region: &[u8]) -> Option<Foreign> {
    let is_tag_at = |at: usize, tag: &[u8]| {
        let end = at + tag.len();
        region
            .get(at..end)
            .is_some_and(|candidate| candidate.eq_ignore_ascii_case(tag))
            && region
                .get(end)
                .is_some_and(|&next| next.is_ascii_whitespace() || next == b'>' || next == b'/')
    };
    region
        .iter()
        .enumerate()
        .filter(|(_, byte)| **byte == b'<')
        .any(|(at, _)| MARKUP.iter().any(|tag| is_tag_at(at, tag)))
        .then_some(Foreign::Markup)
}

/// Whether `needle` occurs in `haystack`.
pub(super) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

/// Where `needle` first occurs in `haystack`; never for an empty needle. Looks for the first
/// byte before comparing the rest, which keeps a search through megabytes quick.
pub(super) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut from = 0;
    while let Some(offset) = haystack.get(from..)?.iter().position(|&b| b == first) {
        let at = from + offset;
        if haystack.get(at + 1..at + needle.len()) == Some(rest) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_found_where_readers_look() {
        assert_eq!(foreign_format_in(b"xx<HTML><body>"), Some(Foreign::Markup));
        assert_eq!(
            foreign_format_in(b"x <svg/onload=alert(1)>"),
            Some(Foreign::Markup)
        );
        // Not a tag: what a camera's binary data may hold by chance.
        assert_eq!(foreign_format_in(b"\x01<sVgA\x02<htmlx"), None);
        assert_eq!(
            foreign_format_in(b"..7z\xbc\xaf\x27\x1c.."),
            Some(Foreign::SevenZip)
        );
        // ZIP's short signatures are looked for only where ZIP readers look.
        assert_eq!(foreign_format_in(b"..PK\x03\x04.."), None);
        // In a long trailer, ZIP is looked for at its start and end only.
        let mut video = vec![0x11_u8; 200_000];
        video[1000..1004].copy_from_slice(ZIP_LOCAL_FILE);
        assert_eq!(foreign_format_after_end(&video), None);
        video[190_000..190_004].copy_from_slice(ZIP_END_OF_DIRECTORY);
        assert_eq!(foreign_format_after_end(&video), Some(Foreign::Zip));
        assert_eq!(
            foreign_format_after_end(b"PK\x03\x04rest"),
            Some(Foreign::Zip)
        );
        assert_eq!(
            foreign_format_after_end(&[&[0_u8; 5000][..], b"%PDF-1.4"].concat()),
            Some(Foreign::Pdf)
        );
        let mut late_markup = vec![0_u8; 4096];
        late_markup[3000..3008].copy_from_slice(b"<script>");
        assert_eq!(foreign_format_after_end(&late_markup), None);
        late_markup[10..18].copy_from_slice(b"<script>");
        assert_eq!(
            foreign_format_after_end(&late_markup),
            Some(Foreign::Markup)
        );
        assert_eq!(
            opens_as_another_format(b"%PDF-1.7 <svg onload=x>", 5),
            Some(Foreign::Markup)
        );
        assert_eq!(opens_as_another_format(b"%PDF-1.7", 5), None);
    }
}
