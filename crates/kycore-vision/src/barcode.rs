//! The PDF417 barcode on the back of US and Canadian driving licences and identity cards
//! (AAMVA card design standard): decoded with `rxing`, its data elements parsed here.
//!
//! The barcode's text is a header, `@`, line feed, record separator, carriage return,
//! `ANSI ` (`AAMVA` in some pre-2000 cards), the issuer's six-digit IIN, the standard's
//! version, the jurisdiction's version (from version 02), the number of subfiles and one
//! ten-character designator per subfile (type, offset, length); then the `DL` or `ID` subfile:
//! its type, then data elements, each a three-letter code and its value, separated by line
//! feeds and ended by a carriage return.
//!
//! Issuers get the details wrong often enough that the parser is lenient where leniency cannot
//! change a value: the three separator bytes after `@` are not checked, and a subfile whose
//! offset does not point at its type code is looked for after the header instead.
//!
//! Dates are `MMDDCCYY` in US barcodes and `CCYYMMDD` in Canadian ones. The layout is chosen by
//! the country element (DCG: `USA` or `CAN`); where it is missing (versions 01–02), or its
//! layout gives no valid date, the other layout is tried. The two cannot both give a valid
//! date for a year from 1900 to 2099: read as `MMDDCCYY`, a `CCYYMMDD` date has month 19 or 20.

use std::collections::HashSet;

use rxing::common::{GlobalHistogramBinarizer, HybridBinarizer};
use rxing::pdf417::PDF417Reader;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource, Reader};
use time::{Date, Month};

/// What looking for a licence barcode gave.
#[derive(Debug, Clone, PartialEq)]
pub enum BarcodeOutcome {
    /// An AAMVA barcode, decoded and parsed.
    Licence(AamvaLicence),
    /// No PDF417 barcode was found.
    NotFound,
    /// A PDF417 barcode whose content is not AAMVA data; the sentence says why.
    Unparseable(String),
}

/// The fields of an AAMVA licence that kycore compares: the stored shape itself, so what is
/// read is what the `barcode` check judges.
pub use kycore_checks::reading::LicenceData as AamvaLicence;

/// Looks for an AAMVA PDF417 barcode in the picture.
pub fn read(picture: &crate::Picture) -> BarcodeOutcome {
    match decode(picture.gray()) {
        Some(text) => match parse_aamva(&text) {
            Ok(licence) => BarcodeOutcome::Licence(licence),
            Err(reason) => BarcodeOutcome::Unparseable(reason),
        },
        None => BarcodeOutcome::NotFound,
    }
}

/// Decodes the first PDF417 barcode in the picture, in any of the four right-angle
/// orientations (rxing's detector tries them), or `None`.
fn decode(gray: image::GrayImage) -> Option<String> {
    let (width, height) = gray.dimensions();
    if width == 0 || height == 0 {
        return None;
    }
    // rxing is a port of a Java library whose index arithmetic was written for exceptions: a
    // crafted image must cost a not-found, never the worker.
    std::panic::catch_unwind(move || {
        let hints = DecodeHints {
            TryHarder: Some(true),
            PossibleFormats: Some(HashSet::from([BarcodeFormat::PDF_417])),
            ..DecodeHints::default()
        };
        let source = Luma8LuminanceSource::new(gray.into_raw(), width, height).ok()?;
        let mut reader = PDF417Reader::new();
        // The local-threshold binarizer suits photos with uneven light; the global one
        // rescues low-contrast prints it breaks up.
        let hybrid = reader.decode_with_hints(
            &mut BinaryBitmap::new(HybridBinarizer::new(source.clone())),
            &hints,
        );
        let result = match hybrid {
            Ok(result) => result,
            Err(_) => reader
                .decode_with_hints(
                    &mut BinaryBitmap::new(GlobalHistogramBinarizer::new(source)),
                    &hints,
                )
                .ok()?,
        };
        Some(result.getText().to_owned())
    })
    .ok()
    .flatten()
}

