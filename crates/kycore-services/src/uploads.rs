//! Uploaded files: what a file is, told by its first bytes (never by its name or the
//! client's content type), whether its content is usable, and what of it is stored. JPEG and
//! PNG are decoded under limits, so a small file that would expand to gigabytes of pixels is
//! refused before anything is allocated, and refused when too small to read or blank; a PDF
//! must be complete. HEIC is recognised only to be refused with a message that says what to
//! send instead.
//!
//! Hardening, since an upload is the applicant's bytes handed to a reviewer's viewer later:
//!
//! - **Images are stored without metadata** ([`jpeg`], [`png`]): EXIF with its GPS position,
//!   XMP, IPTC, comments and text chunks are cut out segment by segment, losslessly (the
//!   coded pixels are copied byte for byte, so later checks see the camera's own pixels). An
//!   EXIF orientation survives as a 26-byte EXIF block holding nothing else ([`exif`]), so
//!   the photo still shows the right way up. It is the stripped file that is decoded and
//!   checked, and stored.
//! - **Polyglots are refused** (`polyglot_file`, [`polyglot`]): a file that carries another
//!   format a program would open — a ZIP, a PDF, an archive, HTML or SVG markup — after its
//!   end marker, in its metadata, or where readers of that format look. What follows an
//!   image's end is never stored; camera data there (a motion photo's video, the extra
//!   pictures of a multi-picture JPEG, padding) is dropped without a refusal, since phones
//!   write it routinely.
//! - **PDFs with active content are refused** ([`pdf`]): JavaScript, automatic actions,
//!   launch commands, Flash, XFA (`pdf_active_content`) and attached files
//!   (`pdf_embedded_file`), found after undoing `#xx` escapes in names and inside
//!   compressed object streams, inflated under a size budget; a PDF whose object streams
//!   cannot be inflated and read is refused (`pdf_not_checkable`) rather than passed unread.
//!
//! [`inspect`] is CPU work (tens of milliseconds for a phone photo): run it on the blocking
//! pool, never on the async threads.

mod exif;
#[cfg(test)]
mod hardening_tests;
mod jpeg;
mod pdf;
mod png;
mod polyglot;

use std::io::Cursor;

use image::error::LimitErrorKind;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

/// The shorter side below which a photo cannot show a document's text or a face legibly.
pub const MIN_IMAGE_SIDE: u32 = 300;
/// The longest side accepted; a document photo from a 200-megapixel camera is 16,320 px wide,
/// but nothing an applicant sends needs more than this.
pub const MAX_IMAGE_SIDE: u32 = 12_000;
/// The most a decoder may allocate: a 50-megapixel RGB photo needs 150 MiB.
const MAX_DECODE_BYTES: u64 = 192 * 1024 * 1024;
/// Blank images are judged on a thumbnail that fits this square: cheap, and it averages
/// away sensor and JPEG noise that would make a flat picture look varied.
const THUMBNAIL_SIDE: u32 = 256;
/// Below this standard deviation of the thumbnail's luminance (0–255) an image shows one flat
/// colour. A sheet of text, a card on a table or a face lies far above (15 and more); a
/// photographed blank page with its noise and shading lies below.
const BLANK_MAX_STD_DEV: f64 = 4.0;

/// The kinds of file kycore accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Jpeg,
    Png,
    Pdf,
}

impl FileType {
    pub fn content_type(self) -> &'static str {
        match self {
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Pdf => "application/pdf",
        }
    }

    pub fn is_image(self) -> bool {
        matches!(self, FileType::Jpeg | FileType::Png)
    }
}

/// Why a file is refused: a stable code and a sentence for whoever sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

impl Refusal {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            code,
            message: message.into(),
        }
    }
}

/// The file's type by its magic bytes. Cheap: reads at most the first few dozen bytes.
pub fn sniff(file: &[u8]) -> Result<FileType, Refusal> {
    if file.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(FileType::Jpeg)
    } else if file.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Ok(FileType::Png)
    } else if file.starts_with(b"%PDF-") {
        Ok(FileType::Pdf)
    } else if is_heif(file) {
        Err(Refusal::new(
            "unsupported_file_type",
            "HEIC/HEIF images are not accepted: send the photo as JPEG or PNG",
        ))
    } else {
        Err(Refusal::new("unsupported_file_type", "JPEG, PNG or PDF"))
    }
}

