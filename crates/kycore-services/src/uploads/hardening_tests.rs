//! The hardening of uploads, on fixtures built here byte by byte: what phones and editors
//! write (EXIF with a GPS position, XMP, text chunks), polyglots, and PDFs with active
//! content, plainly and obfuscated.

use std::io::{Cursor, Write};

use flate2::Compression;
use flate2::write::ZlibEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, GrayImage, ImageDecoder, ImageFormat, ImageReader, Luma};

use super::*;

/// A page of text, small enough to decode quickly, large enough to pass.
fn page() -> DynamicImage {
    DynamicImage::ImageLuma8(GrayImage::from_fn(640, 400, |x, y| {
        let ink = (y / 12) % 3 == 1 && (x / 40) % 4 != 3;
        Luma([if ink { 30 } else { 245 }])
    }))
}

fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn stored(file: &[u8]) -> Result<Vec<u8>, Refusal> {
    inspect(file.to_vec(), sniff(file)?)
}

fn refusal_code(file: &[u8]) -> &'static str {
    stored(file).unwrap_err().code
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The GPS latitude 59/1, 19/1, 0/1 as little-endian rationals: recognisable in any file.
const GPS_LATITUDE: [u8; 24] = [
    59, 0, 0, 0, 1, 0, 0, 0, 19, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
];

/// An EXIF block as a phone writes it (little-endian TIFF): the camera's make, an
/// orientation, and a GPS directory with a latitude.
fn exif_with_gps(orientation: u16) -> Vec<u8> {
    let entry = |tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        [
            &tag.to_le_bytes()[..],
            &kind.to_le_bytes(),
            &count.to_le_bytes(),
            &value,
        ]
        .concat()
    };
    let (make_at, gps_at, latitude_at) = (50_u32, 56_u32, 86_u32);
    let mut orientation_value = [0; 4];
    orientation_value[..2].copy_from_slice(&orientation.to_le_bytes());
    [
        &b"II*\0"[..],
        &8_u32.to_le_bytes(),
        &3_u16.to_le_bytes(),
        &entry(0x010F, 2, 6, make_at.to_le_bytes()),
        &entry(0x0112, 3, 1, orientation_value),
        &entry(0x8825, 4, 1, gps_at.to_le_bytes()),
        &0_u32.to_le_bytes(),
        b"Phone\0",
        &2_u16.to_le_bytes(),
        &entry(0x0001, 2, 2, *b"N\0\0\0"),
        &entry(0x0002, 5, 3, latitude_at.to_le_bytes()),
        &0_u32.to_le_bytes(),
        &GPS_LATITUDE,
    ]
    .concat()
}

fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let length = u16::try_from(payload.len() + 2).unwrap();
    [&[0xFF, marker][..], &length.to_be_bytes(), payload].concat()
}

/// `jpeg` with `segments` right after its start marker, where phones put EXIF.
fn with_segments(jpeg: &[u8], segments: &[Vec<u8>]) -> Vec<u8> {
    [&jpeg[..2], &segments.concat(), &jpeg[2..]].concat()
}

/// A phone's photo: EXIF with GPS, XMP with the position again, a Photoshop/IPTC block
/// and a comment.
fn phone_photo(orientation: u16) -> Vec<u8> {
    let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>59,19N</exif:GPSLatitude></x:xmpmeta>";
    with_segments(
        &encode(&page(), ImageFormat::Jpeg),
        &[
            segment(
                0xE1,
                &[&b"Exif\0\0"[..], &exif_with_gps(orientation)].concat(),
            ),
            segment(0xE1, xmp),
            segment(
                0xED,
                b"Photoshop 3.0\08BIM\x04\x04\0\0\0\0\0\x0b\x1c\x02\x5a\0\x05Malmo",
            ),
            segment(0xFE, b"taken at Storgatan 1"),
        ],
    )
}

/// The markers of a JPEG's segments up to its first scan.
fn header_markers(jpeg: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    let mut at = 2;
    while jpeg[at + 1] != 0xDA {
        markers.push(jpeg[at + 1]);
        at += 2 + usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
    }
    markers
}