/// Parses the text of an AAMVA barcode (as a phone-side scanner would also deliver it).
pub fn parse_aamva(text: &str) -> Result<AamvaLicence, String> {
    let header = Header::parse(text)?;
    let subfile = header.licence_subfile(text)?;
    let elements = elements(subfile);
    let element = |code: &str| {
        elements
            .iter()
            .find(|(found, _)| *found == code)
            .map(|(_, value)| *value)
            .filter(|value| !value.is_empty())
    };

    // Version 01 (AAMVA 2000) wrote the whole name in DAA, `FAMILY,FIRST,MIDDLE`; some issuers
    // also used DAB/DAC/DAD then. Versions 02–03 have DCS and DCT (all given names);
    // version 04 on DCS, DAC and DAD.
    let full_name: Vec<&str> = element("DAA")
        .map(|name| name.split(',').map(str::trim).collect())
        .unwrap_or_default();
    let family_name = element("DCS")
        .or_else(|| element("DAB"))
        .or_else(|| full_name.first().copied())
        .unwrap_or_default()
        .to_owned();
    let given_names = match (element("DAC"), element("DAD")) {
        (Some(first), middle) => join_names([Some(first), middle.filter(|m| is_given(m))]),
        (None, _) => match element("DCT") {
            Some(given) => join_names(given.split(',').map(Some)),
            None => join_names(full_name.iter().skip(1).map(|name| Some(*name))),
        },
    };
    let licence_number = element("DAQ").unwrap_or_default().to_owned();
    if licence_number.is_empty() {
        return Err("the AAMVA barcode has no licence number (element DAQ)".to_owned());
    }
    if family_name.is_empty() {
        return Err("the AAMVA barcode has no family name (element DCS)".to_owned());
    }
    let country = element("DCG").map(str::to_owned);
    let canadian = country.as_deref() == Some("CAN");
    Ok(AamvaLicence {
        issuer_id: header.issuer_id.to_owned(),
        family_name,
        given_names,
        date_of_birth: element("DBB").and_then(|value| date(value, canadian)),
        expiry: element("DBA").and_then(|value| date(value, canadian)),
        licence_number,
        sex: element("DBC").and_then(sex),
        country,
    })
}

/// The header's fields kycore needs.
struct Header<'a> {
    issuer_id: &'a str,
    /// Each subfile's type and offset.
    subfiles: Vec<(&'a str, usize)>,
    /// Where the designators end.
    end: usize,
}

impl<'a> Header<'a> {
    fn parse(text: &'a str) -> Result<Self, String> {
        let not_aamva =
            |what: &str| format!("the PDF417 barcode does not carry AAMVA data: {what}");
        if !text.starts_with('@') {
            return Err(not_aamva(
                "it does not start with the compliance indicator `@`",
            ));
        }
        let file_type = text.get(4..9);
        if !matches!(file_type, Some("ANSI " | "AAMVA")) {
            return Err(not_aamva("no `ANSI ` file type after the separators"));
        }
        let digits = |range: std::ops::Range<usize>, what: &str| -> Result<&'a str, String> {
            text.get(range)
                .filter(|field| field.bytes().all(|byte| byte.is_ascii_digit()))
                .ok_or_else(|| format!("the AAMVA header's {what} is not a number"))
        };
        let number = |field: &str| field.parse::<usize>().unwrap_or_default();
        let issuer_id = digits(9..15, "issuer number")?;
        let version = number(digits(15..17, "version")?);
        // From version 02 a jurisdiction version follows the standard's.
        let count_at = if version <= 1 { 17 } else { 19 };
        let count = number(digits(count_at..count_at + 2, "subfile count")?);
        let mut subfiles = Vec::with_capacity(count.min(16));
        let mut at = count_at + 2;
        for _ in 0..count.min(16) {
            let kind = text
                .get(at..at + 2)
                .ok_or("the AAMVA header ends inside its subfile list")?;
            let offset = number(digits(at + 2..at + 6, "subfile offset")?);
            digits(at + 6..at + 10, "subfile length")?;
            subfiles.push((kind, offset));
            at += 10;
        }
        Ok(Self {
            issuer_id,
            subfiles,
            end: at,
        })
    }

    /// The DL (driving licence) or ID (identity card) subfile's text, from its type code on.
    fn licence_subfile(&self, text: &'a str) -> Result<&'a str, String> {
        let kinds = ["DL", "ID"];
        // The subfile runs to its carriage return: a designator's length, wrong as often as its
        // offset, is not needed to find the end.
        for &(kind, offset) in &self.subfiles {
            if !kinds.contains(&kind) {
                continue;
            }
            if let Some(subfile) = text.get(offset..).filter(|s| s.starts_with(kind)) {
                return Ok(subfile);
            }
        }
        // Offsets that miss by a few bytes are common: the subfile is then the first type code
        // after the header that is followed by an element code.
        let rest = text.get(self.end..).unwrap_or_default();
        (0..rest.len())
            .filter(|&at| rest.is_char_boundary(at))
            .map(|at| &rest[at..])
            .find(|candidate| {
                kinds.iter().any(|kind| candidate.starts_with(kind))
                    && candidate
                        .get(2..5)
                        .is_some_and(|code| code.bytes().all(|byte| byte.is_ascii_uppercase()))
            })
            .ok_or_else(|| "the AAMVA barcode has no driving-licence or ID subfile".to_owned())
    }
}