/// An ISO base media file (`ftyp` box first) whose major brand is one of HEIF's: what iPhones
/// and many Android phones save photos as. AVIF shares the container but not these brands.
fn is_heif(file: &[u8]) -> bool {
    const BRANDS: [&[u8; 4]; 11] = [
        b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1",
        b"heif",
    ];
    file.get(4..8) == Some(b"ftyp".as_slice())
        && file
            .get(8..12)
            .is_some_and(|brand| BRANDS.iter().any(|b| b.as_slice() == brand))
}

/// Checks that the content of a file of a sniffed type is usable, and returns the bytes to
/// store: an image without its metadata, a PDF as it came. CPU-bound for images.
pub fn inspect(file: Vec<u8>, file_type: FileType) -> Result<Vec<u8>, Refusal> {
    match file_type {
        FileType::Jpeg => inspect_image(jpeg::strip_metadata(&file)?, ImageFormat::Jpeg),
        FileType::Png => inspect_image(png::strip_metadata(&file)?, ImageFormat::Png),
        FileType::Pdf => pdf::inspect(&file).map(|()| file),
    }
}

/// Checks the image as it will be stored: not another format to other readers, and
/// decodable, large enough and not blank.
fn inspect_image(stripped: Vec<u8>, format: ImageFormat) -> Result<Vec<u8>, Refusal> {
    let kind = if format == ImageFormat::Png {
        "PNG"
    } else {
        "JPEG"
    };
    if let Some(found) = polyglot::opens_as_another_format(&stripped, 0) {
        return Err(polyglot_refusal(kind, found, Place::Within));
    }
    decode_and_judge(&stripped, format)?;
    Ok(stripped)
}

fn decode_and_judge(file: &[u8], format: ImageFormat) -> Result<(), Refusal> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = ImageReader::with_format(Cursor::new(file), format);
    reader.limits(limits.clone());
    // The decoder reads the header only; the dimensions are checked before any pixel is.
    let decoder = reader.into_decoder().map_err(refusal_of)?;
    let (width, height) = decoder.dimensions();
    if width.min(height) < MIN_IMAGE_SIDE {
        return Err(Refusal::new(
            "image_too_small",
            format!(
                "the image is {width}×{height} pixels; its shorter side must be at least {MIN_IMAGE_SIDE}"
            ),
        ));
    }
    limits.reserve(decoder.total_bytes()).map_err(refusal_of)?;
    let image = DynamicImage::from_decoder(decoder).map_err(refusal_of)?;
    if luminance_std_dev(&image) < BLANK_MAX_STD_DEV {
        return Err(Refusal::new(
            "blank_image",
            "the image shows a single flat colour; photograph the document itself",
        ));
    }
    Ok(())
}

/// Where another format was found in a file.
#[derive(Clone, Copy, Debug)]
enum Place {
    AfterEnd,
    InMetadata,
    /// Where that format's readers look for it: the file is both.
    Within,
}

/// The refusal of a polyglot: a `kind` file (JPEG, PNG, PDF) that carries `found`.
fn polyglot_refusal(kind: &str, found: polyglot::Foreign, place: Place) -> Refusal {
    let found = found.described();
    let what = match place {
        Place::AfterEnd => format!("the {kind} has {found} appended after its end"),
        Place::InMetadata => format!("the {kind} hides {found} in its metadata"),
        Place::Within => format!("the {kind} is also {found}"),
    };
    Refusal::new(
        "polyglot_file",
        format!("{what}; send the document on its own, as a JPEG, PNG or PDF saved again"),
    )
}

fn refusal_of(error: ImageError) -> Refusal {
    match error {
        ImageError::Limits(limit) => match limit.kind() {
            LimitErrorKind::DimensionError => Refusal::new(
                "image_too_large",
                format!("at most {MAX_IMAGE_SIDE} pixels on each side"),
            ),
            _ => Refusal::new(
                "image_too_large",
                "the image has too many pixels to decode; send a smaller one",
            ),
        },
        other => Refusal::new(
            "unreadable_image",
            format!("the image cannot be decoded ({other})"),
        ),
    }
}