fn orientation_of(file: &[u8], format: ImageFormat) -> Orientation {
    let mut decoder = ImageReader::with_format(Cursor::new(file), format)
        .into_decoder()
        .unwrap();
    decoder.orientation().unwrap()
}

fn pixels(file: &[u8]) -> Vec<u8> {
    image::load_from_memory(file).unwrap().to_rgb8().into_raw()
}

#[test]
fn a_jpeg_is_stored_without_exif_gps_xmp_iptc_or_comments() {
    let original = encode(&page(), ImageFormat::Jpeg);
    let photo = phone_photo(1);
    let kept = stored(&photo).unwrap();
    // Exactly the encoder's file: every metadata segment gone, nothing else touched.
    assert_eq!(kept, original);
    for trace in [
        &b"Exif"[..],
        &GPS_LATITUDE,
        b"Phone",
        b"xmpmeta",
        b"Photoshop",
        b"Malmo",
        b"Storgatan",
    ] {
        assert!(contains(&photo, trace) && !contains(&kept, trace));
    }
}

#[test]
fn a_turned_jpeg_keeps_its_orientation_and_nothing_else() {
    let photo = phone_photo(6);
    let kept = stored(&photo).unwrap();
    assert_eq!(
        orientation_of(&kept, ImageFormat::Jpeg),
        Orientation::Rotate90
    );
    // One EXIF segment of 26 bytes of TIFF, where the original had a GPS directory.
    let minimal = segment(
        0xE1,
        &[&b"Exif\0\0"[..], &exif::orientation_only(6)].concat(),
    );
    assert!(contains(&kept, &minimal));
    assert!(!contains(&kept, &GPS_LATITUDE) && !contains(&kept, b"Phone"));
    assert_eq!(
        header_markers(&kept).iter().filter(|&&m| m == 0xE1).count(),
        1
    );
    // The pixels are the camera's, not a re-encoding.
    assert_eq!(pixels(&kept), pixels(&photo));
}

#[test]
fn only_the_first_exif_block_gives_the_orientation() {
    let exif = |orientation| {
        segment(
            0xE1,
            &[&b"Exif\0\0"[..], &exif_with_gps(orientation)].concat(),
        )
    };
    let jpeg = with_segments(&encode(&page(), ImageFormat::Jpeg), &[exif(1), exif(6)]);
    assert_eq!(stored(&jpeg).unwrap(), encode(&page(), ImageFormat::Jpeg));
    let png = with_chunks(
        &encode(&page(), ImageFormat::Png),
        &[
            chunk(b"eXIf", &exif_with_gps(1)),
            chunk(b"eXIf", &exif_with_gps(6)),
        ],
    );
    assert_eq!(stored(&png).unwrap(), encode(&page(), ImageFormat::Png));
}

#[test]
fn a_jpeg_keeps_what_its_colours_need() {
    let icc = [&b"ICC_PROFILE\0\x01\x01"[..], &[0x42; 128]].concat();
    let adobe = b"Adobe\0\x64\0\0\0\0\x01".to_vec();
    let photo = with_segments(
        &encode(&page(), ImageFormat::Jpeg),
        &[
            segment(0xE2, &icc),
            segment(0xEE, &adobe),
            segment(0xE2, b"MPF\0II*\0"),
        ],
    );
    let kept = stored(&photo).unwrap();
    assert!(contains(&kept, &segment(0xE2, &icc)));
    assert!(contains(&kept, &segment(0xEE, &adobe)));
    assert!(!contains(&kept, b"MPF\0"));
}

/// A PNG chunk with its CRC.
fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let length = u32::try_from(data.len()).unwrap();
    let crc = crc32fast::hash(&[&kind[..], data].concat());
    [&length.to_be_bytes()[..], kind, data, &crc.to_be_bytes()].concat()
}