/// The data elements of a subfile: code and trimmed value, up to its carriage return.
fn elements(subfile: &str) -> Vec<(&str, &str)> {
    let body = subfile.get(2..).unwrap_or_default();
    let body = body.split('\r').next().unwrap_or_default();
    body.split('\n')
        .filter_map(|line| {
            let code = line.get(..3)?;
            code.bytes()
                .all(|byte| byte.is_ascii_alphanumeric())
                .then(|| (code, line[3..].trim()))
        })
        .collect()
}

/// Whether a middle-name value is a name, not one of the fillers issuers write.
fn is_given(value: &str) -> bool {
    !matches!(
        value.to_ascii_uppercase().as_str(),
        "NONE" | "UNAVL" | "UNAVAIL" | "N/A"
    )
}

fn join_names<'a>(names: impl IntoIterator<Item = Option<&'a str>>) -> String {
    names
        .into_iter()
        .flatten()
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

/// An eight-digit date in the country's layout, else in the other one (see the module doc).
fn date(value: &str, canadian: bool) -> Option<Date> {
    let value = value.get(..8)?;
    if !value.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| value[range].parse::<u16>().ok();
    let us = || calendar(number(4..8)?, number(0..2)?, number(2..4)?);
    let canada = || calendar(number(0..4)?, number(4..6)?, number(6..8)?);
    if canadian {
        canada().or_else(us)
    } else {
        us().or_else(canada)
    }
}

fn calendar(year: u16, month: u16, day: u16) -> Option<Date> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(i32::from(year), month, u8::try_from(day).ok()?).ok()
}