/// The standard deviation of the luminance of a thumbnail of the image.
fn luminance_std_dev(image: &DynamicImage) -> f64 {
    let thumbnail = image.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE).to_luma8();
    let pixels = thumbnail.as_raw();
    if pixels.is_empty() {
        return 0.0;
    }
    let count = pixels.len() as f64;
    let mean = pixels.iter().map(|&p| f64::from(p)).sum::<f64>() / count;
    let variance = pixels
        .iter()
        .map(|&p| (f64::from(p) - mean).powi(2))
        .sum::<f64>()
        / count;
    variance.sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, Luma, Rgb, RgbImage};

    fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    /// A page of "text": dark word-sized bars in lines on white paper, mostly white.
    fn text_page(width: u32, height: u32) -> DynamicImage {
        let mut page = GrayImage::from_pixel(width, height, Luma([250]));
        let mut seed = 7_u32;
        let mut next = move |n: u32| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) % n
        };
        for line in (60..height.saturating_sub(60)).step_by(36) {
            let mut x = 60;
            while x + 80 < width - 60 {
                let word = 20 + next(60);
                for y in line..line + 12 {
                    for dx in 0..word {
                        page.put_pixel(x + dx, y, Luma([30]));
                    }
                }
                x += word + 12;
            }
        }
        DynamicImage::ImageLuma8(page)
    }

    /// A letter: three short lines of text on an A4 page at 150 dpi.
    fn sparse_page() -> DynamicImage {
        let mut page = GrayImage::from_pixel(1240, 1754, Luma([245]));
        for line in 0..3 {
            for y in 200 + line * 40..212 + line * 40 {
                for x in 150..600 {
                    if x % 50 < 40 {
                        page.put_pixel(x, y, Luma([40]));
                    }
                }
            }
        }
        DynamicImage::ImageLuma8(page)
    }

    fn gradient() -> DynamicImage {
        DynamicImage::ImageLuma8(GrayImage::from_fn(800, 600, |x, _| {
            Luma([(200 + x / 20) as u8])
        }))
    }

    fn flat(width: u32, height: u32, rgb: [u8; 3]) -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_pixel(width, height, Rgb(rgb)))
    }

    /// A flat colour with per-pixel noise of ±`amplitude`, as a sensor adds.
    fn noisy(width: u32, height: u32, level: u8, amplitude: u32) -> DynamicImage {
        let mut seed = 1_u32;
        DynamicImage::ImageLuma8(GrayImage::from_fn(width, height, |_, _| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let delta = (seed >> 8) % (2 * amplitude + 1);
            Luma([(u32::from(level) + delta - amplitude) as u8])
        }))
    }

    fn shared(path: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../../shared/data/fixtures/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn code(file: &[u8]) -> Result<(), &'static str> {
        stored(file).map(drop)
    }

    /// The bytes kycore stores for `file`, or the refusal's code.
    fn stored(file: &[u8]) -> Result<Vec<u8>, &'static str> {
        sniff(file)
            .and_then(|file_type| inspect(file.to_vec(), file_type))
            .map_err(|refusal| refusal.code)
    }

    #[test]
    fn the_type_comes_from_the_bytes() {
        let types = |file: &[u8]| sniff(file).map_err(|r| r.code);
        assert_eq!(types(&[0xFF, 0xD8, 0xFF, 0xE0]), Ok(FileType::Jpeg));
        assert_eq!(types(b"\x89PNG\r\n\x1a\n...."), Ok(FileType::Png));
        assert_eq!(types(b"%PDF-1.7"), Ok(FileType::Pdf));
        assert_eq!(types(b"GIF89a"), Err("unsupported_file_type"));
        assert_eq!(types(b""), Err("unsupported_file_type"));
    }

    #[test]
    fn heic_is_named_and_refused() {
        for brand in ["heic", "heix", "mif1", "hevc"] {
            let file = [
                b"\0\0\0\x18ftyp".as_slice(),
                brand.as_bytes(),
                b"\0\0\0\0mif1heic",
            ]
            .concat();
            let refusal = sniff(&file).unwrap_err();
            assert_eq!(refusal.code, "unsupported_file_type");
            assert!(refusal.message.contains("HEIC"), "{}", refusal.message);
            assert!(
                refusal.message.contains("JPEG or PNG"),
                "{}",
                refusal.message
            );
        }
        // Another ISO media file (an MP4 video) is just not a supported type.
        let refusal = sniff(b"\0\0\0\x18ftypisom\0\0\x02\0").unwrap_err();
        assert_eq!(refusal.message, "JPEG, PNG or PDF");
    }

    #[test]
    fn document_photos_and_scans_pass() {
        let page = text_page(1240, 1754);
        assert_eq!(code(&encode(&page, ImageFormat::Jpeg)), Ok(()));
        assert_eq!(code(&encode(&page, ImageFormat::Png)), Ok(()));
        // A letter with three lines of text, and a plain wall under uneven light, are not
        // one flat colour.
        assert_eq!(code(&encode(&sparse_page(), ImageFormat::Jpeg)), Ok(()));
        assert_eq!(code(&encode(&gradient(), ImageFormat::Jpeg)), Ok(()));
        for path in [
            "kyc_e2e/synthetic_td1_card_portrait_paul_rudd_1.jpg",
            "faces/paul_rudd_1.jpg",
            "faces/chris_pratt.jpg",
            "faces/codait_luciano.png",
        ] {
            assert_eq!(code(&shared(path)), Ok(()), "{path}");
        }
    }

    #[test]
    fn flat_images_are_blank() {
        for image in [
            flat(800, 600, [255, 255, 255]),
            flat(800, 600, [0, 0, 0]),
            flat(800, 600, [128, 128, 128]),
            flat(600, 800, [200, 30, 30]),
            noisy(800, 600, 240, 12),
        ] {
            assert_eq!(code(&encode(&image, ImageFormat::Jpeg)), Err("blank_image"));
            assert_eq!(code(&encode(&image, ImageFormat::Png)), Err("blank_image"));
        }
    }

    #[test]
    fn small_images_are_refused_before_decoding() {
        let narrow = text_page(800, MIN_IMAGE_SIDE - 1);
        assert_eq!(
            code(&encode(&narrow, ImageFormat::Jpeg)),
            Err("image_too_small")
        );
        // An MRZ band alone (1098×192) is not a photo of the document.
        assert_eq!(
            code(&shared("mrz/images/td3_utopia.png")),
            Err("image_too_small")
        );
        assert_eq!(
            code(&encode(&text_page(MIN_IMAGE_SIDE, 900), ImageFormat::Png)),
            Ok(())
        );
    }

    #[test]
    fn broken_images_are_unreadable() {
        let jpeg = shared("kyc_e2e/synthetic_td1_card_portrait_paul_rudd_1.jpg");
        for cut in [2, 4, 10] {
            assert_eq!(code(&jpeg[..jpeg.len() / cut]), Err("unreadable_image"));
        }
        assert_eq!(code(&jpeg[..3]), Err("unreadable_image"));
        // A JPEG's magic followed by anything else.
        assert_eq!(
            code(&[&[0xFF, 0xD8, 0xFF, 0xE0][..], &[0x42; 600]].concat()),
            Err("unreadable_image")
        );
        // Bytes after the end marker (padding, a motion photo's video) are fine, and dropped.
        assert_eq!(
            stored(&[jpeg.as_slice(), &[0x00; 4096]].concat()),
            Ok(jpeg.clone())
        );
        let png = encode(&text_page(640, 400), ImageFormat::Png);
        assert_eq!(code(&png[..png.len() / 2]), Err("unreadable_image"));
    }

    /// A small JPEG whose header claims other dimensions: what a decompression bomb looks
    /// like to the decoder. The sizes sit in the start-of-frame segment, without a checksum.
    fn claiming(width: u16, height: u16) -> Vec<u8> {
        let colour = DynamicImage::ImageRgb8(text_page(640, 400).to_rgb8());
        let mut jpeg = encode(&colour, ImageFormat::Jpeg);
        let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        jpeg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
        jpeg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
        jpeg
    }

    #[test]
    fn decompression_bombs_are_refused_before_allocating() {
        let refusal = |file: Vec<u8>| inspect(file, FileType::Jpeg).unwrap_err();
        let too_wide = refusal(claiming(60_000, 400));
        assert_eq!(too_wide.code, "image_too_large");
        assert!(too_wide.message.contains("12000"), "{}", too_wide.message);
        // Within the sides' limit, but 11,000² RGB pixels are 363 MB.
        assert_eq!(refusal(claiming(11_000, 11_000)).code, "image_too_large");
    }

    #[test]
    fn a_pdf_must_be_complete() {
        let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec();
        assert_eq!(code(&pdf), Ok(()));
        assert_eq!(code(&pdf[..pdf.len() - 8]), Err("unreadable_pdf"));
        // `%%EOF` must be near the end, not somewhere in the middle.
        assert_eq!(
            code(&[pdf.as_slice(), &[b' '; 2048]].concat()),
            Err("unreadable_pdf")
        );
        assert_eq!(code(b"%PDF-"), Err("unreadable_pdf"));
    }
}