/// `png` with `chunks` after its header chunk (signature and IHDR take 33 bytes).
fn with_chunks(png: &[u8], chunks: &[Vec<u8>]) -> Vec<u8> {
    [&png[..33], &chunks.concat(), &png[33..]].concat()
}

fn annotated_png(orientation: u16) -> Vec<u8> {
    with_chunks(
        &encode(&page(), ImageFormat::Png),
        &[
            chunk(b"tEXt", b"Comment\0taken at Storgatan 1"),
            chunk(
                b"iTXt",
                b"XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta>GPS</x:xmpmeta>",
            ),
            chunk(b"zTXt", b"Author\0\0\x78\x9c\x03\0\0\0\0\x01"),
            chunk(b"eXIf", &exif_with_gps(orientation)),
            chunk(b"tIME", &[0x07, 0xE9, 1, 2, 3, 4, 5]),
            chunk(b"pHYs", &[0, 0, 0x2E, 0x23, 0, 0, 0x2E, 0x23, 1]),
        ],
    )
}

#[test]
fn a_png_is_stored_without_text_or_exif() {
    let original = encode(&page(), ImageFormat::Png);
    let png = annotated_png(1);
    let kept = stored(&png).unwrap();
    // The pixel density stays (it tells a scan's size); the rest goes.
    let density = chunk(b"pHYs", &[0, 0, 0x2E, 0x23, 0, 0, 0x2E, 0x23, 1]);
    assert_eq!(kept, with_chunks(&original, &[density]));
    for kind in [b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"tIME"] {
        assert!(contains(&png, kind) && !contains(&kept, kind));
    }
    assert!(!contains(&kept, &GPS_LATITUDE));
}

#[test]
fn a_turned_png_keeps_its_orientation_and_nothing_else() {
    let png = annotated_png(8);
    let kept = stored(&png).unwrap();
    assert_eq!(
        orientation_of(&kept, ImageFormat::Png),
        Orientation::Rotate270
    );
    assert!(contains(&kept, &chunk(b"eXIf", &exif::orientation_only(8))));
    assert!(!contains(&kept, &GPS_LATITUDE) && !contains(&kept, b"Storgatan"));
    assert_eq!(pixels(&kept), pixels(&png));
}

#[test]
fn a_png_with_an_unknown_critical_chunk_is_unreadable() {
    let png = with_chunks(&encode(&page(), ImageFormat::Png), &[chunk(b"ZZZZ", b"?")]);
    assert_eq!(refusal_code(&png), "unreadable_image");
}

/// A ZIP archive of one file: a local header, the file, a central directory, its end.
fn zip_archive() -> Vec<u8> {
    [
        &b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0"[..],
        &[0; 12],
        b"\x09\0\0\0payload.jshello",
        b"PK\x01\x02",
        &[0; 42],
        b"payload.js",
        b"PK\x05\x06\0\0\0\0\x01\0\x01\0",
        &[0; 10],
    ]
    .concat()
}

#[test]
fn images_carrying_another_format_are_polyglots() {
    let jpeg = encode(&page(), ImageFormat::Jpeg);
    let png = encode(&page(), ImageFormat::Png);
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".as_slice();
    for (file, carried) in [
        ([&jpeg[..], &zip_archive()].concat(), "a ZIP archive"),
        ([&png[..], &zip_archive()].concat(), "a ZIP archive"),
        ([&jpeg[..], pdf].concat(), "a PDF"),
        (
            [&png[..], b"\n<html><script>alert(1)</script>"].concat(),
            "a web page",
        ),
        // After padding, still appended.
        (
            [&jpeg[..], &[0; 64], &zip_archive()].concat(),
            "a ZIP archive",
        ),
    ] {
        let refusal = stored(&file).unwrap_err();
        assert_eq!(refusal.code, "polyglot_file");
        assert!(refusal.message.contains(carried), "{}", refusal.message);
        assert!(
            refusal.message.contains("after its end"),
            "{}",
            refusal.message
        );
    }
    // In metadata that would be dropped, the intent is as plain.
    let commented = with_segments(&jpeg, &[segment(0xFE, b"<script src=//x.example/a.js>")]);
    let refusal = stored(&commented).unwrap_err();
    assert_eq!(refusal.code, "polyglot_file");
    assert!(refusal.message.contains("metadata"), "{}", refusal.message);
    let text = with_chunks(&png, &[chunk(b"tEXt", b"Comment\0%PDF-1.4 1 0 obj")]);
    assert_eq!(refusal_code(&text), "polyglot_file");
    // A PDF header hidden in what is kept (a colour profile in the first kilobyte) would
    // make PDF readers open the stored file.
    let profile = [&b"ICC_PROFILE\0\x01\x01"[..], b"%PDF-1.5\n1 0 obj"].concat();
    let refusal = stored(&with_segments(&jpeg, &[segment(0xE2, &profile)])).unwrap_err();
    assert_eq!(refusal.code, "polyglot_file");
    assert!(
        refusal.message.contains("is also a PDF"),
        "{}",
        refusal.message
    );
}