/// DBC as AAMVA's digit: `1` male, `2` female, `9` not specified; version 01's `M`/`F` and the
/// `X` some issuers print are mapped onto them.
fn sex(value: &str) -> Option<char> {
    match value.trim().chars().next()?.to_ascii_uppercase() {
        '1' | 'M' => Some('1'),
        '2' | 'F' => Some('2'),
        '9' | 'X' => Some('9'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Picture;
    use image::{GrayImage, Luma, RgbImage};
    use rxing::pdf417::PDF417Writer;
    use rxing::{EncodeHintValue, EncodeHints, Writer};

    /// Builds an AAMVA text with correct offsets: header, one subfile.
    fn aamva(version: &str, kind: &str, elements: &[&str]) -> String {
        let subfile = format!("{kind}{}\r", elements.join("\n"));
        let jurisdiction = if version == "01" { "" } else { "00" };
        let header_length = 4 + 5 + 6 + 2 + jurisdiction.len() + 2 + 10;
        format!(
            "@\n\x1e\rANSI 636014{version}{jurisdiction}01{kind}{header_length:04}{:04}{subfile}",
            subfile.len()
        )
    }

    /// A fictional Californian licence (AAMVA version 09).
    fn californian() -> String {
        aamva(
            "09",
            "DL",
            &[
                "DAQD1234562",
                "DCSMUSTERFRAU",
                "DDEN",
                "DACERIKA",
                "DDFN",
                "DADJOANNA",
                "DDGN",
                "DCAC",
                "DBD08292017",
                "DBB08311977",
                "DBA08312027",
                "DBC2",
                "DAU064 in",
                "DAG2570 24TH STREET",
                "DAIANYTOWN",
                "DAJCA",
                "DAK958250000  ",
                "DCGUSA",
            ],
        )
    }

    fn ymd(year: i32, month: Month, day: u8) -> Option<Date> {
        Date::from_calendar_date(year, month, day).ok()
    }

    #[test]
    fn a_us_licence_is_parsed_with_month_first_dates() {
        let licence = parse_aamva(&californian()).expect("parses");
        assert_eq!(
            licence,
            AamvaLicence {
                issuer_id: "636014".to_owned(),
                country: Some("USA".to_owned()),
                family_name: "MUSTERFRAU".to_owned(),
                given_names: "ERIKA JOANNA".to_owned(),
                date_of_birth: ymd(1977, Month::August, 31),
                expiry: ymd(2027, Month::August, 31),
                licence_number: "D1234562".to_owned(),
                sex: Some('2'),
            }
        );
    }

    #[test]
    fn a_canadian_card_has_year_first_dates_and_older_versions_their_own_names() {
        let ontario = aamva(
            "08",
            "ID",
            &[
                "DAQX1234-56789-01234",
                "DCSTREMBLAY",
                "DACJEAN",
                "DADNONE",
                "DBB19800102",
                "DBA20300102",
                "DBC1",
                "DCGCAN",
            ],
        );
        let licence = parse_aamva(&ontario).expect("parses");
        assert_eq!(licence.given_names, "JEAN", "the NONE filler is dropped");
        assert_eq!(licence.date_of_birth, ymd(1980, Month::January, 2));
        assert_eq!(licence.expiry, ymd(2030, Month::January, 2));
        assert_eq!(licence.country.as_deref(), Some("CAN"));

        // Version 03: all given names in DCT; no DCG, the date's layout tells.
        let version_3 = aamva(
            "03",
            "DL",
            &[
                "DAQ99887766",
                "DCSDOE",
                "DCTJANE,ANN",
                "DBB01021990",
                "DBCF",
            ],
        );
        let licence = parse_aamva(&version_3).expect("parses");
        assert_eq!(licence.given_names, "JANE ANN");
        assert_eq!(licence.date_of_birth, ymd(1990, Month::January, 2));
        assert_eq!(licence.sex, Some('2'));

        // Version 01: no jurisdiction version, the whole name in DAA, year-first dates.
        let version_1 = aamva(
            "01",
            "DL",
            &["DAQ123", "DAAROE,RICHARD,MILES", "DBB19751224", "DBCM"],
        );
        let licence = parse_aamva(&version_1).expect("parses");
        assert_eq!(licence.family_name, "ROE");
        assert_eq!(licence.given_names, "RICHARD MILES");
        assert_eq!(licence.date_of_birth, ymd(1975, Month::December, 24));
        assert_eq!(licence.sex, Some('1'));
    }

    #[test]
    fn a_wrong_subfile_offset_is_tolerated_and_broken_data_refused_with_a_reason() {
        let shifted = californian().replacen("DL0031", "DL0029", 1);
        assert_ne!(shifted, californian(), "the offset was in the header");
        assert_eq!(
            parse_aamva(&shifted).expect("parses").licence_number,
            "D1234562"
        );

        // A length far too short: the subfile still runs to its carriage return.
        let full = californian();
        let length_at = full.find("DL0031").expect("the designator") + 6;
        let short = format!("{}0010{}", &full[..length_at], &full[length_at + 4..]);
        assert_eq!(
            parse_aamva(&short).expect("parses").country.as_deref(),
            Some("USA")
        );

        let refusals = [
            ("hello world".to_owned(), "compliance indicator"),
            ("@\n\x1e\rHELLO 636014".to_owned(), "ANSI"),
            ("@\n\x1e\rANSI 63601".to_owned(), "issuer number"),
            (californian().replace("DAQD1234562\n", ""), "DAQ"),
            (aamva("09", "ZC", &["ZCAX"]), "subfile"),
        ];
        for (text, reason) in refusals {
            let error = parse_aamva(&text).expect_err("refused");
            assert!(error.contains(reason), "{text:?}: {error}");
        }
        // Multi-byte text where the header's fields should be: refused, not a panic.
        assert!(parse_aamva("@\n\x1e\rANSI 6360é4090").is_err());
        assert_eq!(date("13312020", false), None);
        assert_eq!(date("0229202", false), None);
    }

    /// Renders a PDF417 symbol, `module` pixels per module, with a white margin.
    fn pdf417(text: &str, module: u32) -> GrayImage {
        let hints = EncodeHints::default()
            .with(EncodeHintValue::Margin("0".to_owned()))
            .with(EncodeHintValue::ErrorCorrection("4".to_owned()));
        let bits = PDF417Writer::new()
            .encode_with_hints(text, &BarcodeFormat::PDF_417, 0, 0, &hints)
            .expect("encodes");
        let margin = 10 * module;
        let mut image = GrayImage::from_pixel(
            bits.width() * module + 2 * margin,
            bits.height() * module + 2 * margin,
            Luma([255]),
        );
        for (x, y, pixel) in image.enumerate_pixels_mut() {
            let (x, y) = (
                x.wrapping_sub(margin) / module,
                y.wrapping_sub(margin) / module,
            );
            if x < bits.width() && y < bits.height() && bits.get(x, y) {
                *pixel = Luma([20]);
            }
        }
        image
    }

    /// The symbol on a grey card in a larger photo.
    fn photo(symbol: &GrayImage) -> Picture {
        let (width, height) = symbol.dimensions();
        let mut photo =
            RgbImage::from_pixel(width + 300, height + 400, image::Rgb([180, 170, 160]));
        for (x, y, pixel) in symbol.enumerate_pixels() {
            photo.put_pixel(x + 150, y + 200, image::Rgb([pixel[0]; 3]));
        }
        Picture::from_rgb(photo)
    }

    #[test]
    fn a_rendered_licence_barcode_is_read() {
        let symbol = pdf417(&californian(), 3);
        match read(&photo(&symbol)) {
            BarcodeOutcome::Licence(licence) => {
                assert_eq!(licence.licence_number, "D1234562");
                assert_eq!(licence.date_of_birth, ymd(1977, Month::August, 31));
            }
            other => panic!("expected a licence, got {other:?}"),
        }
    }

    #[test]
    fn an_upside_down_or_sideways_barcode_is_read() {
        let symbol = pdf417(&californian(), 3);
        for turned in [
            image::imageops::rotate180(&symbol),
            image::imageops::rotate90(&symbol),
        ] {
            assert!(
                matches!(read(&photo(&turned)), BarcodeOutcome::Licence(_)),
                "a turned symbol"
            );
        }
    }

    #[test]
    fn a_slightly_tilted_and_blurred_photo_is_read() {
        use imageproc::geometric_transformations::{Interpolation, rotate_about_center};
        let symbol = pdf417(&californian(), 3);
        let picture = photo(&symbol);
        // Measured: ±3° and +6° decode, -6° does not; rxing's detector follows the rows'
        // start and stop patterns, which tolerates a small tilt only.
        for degrees in [-3.0f32, 3.0] {
            let tilted = rotate_about_center(
                picture.rgb(),
                degrees.to_radians(),
                Interpolation::Bilinear,
                image::Rgb([180, 170, 160]),
            );
            let blurred = imageproc::filter::gaussian_blur_f32(&tilted, 0.8);
            let outcome = read(&Picture::from_rgb(blurred));
            assert!(
                matches!(outcome, BarcodeOutcome::Licence(_)),
                "tilted {degrees}°: {outcome:?}"
            );
        }
    }

    #[test]
    fn other_content_and_no_barcode_are_told_apart() {
        let symbol = pdf417("https://example.org/not-a-licence", 3);
        match read(&photo(&symbol)) {
            BarcodeOutcome::Unparseable(reason) => assert!(reason.contains("AAMVA"), "{reason}"),
            other => panic!("expected unparseable, got {other:?}"),
        }
        let blank = Picture::from_rgb(RgbImage::from_pixel(640, 480, image::Rgb([200; 3])));
        assert_eq!(read(&blank), BarcodeOutcome::NotFound);
        let face = Picture::decode(&crate::testing::fixture("faces/paul_rudd_1.jpg"))
            .expect("the fixture decodes");
        assert_eq!(read(&face), BarcodeOutcome::NotFound);
        let tiny = Picture::from_rgb(RgbImage::new(1, 1));
        assert_eq!(read(&tiny), BarcodeOutcome::NotFound);
    }
}