#[test]
fn what_cameras_append_is_dropped_without_a_refusal() {
    let jpeg = encode(&page(), ImageFormat::Jpeg);
    let mut video = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom".to_vec();
    let mut seed = 3_u32;
    video.extend((0..300_000).map(|_| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 24) as u8
    }));
    let gain_map = encode(&page().thumbnail(320, 200), ImageFormat::Jpeg);
    for trailer in [video, gain_map, vec![0xFF; 512], b"\r\n".to_vec()] {
        let file = [&jpeg[..], &trailer].concat();
        assert_eq!(stored(&file).unwrap(), jpeg);
    }
}

fn pdf(body: &[u8]) -> Vec<u8> {
    [
        &b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"[..],
        body,
        b"\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Root 1 0 R >>\nstartxref\n9\n%%EOF\n",
    ]
    .concat()
}

fn pdf_code(body: &[u8]) -> Result<(), &'static str> {
    let file = pdf(body);
    stored(&file).map(drop).map_err(|refusal| refusal.code)
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// An object stream holding `object` as object 5, its dictionary given `filter`.
fn object_stream(dictionary: &str, data: &[u8]) -> Vec<u8> {
    [
        format!(
            "6 0 obj\n<< {dictionary} /Length {} >>\nstream\n",
            data.len()
        )
        .as_bytes(),
        data,
        b"\nendstream\nendobj\n",
    ]
    .concat()
}

fn compressed_objects(object: &[u8]) -> Vec<u8> {
    object_stream(
        "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode",
        &zlib(&[&b"5 0 "[..], object].concat()),
    )
}

const CATALOG: &[u8] =
    b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>\nendobj\n";

#[test]
fn plain_pdfs_pass_with_an_opening_view() {
    assert_eq!(pdf_code(CATALOG), Ok(()));
    // Objects in a compressed stream, images' binary data, and a link to a web page.
    let mut image = vec![0_u8; 4096];
    image[100..104].copy_from_slice(b"/AA ");
    image[200..204].copy_from_slice(b"/JS(");
    let body = [
        CATALOG,
        &compressed_objects(
            b"<< /Type /Annot /Subtype /Link /A << /S /URI /URI (https://bank.example) >> >>",
        ),
        &object_stream(
            "/Type /XObject /Subtype /Image /Width 64 /Height 64",
            &image,
        ),
    ]
    .concat();
    assert_eq!(pdf_code(&body), Ok(()));
    // The bytes are stored as they came.
    assert_eq!(stored(&pdf(&body)).unwrap(), pdf(&body));
}

#[test]
fn pdfs_with_scripts_or_actions_are_refused() {
    for body in [
        &b"1 0 obj\n<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\nendobj"[..],
        b"1 0 obj\n<< /Names << /JavaScript 4 0 R >> >>\nendobj",
        b"3 0 obj\n<< /Type /Page /AA << /O 7 0 R >> >>\nendobj",
        b"7 0 obj\n<< /S /Launch /F (cmd.exe) >>\nendobj",
        b"8 0 obj\n<< /Type /Annot /Subtype /RichMedia >>\nendobj",
        b"9 0 obj\n<< /AcroForm << /XFA 10 0 R >> >>\nendobj",
        // Obfuscated: escaped names, no spaces.
        b"1 0 obj<</OpenAction<</S/J#61vaScript/J#53(app.alert(1))>>>>endobj",
        b"7 0 obj<</S/#4C#61#75#6E#63#68/F(calc)>>endobj",
        // Planted in a string, where a cross-reference entry may send a reader.
        b"2 0 obj\n(x) (5 0 obj <</S/JS/JS(1)>> endobj)\nendobj",
    ] {
        assert_eq!(
            pdf_code(body),
            Err("pdf_active_content"),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    let refusal = stored(&pdf(b"1 0 obj<</S/J#61vaScript>>endobj")).unwrap_err();
    assert!(
        refusal.message.contains("/JavaScript"),
        "{}",
        refusal.message
    );
}

#[test]
fn pdfs_with_attached_files_are_refused() {
    for body in [
        &b"4 0 obj\n<< /Type /EmbeddedFile /Length 5 >>\nstream\nhello\nendstream\nendobj"[..],
        b"1 0 obj\n<< /Names << /EmbeddedFiles 5 0 R >> >>\nendobj",
        b"3 0 obj\n<< /Type /Annot /Subtype /FileAttachment /FS 6 0 R >>\nendobj",
        b"4 0 obj<</Type/Embedded#46ile>>endobj",
    ] {
        assert_eq!(pdf_code(body), Err("pdf_embedded_file"));
    }
}

#[test]
fn object_streams_are_inflated_and_read() {
    // Only a short name, invisible in the compressed bytes: the stream must be read.
    let hidden = compressed_objects(b"<< /Type /Page /AA << /O << /S /URI /URI (x) >> >> >>");
    assert!(!contains(&hidden, b"/AA"));
    assert_eq!(pdf_code(&hidden), Err("pdf_active_content"));
    assert_eq!(
        pdf_code(&compressed_objects(
            b"<< /S /JavaScript /JS (app.alert(1)) >>"
        )),
        Err("pdf_active_content")
    );
    assert_eq!(
        pdf_code(&compressed_objects(
            b"<< /Type /Filespec /EF << /F 9 0 R >> /Type /Embedded#46iles >>"
        )),
        Err("pdf_embedded_file")
    );
    // Readers go by /N and /First: so does kycore, with or without /Type.
    let untyped = object_stream(
        "/N 1 /First 4 /Filter [/FlateDecode]",
        &zlib(b"5 0 << /JS (1) >>"),
    );
    assert_eq!(pdf_code(&untyped), Err("pdf_active_content"));
    let uncompressed = object_stream("/Type /ObjStm /N 1 /First 4", b"5 0 << /JS (1) >>");
    assert_eq!(pdf_code(&uncompressed), Err("pdf_active_content"));
}

#[test]
fn object_streams_that_cannot_be_read_are_refused() {
    let objects = zlib(b"5 0 << /Type /Page >>");
    for dictionary in [
        "/Type /ObjStm /N 1 /First 4 /Filter /LZWDecode",
        "/Type /ObjStm /N 1 /First 4 /Filter [/ASCIIHexDecode /FlateDecode]",
        "/Type /ObjStm /N 1 /First 4 /Filter 12 0 R",
        "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /DecodeParms << /Predictor 12 >>",
    ] {
        assert_eq!(
            pdf_code(&object_stream(dictionary, &objects)),
            Err("pdf_not_checkable"),
            "{dictionary}"
        );
    }
    let damaged = object_stream(
        "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode",
        &objects[..objects.len() / 2],
    );
    assert_eq!(pdf_code(&damaged), Err("pdf_not_checkable"));
    // Encrypted: the stream does not inflate, and the message says why.
    let encrypted = pdf(&[
        &object_stream(
            "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode",
            &[0x5A; 64],
        )[..],
        b"9 0 obj\n<< /Encrypt 10 0 R >>\nendobj",
    ]
    .concat());
    let refusal = stored(&encrypted).unwrap_err();
    assert_eq!(refusal.code, "pdf_not_checkable");
    assert!(refusal.message.contains("encrypted"), "{}", refusal.message);
    // An object stream planted inside another stream's data.
    let planted = object_stream(
        "/Type /XObject /Subtype /Form",
        &compressed_objects(b"<< /JS (1) >>"),
    );
    assert_eq!(pdf_code(&planted), Err("pdf_not_checkable"));
}

#[test]
fn a_pdf_bomb_is_refused_within_the_budget() {
    // 80 MiB of zeros compress to 80 KiB: past the budget, not inflated to the end.
    let zeros = vec![0_u8; 80 * 1024 * 1024];
    let bomb = object_stream(
        "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode",
        &zlib(&zeros),
    );
    drop(zeros);
    assert!(bomb.len() < 200 * 1024);
    assert_eq!(pdf_code(&bomb), Err("pdf_not_checkable"));
}

#[test]
fn pdfs_carrying_another_format_are_polyglots() {
    let with_zip = [&pdf(CATALOG)[..], &zip_archive()].concat();
    assert_eq!(refusal_code(&with_zip), "polyglot_file");
    let page = pdf(b"1 0 obj\n(<html><script>alert(1)</script>)\nendobj");
    assert_eq!(refusal_code(&page), "polyglot_file");
    let refusal = stored(&page).unwrap_err();
    assert!(
        refusal.message.contains("a web page"),
        "{}",
        refusal.message
    );
}

/// A pseudo-random generator for the mutations below: deterministic, so failures repeat.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.0 >> 33).unwrap() % bound.max(1)
    }
}

/// `file` truncated at `cuts` places, and with `mutations` corruptions: random bytes, 0xFF
/// runs (fill bytes, bogus markers) and 0xFF lengths, each copy with a few of them.
fn damaged_copies(file: &[u8], cuts: usize, mutations: usize) -> Vec<Vec<u8>> {
    let mut random = Lcg(u64::try_from(file.len()).unwrap());
    let mut copies: Vec<Vec<u8>> = (0..cuts)
        .map(|_| file[..random.below(file.len())].to_vec())
        .collect();
    for _ in 0..mutations {
        let mut copy = file.to_vec();
        for _ in 0..=random.below(4) {
            let at = random.below(copy.len());
            let end = (at + 1 + random.below(4)).min(copy.len());
            let value = match random.below(3) {
                0 => 0xFF,
                1 => u8::try_from(random.below(256)).unwrap(),
                _ => 0x00,
            };
            copy[at..end].fill(value);
        }
        copies.push(copy);
    }
    copies
}

#[test]
fn damaged_files_are_refused_or_read_never_panicking() {
    let jpeg = phone_photo(6);
    let png = annotated_png(6);
    // The walkers alone, many times; their output must decode or be refused.
    for copy in damaged_copies(&jpeg, 400, 1500) {
        let _ = jpeg::strip_metadata(&copy);
    }
    for copy in damaged_copies(&png, 400, 1500) {
        let _ = png::strip_metadata(&copy);
    }
    // The whole inspection, fewer times: decoding is slower.
    for copy in damaged_copies(&jpeg, 20, 40)
        .into_iter()
        .chain(damaged_copies(&png, 20, 40))
    {
        if let Ok(file_type) = sniff(&copy) {
            let _ = inspect(copy, file_type);
        }
    }
    let document = pdf(&[
        CATALOG,
        &compressed_objects(b"<< /Type /Page /Contents (a\\)b(c)) >>"),
        b"4 0 obj <</F#6Cate 1 /Filter [/FlateDecode] /DecodeParms <</Predictor 1>> >>\nstream\n\0\0\nendstream",
    ]
    .concat());
    for copy in damaged_copies(&document, 300, 3000) {
        let _ = inspect(copy, FileType::Pdf);
    }
}
