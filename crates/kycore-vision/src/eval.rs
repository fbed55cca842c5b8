//! Measuring the MRZ reader: the fixture images, and documents generated at run time under
//! named conditions (rotation, perspective, blur, JPEG, noise, scale, upside down,
//! mirrored, grayscale). `kycore documents eval` prints the table.
//!
//! The generator shares none of the reader's assumptions: random MRZ data with check digits
//! computed here (ICAO 7-3-1, written independently of the parser), OCR-B from the system
//! font, a card of random size, colour, texture and margins with decoy text above the zone,
//! laid on a textured table at a random place, then warped and degraded. Everything derives
//! from the seed through a small xorshift generator, so a run is repeatable.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ab_glyph::{Font, FontVec, PxScale, ScaleFont};
use image::{DynamicImage, GrayImage, Luma, Rgb, RgbImage};
use imageproc::geometric_transformations::{Interpolation, Projection, warp};

use crate::mrz_read::{MrzOutcome, MrzRead};
use crate::{Engines, Picture};

/// The OCR-B font Debian's `fonts-ocr-b` installs.
pub const OCR_B_FONT: &str = "/usr/share/fonts/opentype/ocr-b/OCRB.otf";

/// Failures described per condition, for a reader of the table to look into.
const MAX_FAILURES_KEPT: usize = 3;

/// Fields compared with the truth, in this order.
const COMPARED: [&str; 8] = [
    "document_number",
    "date_of_birth",
    "date_of_expiry",
    "nationality",
    "issuing_state",
    "sex",
    "surname",
    "given_names",
];

/// One row of the evaluation: a condition and how the reader did under it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionRow {
    /// The condition (`fixtures`, `rotated 8°`, `jpeg q25`…).
    pub condition: String,
    /// Documents tried.
    pub documents: usize,
    /// Documents read with every check digit verified.
    pub read: usize,
    /// Share of compared fields equal to the truth, over all documents (a document not
    /// read counts all its fields wrong).
    pub field_accuracy: f64,
    /// Share of documents whose surname and given names are both exact.
    pub names_exact: f64,
    /// Median read time.
    pub median: Duration,
    /// What went wrong on the first few documents not read right: the outcome's reason or
    /// the text read beside the truth.
    pub failures: Vec<String>,
}

impl ConditionRow {
    /// Share of documents read with every check digit verified.
    pub fn read_rate(&self) -> f64 {
        self.read as f64 / self.documents.max(1) as f64
    }
}

/// The evaluation: one row per condition.
#[derive(Debug, Clone, PartialEq)]
pub struct MrzEvaluation {
    /// The rows, fixtures first.
    pub rows: Vec<ConditionRow>,
    /// Why a part could not run (font or fixtures missing), if any.
    pub notes: Vec<String>,
}

impl fmt::Display for MrzEvaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<22} {:>5} {:>9} {:>10} {:>11} {:>10}",
            "condition", "docs", "read", "fields", "names exact", "median ms"
        )?;
        for row in &self.rows {
            writeln!(
                f,
                "{:<22} {:>5} {:>8.1}% {:>9.1}% {:>10.1}% {:>10.0}",
                row.condition,
                row.documents,
                100.0 * row.read_rate(),
                100.0 * row.field_accuracy,
                100.0 * row.names_exact,
                row.median.as_secs_f64() * 1_000.0
            )?;
        }
        for note in &self.notes {
            writeln!(f, "note: {note}")?;
        }
        Ok(())
    }
}

/// The truth of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truth {
    /// The zone's lines.
    pub lines: Vec<String>,
    /// Expected field values by name, as the reader reports them.
    pub fields: Vec<(&'static str, String)>,
}

/// How a generated document is degraded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Condition {
    /// Its name in the table.
    pub name: &'static str,
    /// Largest rotation, degrees either way.
    pub rotation: f32,
    /// Smallest rotation, degrees either way.
    pub rotation_min: f32,
    /// Corner displacement for perspective, as a share of the card's size.
    pub perspective: f32,
    /// Gaussian blur sigma in pixels of the final image.
    pub blur: f32,
    /// JPEG quality; 0 keeps it lossless.
    pub jpeg_quality: u8,
    /// Standard deviation of pixel noise.
    pub noise: f32,
    /// Card width as a share of the picture width.
    pub card_share: f32,
    /// Turned upside down.
    pub upside_down: bool,
    /// Mirrored.
    pub mirrored: bool,
    /// Delivered as grayscale.
    pub grayscale: bool,
    /// Photographed off a screen: a moiré of the display's pixel grid, a blue cast and
    /// lowered contrast.
    pub screen: bool,
}

impl Condition {
    const BASE: Self = Self {
        name: "clean",
        rotation: 1.0,
        rotation_min: 0.0,
        perspective: 0.0,
        blur: 0.0,
        jpeg_quality: 0,
        noise: 0.0,
        card_share: 0.8,
        upside_down: false,
        mirrored: false,
        grayscale: false,
        screen: false,
    };
}

/// The conditions of the generated part, easiest first.
pub fn conditions() -> Vec<Condition> {
    let base = Condition::BASE;
    vec![
        base,
        Condition {
            name: "rotated 5°",
            rotation: 5.0,
            ..base
        },
        Condition {
            name: "rotated 10°",
            rotation: 10.0,
            ..base
        },
        Condition {
            name: "perspective 8%",
            rotation: 4.0,
            perspective: 0.08,
            ..base
        },
        Condition {
            name: "blur 1.2px",
            blur: 1.2,
            ..base
        },
        Condition {
            name: "jpeg q25",
            jpeg_quality: 25,
            ..base
        },
        Condition {
            name: "noise 20",
            noise: 20.0,
            ..base
        },
        Condition {
            name: "small (card 45%)",
            card_share: 0.45,
            ..base
        },
        Condition {
            name: "upside down",
            upside_down: true,
            ..base
        },
        Condition {
            name: "mirrored",
            mirrored: true,
            ..base
        },
        Condition {
            name: "grayscale",
            grayscale: true,
            ..base
        },
        Condition {
            name: "photo of a screen",
            rotation: 4.0,
            blur: 0.7,
            jpeg_quality: 70,
            screen: true,
            ..base
        },
        Condition {
            name: "phone photo",
            rotation: 8.0,
            perspective: 0.06,
            blur: 0.8,
            jpeg_quality: 60,
            noise: 8.0,
            card_share: 0.7,
            ..base
        },
    ]
}

/// Runs the evaluation: the fixture images under `fixtures` (the shared fixtures folder,
/// holding `mrz/images` and `kyc_e2e`), then `generated` documents per condition from
/// `seed`.
pub fn evaluate_mrz(
    engines: &Engines,
    fixtures: Option<&Path>,
    generated: usize,
    seed: u64,
) -> MrzEvaluation {
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    if let Some(directory) = fixtures {
        let mut documents = Vec::new();
        for (file, truth) in fixture_truths(directory) {
            match std::fs::read(&file)
                .map_err(|error| error.to_string())
                .and_then(|bytes| Picture::decode(&bytes).map_err(|error| error.to_string()))
            {
                Ok(picture) => documents.push((picture, truth)),
                Err(error) => notes.push(format!("{}: {error}", file.display())),
            }
        }
        if !documents.is_empty() {
            rows.push(measure(engines, "fixtures", &documents));
        }
    }
    if generated > 0 {
        match Generator::new(seed) {
            Ok(mut generator) => {
                for condition in conditions() {
                    let documents: Vec<(Picture, Truth)> = (0..generated)
                        .map(|_| generator.document(&condition))
                        .collect();
                    rows.push(measure(engines, condition.name, &documents));
                }
            }
            Err(error) => notes.push(error),
        }
    }
    MrzEvaluation { rows, notes }
}

fn measure(engines: &Engines, condition: &str, documents: &[(Picture, Truth)]) -> ConditionRow {
    let mut read = 0;
    let mut fields_right = 0;
    let mut names_exact = 0;
    let mut times = Vec::new();
    let mut failures = Vec::new();
    for (picture, truth) in documents {
        let started = Instant::now();
        let outcome = engines.read_mrz(picture);
        times.push(started.elapsed());
        let zone = match outcome {
            MrzOutcome::Read(zone) => zone,
            other => {
                if failures.len() < MAX_FAILURES_KEPT {
                    failures.push(format!("{other:?}; truth {}", truth.lines.join(" / ")));
                }
                continue;
            }
        };
        if zone
            .fields
            .iter()
            .all(|field| field.cover != crate::mrz_read::CheckDigitCover::Failed)
        {
            read += 1;
        }
        let right = |name: &str| field_matches(&zone, truth, name);
        let matching = COMPARED.iter().filter(|name| right(name)).count();
        fields_right += matching;
        if matching < COMPARED.len() && failures.len() < MAX_FAILURES_KEPT {
            failures.push(format!(
                "read {} for truth {}",
                zone.text.replace('\n', " / "),
                truth.lines.join(" / ")
            ));
        }
        if right("surname") && right("given_names") {
            names_exact += 1;
        }
    }
    times.sort();
    let count = documents.len().max(1);
    ConditionRow {
        condition: condition.to_owned(),
        documents: documents.len(),
        read,
        field_accuracy: fields_right as f64 / (count * COMPARED.len()) as f64,
        names_exact: names_exact as f64 / count as f64,
        median: times.get(times.len() / 2).copied().unwrap_or_default(),
        failures,
    }
}

fn field_matches(zone: &MrzRead, truth: &Truth, name: &str) -> bool {
    let expected = truth.fields.iter().find(|(field, _)| *field == name);
    let got = zone.fields.iter().find(|field| field.field == name);
    matches!((expected, got), (Some((_, expected)), Some(got)) if *expected == got.value)
}

/// The fixture images with the ICAO Utopia specimen data they show.
pub fn fixture_truths(directory: &Path) -> Vec<(PathBuf, Truth)> {
    let utopia = |number: &str, birth: &str, expiry: &str, nationality: &str, sex: &str| {
        vec![
            ("document_number", number.to_owned()),
            ("date_of_birth", birth.to_owned()),
            ("date_of_expiry", expiry.to_owned()),
            ("nationality", nationality.to_owned()),
            ("issuing_state", "UTO".to_owned()),
            ("sex", sex.to_owned()),
            ("surname", "ERIKSSON".to_owned()),
            ("given_names", "ANNA MARIA".to_owned()),
        ]
    };
    let card = utopia("D23145890", "740812", "120415", "UTO", "F");
    let passport = utopia("L898902C3", "740812", "120415", "UTO", "F");
    let visa = utopia("L8988901C", "400907", "961210", "XXX", "F");
    let mut out = Vec::new();
    for suffix in ["", "_noisy"] {
        for (name, fields) in [
            ("td1", &card),
            ("td2", &card),
            ("td3", &passport),
            ("mrva", &visa),
        ] {
            out.push((
                directory.join(format!("mrz/images/{name}_utopia{suffix}.png")),
                Truth {
                    lines: Vec::new(),
                    fields: fields.clone(),
                },
            ));
        }
    }
    out.push((
        directory.join("kyc_e2e/synthetic_td1_card_portrait_paul_rudd_1.jpg"),
        Truth {
            lines: Vec::new(),
            fields: card,
        },
    ));
    out
}

/// A small deterministic generator (xorshift64*): the evaluation needs repeatable
/// randomness, not quality randomness.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded; a zero seed is moved off zero (xorshift's fixed point).
    pub fn new(seed: u64) -> Self {
        Self((seed ^ 0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound.max(1) as u64) as usize
    }

    /// Uniform in `low..high`.
    pub fn range(&mut self, low: f32, high: f32) -> f32 {
        let unit = (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
        low + (high - low) * unit
    }

    /// One of the items.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Roughly normal, mean 0 and deviation 1 (sum of uniforms).
    pub fn normal(&mut self) -> f32 {
        (0..4).map(|_| self.range(-1.0, 1.0)).sum::<f32>() * 0.866
    }
}

const SURNAMES: &[&str] = &[
    "ERIKSSON",
    "MUSTERMANN",
    "SMITH",
    "NGUYEN",
    "GARCIA",
    "OKAFOR",
    "KOWALSKA",
    "DUBOIS",
    "ROSSI",
    "TANAKA",
    "OLSEN",
    "DE LA CRUZ",
    "MCALLISTER",
    "ABDULLAH",
    "PETROV",
    "SILVA",
];
const GIVEN_NAMES: &[&str] = &[
    "ANNA", "MARIA", "JOHN", "PETER", "LINH", "CHIOMA", "OLIVIER", "GIULIA", "HIROSHI", "INGRID",
    "AHMED", "YELENA", "JOAO", "GRACE", "WILLIAM", "SOFIA", "MEI",
];
const STATES: &[&str] = &[
    "UTO", "D", "GBR", "FRA", "NLD", "ITA", "ESP", "USA", "CAN", "JPN", "NGA", "POL", "SWE",
];
const DECOY_WORDS: &[&str] = &[
    "IDENTITY",
    "CARD",
    "PASSPORT",
    "SURNAME",
    "GIVEN",
    "NAMES",
    "NATIONALITY",
    "DATE",
    "OF",
    "BIRTH",
    "EXPIRY",
    "SEX",
    "SPECIMEN",
    "AUTHORITY",
    "SIGNATURE",
    "PLACE",
    "ISSUE",
];

/// ICAO 9303 check digit, 7-3-1 weights, `<` as 0, letters from 10.
pub fn check_digit(field: &str) -> char {
    let sum: u32 = field
        .bytes()
        .enumerate()
        .map(|(index, byte)| {
            let value = match byte {
                b'0'..=b'9' => u32::from(byte - b'0'),
                b'A'..=b'Z' => u32::from(byte - b'A') + 10,
                _ => 0,
            };
            value * [7, 3, 1][index % 3]
        })
        .sum();
    char::from(b'0' + (sum % 10) as u8)
}

/// Renders generated documents.
pub struct Generator {
    rng: Rng,
    font: FontVec,
}

impl fmt::Debug for Generator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Generator").field("rng", &self.rng).finish()
    }
}

impl Generator {
    /// Loads the OCR-B font; the error says why it cannot.
    pub fn new(seed: u64) -> Result<Self, String> {
        let bytes = std::fs::read(OCR_B_FONT)
            .map_err(|error| format!("{OCR_B_FONT}: {error} (install fonts-ocr-b)"))?;
        let font =
            FontVec::try_from_vec(bytes).map_err(|error| format!("{OCR_B_FONT}: {error}"))?;
        Ok(Self {
            rng: Rng::new(seed),
            font,
        })
    }

    /// Random but valid MRZ data in one of TD1, TD2 or TD3.
    pub fn truth(&mut self) -> Truth {
        let rng = &mut self.rng;
        let surname = (*rng.pick(SURNAMES)).to_owned();
        let given = if rng.below(2) == 0 {
            (*rng.pick(GIVEN_NAMES)).to_owned()
        } else {
            format!("{} {}", rng.pick(GIVEN_NAMES), rng.pick(GIVEN_NAMES))
        };
        let state = (*rng.pick(STATES)).to_owned();
        let nationality = (*rng.pick(STATES)).to_owned();
        let alphanumeric = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        let letters = 1 + rng.below(2);
        let number: String = (0..9)
            .map(|index| {
                if index < letters {
                    char::from(alphanumeric[rng.below(26)])
                } else {
                    char::from(b'0' + rng.below(10) as u8)
                }
            })
            .collect();
        let date = |rng: &mut Rng, years: std::ops::Range<usize>| {
            format!(
                "{:02}{:02}{:02}",
                years.start + rng.below(years.end - years.start),
                1 + rng.below(12),
                1 + rng.below(28)
            )
        };
        let birth = date(rng, 40..99);
        let expiry = date(rng, 27..35);
        let sex = *rng.pick(&["M", "F", "<"]);
        let name_field = |width: usize| {
            let encode = |text: &str| text.replace(' ', "<");
            let mut field = format!("{}<<{}", encode(&surname), encode(&given));
            field.truncate(width);
            format!("{field:<<width$}")
        };
        let pad = |text: &str, width: usize| format!("{text:<<width$}");
        let format = rng.below(3);
        let lines = match format {
            0 => {
                let line1 = pad(
                    &format!("I<{}{number}{}", pad(&state, 3), check_digit(&number)),
                    30,
                );
                let line2_head = format!(
                    "{birth}{}{sex}{expiry}{}{}",
                    check_digit(&birth),
                    check_digit(&expiry),
                    pad(&nationality, 3)
                );
                let line2_body = pad(&line2_head, 29);
                let composite = format!(
                    "{}{}{}{}",
                    &line1[5..30],
                    &line2_body[0..7],
                    &line2_body[8..15],
                    &line2_body[18..29]
                );
                let line2 = format!("{line2_body}{}", check_digit(&composite));
                vec![line1, line2, name_field(30)]
            }
            _ => {
                let (width, code) = if format == 1 { (36, "I<") } else { (44, "P<") };
                let line1 = format!("{code}{}{}", pad(&state, 3), name_field(width - 5));
                let optional_width = if width == 36 { 7 } else { 14 };
                let optional = pad("", optional_width);
                let mut line2 = format!(
                    "{number}{}{}{birth}{}{sex}{expiry}{}{optional}",
                    check_digit(&number),
                    pad(&nationality, 3),
                    check_digit(&birth),
                    check_digit(&expiry),
                );
                if width == 44 {
                    line2.push(check_digit(&optional));
                }
                let composite = format!("{}{}{}", &line2[0..10], &line2[13..20], &line2[21..]);
                line2.push(check_digit(&composite));
                vec![line1, line2]
            }
        };
        let fields = vec![
            ("document_number", number),
            ("date_of_birth", birth),
            ("date_of_expiry", expiry),
            ("nationality", nationality),
            ("issuing_state", state),
            ("sex", sex.trim_matches('<').to_owned()),
            ("surname", surname.clone()),
            ("given_names", given),
        ];
        // A name cut by the field's width is compared as printed.
        let mut truth = Truth { lines, fields };
        let printed = if truth.lines.len() == 3 {
            truth.lines[2].clone()
        } else {
            truth.lines[0][5..].to_owned()
        };
        let (printed_surname, printed_given) = printed.split_once("<<").unwrap_or((&printed, ""));
        let words = |text: &str| {
            text.split('<')
                .filter(|word| !word.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        };
        for (name, value) in &mut truth.fields {
            match *name {
                "surname" => *value = words(printed_surname),
                "given_names" => *value = words(printed_given),
                _ => {}
            }
        }
        truth
    }

    /// One document photographed under `condition`.
    pub fn document(&mut self, condition: &Condition) -> (Picture, Truth) {
        let truth = self.truth();
        let card = self.card(&truth.lines);
        let mut photo = self.photograph(&card, condition);
        if condition.upside_down {
            photo = image::imageops::rotate180(&photo);
        }
        if condition.mirrored {
            photo = image::imageops::flip_horizontal(&photo);
        }
        if condition.screen {
            // Two gratings a little off each other's angle beat into broad moiré bands.
            let angle = self.rng.range(0.05, 0.3);
            let period = self.rng.range(2.5, 4.0);
            for (x, y, pixel) in photo.enumerate_pixels_mut() {
                let (x, y) = (x as f32, y as f32);
                let grid =
                    (x / period).sin() * ((x * angle.sin() + y * angle.cos()) / period).sin();
                let [red, green, blue] = pixel.0.map(f32::from);
                let shade = |value: f32, cast: f32| {
                    (40.0 + value * 0.7 + cast + grid * 22.0).clamp(0.0, 255.0) as u8
                };
                pixel.0 = [shade(red, -10.0), shade(green, 0.0), shade(blue, 15.0)];
            }
        }
        if condition.blur > 0.0 {
            photo = imageproc::filter::gaussian_blur_f32(&photo, condition.blur);
        }
        if condition.noise > 0.0 {
            for pixel in photo.pixels_mut() {
                let shift = self.rng.normal() * condition.noise;
                for channel in &mut pixel.0 {
                    *channel = (f32::from(*channel) + shift).clamp(0.0, 255.0) as u8;
                }
            }
        }
        if condition.grayscale {
            let gray = DynamicImage::ImageRgb8(photo).to_luma8();
            photo = DynamicImage::ImageLuma8(gray).to_rgb8();
        }
        if condition.jpeg_quality > 0 {
            let mut bytes = Vec::new();
            let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(
                &mut bytes,
                condition.jpeg_quality,
            );
            if photo.write_with_encoder(encoder).is_ok()
                && let Ok(picture) = Picture::decode(&bytes)
            {
                return (picture, truth);
            }
        }
        (Picture::from_rgb(photo), truth)
    }

    /// A card: textured background, decoy text and a portrait block, the zone near the
    /// bottom with random margins.
    fn card(&mut self, lines: &[String]) -> RgbImage {
        let rng = &mut self.rng;
        let width = 900 + rng.below(500) as u32;
        let height = (width as f32 * rng.range(0.6, 0.72)) as u32;
        let base = [
            200 + rng.below(50) as u8,
            200 + rng.below(50) as u8,
            190 + rng.below(60) as u8,
        ];
        let mut card = RgbImage::new(width, height);
        let (fx, fy) = (rng.range(0.01, 0.05), rng.range(0.01, 0.05));
        let (phase_x, phase_y) = (rng.range(0.0, 6.0), rng.range(0.0, 6.0));
        let slope = rng.range(-30.0, 30.0);
        for (x, y, pixel) in card.enumerate_pixels_mut() {
            let wave = ((x as f32 * fx + phase_x).sin() + (y as f32 * fy + phase_y).cos()) * 6.0;
            let gradient = slope * (x as f32 / width as f32 - 0.5);
            let shade = wave + gradient;
            *pixel = Rgb(base.map(|c| (f32::from(c) + shade).clamp(0.0, 255.0) as u8));
        }
        // The zone: the font size that makes the line fill 80-92% of the card's width.
        let longest = lines.iter().map(String::len).max().unwrap_or(30);
        let advance = self
            .font
            .as_scaled(PxScale::from(100.0))
            .h_advance(self.font.glyph_id('<'))
            / 100.0;
        let share = rng.range(0.8, 0.92);
        let size = width as f32 * share / (longest as f32 * advance);
        let pitch = size * rng.range(1.3, 1.6);
        let left = rng.range(0.02, (1.0 - share).max(0.03) * 0.9) * width as f32;
        let bottom_margin = rng.range(0.03, 0.08) * height as f32;
        let top = height as f32 - bottom_margin - pitch * lines.len() as f32;
        let ink = Rgb([10 + rng.below(40) as u8, 10 + rng.below(30) as u8, 20]);
        // The portrait: a dark block above the zone, which no MRZ finder may take for text.
        let portrait_top = (height / 8) as f32;
        let portrait_height = (width as f32 * 0.3).min(top - pitch * 0.6 - portrait_top);
        if portrait_height > 20.0 {
            let portrait = imageproc::rect::Rect::at(
                (width / 20) as i32 + rng.below(20) as i32,
                portrait_top as i32,
            )
            .of_size((portrait_height * 0.8) as u32, portrait_height as u32);
            imageproc::drawing::draw_filled_rect_mut(
                &mut card,
                portrait,
                Rgb([60 + rng.below(60) as u8, 50, 50]),
            );
        }
        // Decoy text between the portrait and the zone, smaller and shorter.
        let decoy_size = size * rng.range(0.55, 0.8);
        let mut y = height as f32 / 8.0;
        while y + decoy_size * 2.0 < top - pitch * 0.5 {
            let words: Vec<&str> = (0..2 + rng.below(3))
                .map(|_| *rng.pick(DECOY_WORDS))
                .collect();
            imageproc::drawing::draw_text_mut(
                &mut card,
                Rgb([70, 70, 80]),
                (width / 3) as i32,
                y as i32,
                PxScale::from(decoy_size),
                &self.font,
                &words.join(" "),
            );
            y += decoy_size * 1.8;
        }
        for (index, line) in lines.iter().enumerate() {
            imageproc::drawing::draw_text_mut(
                &mut card,
                ink,
                left as i32,
                (top + pitch * index as f32) as i32,
                PxScale::from(size),
                &self.font,
                line,
            );
        }
        card
    }

    /// The card on a textured table, rotated and seen in perspective.
    fn photograph(&mut self, card: &RgbImage, condition: &Condition) -> RgbImage {
        let rng = &mut self.rng;
        let (card_width, card_height) = card.dimensions();
        let photo_width = (card_width as f32 / condition.card_share) as u32;
        let photo_height = (photo_width as f32 * rng.range(0.7, 0.8)) as u32;
        let table = [
            60 + rng.below(120) as u8,
            50 + rng.below(100) as u8,
            40 + rng.below(80) as u8,
        ];
        let mut photo = RgbImage::new(photo_width, photo_height);
        for (x, y, pixel) in photo.enumerate_pixels_mut() {
            let grain = ((x / 3 + y * 7) % 13) as f32 + ((x as f32 * 0.05).sin() * 10.0);
            *pixel = Rgb(table.map(|c| (f32::from(c) + grain).clamp(0.0, 255.0) as u8));
        }
        // Where the card's corners land: a random place, a random turn, corner jitter.
        let sign = if rng.below(2) == 0 { -1.0 } else { 1.0 };
        let magnitude = rng.range(
            condition.rotation_min,
            condition.rotation.max(condition.rotation_min),
        );
        let angle = (sign * magnitude).to_radians();
        let scale = rng.range(0.92, 1.0);
        let (w, h) = (card_width as f32 * scale, card_height as f32 * scale);
        let slack_x = (photo_width as f32 - w).max(0.0);
        let slack_y = (photo_height as f32 - h).max(0.0);
        let centre = (
            w / 2.0 + rng.range(0.1, 0.9) * slack_x,
            h / 2.0 + rng.range(0.1, 0.9) * slack_y,
        );
        let corners = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
        let (cos, sin) = (angle.cos(), angle.sin());
        let jitter = condition.perspective * w;
        let mut to = [(0.0f32, 0.0f32); 4];
        for (target, (x, y)) in to.iter_mut().zip(corners) {
            let (dx, dy) = (x - w / 2.0, y - h / 2.0);
            *target = (
                centre.0 + dx * cos - dy * sin + rng.range(-jitter, jitter),
                centre.1 + dx * sin + dy * cos + rng.range(-jitter, jitter),
            );
        }
        let from = [
            (0.0, 0.0),
            (card_width as f32, 0.0),
            (card_width as f32, card_height as f32),
            (0.0, card_height as f32),
        ];
        let Some(projection) = Projection::from_control_points(from, to) else {
            return photo;
        };
        // Card and mask on a canvas the photo's size, warped together.
        let mut canvas = RgbImage::new(photo_width.max(card_width), photo_height.max(card_height));
        image::imageops::replace(&mut canvas, card, 0, 0);
        let mut mask = GrayImage::new(canvas.width(), canvas.height());
        imageproc::drawing::draw_filled_rect_mut(
            &mut mask,
            imageproc::rect::Rect::at(0, 0).of_size(card_width, card_height),
            Luma([255]),
        );
        let warped = warp(
            &canvas,
            &projection,
            Interpolation::Bilinear,
            Rgb([0, 0, 0]),
        );
        let warped_mask = warp(&mask, &projection, Interpolation::Bilinear, Luma([0]));
        for (x, y, pixel) in photo.enumerate_pixels_mut() {
            let alpha = f32::from(warped_mask.get_pixel(x, y).0[0]) / 255.0;
            if alpha > 0.0 {
                let card_pixel = warped.get_pixel(x, y).0;
                for (channel, card_channel) in pixel.0.iter_mut().zip(card_pixel) {
                    *channel = (f32::from(*channel) * (1.0 - alpha)
                        + f32::from(card_channel) * alpha) as u8;
                }
            }
        }
        photo
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> time::Date {
        time::Date::from_calendar_date(2026, time::Month::December, 6).expect("a date")
    }

    #[test]
    fn generated_zones_carry_valid_check_digits() {
        let Ok(mut generator) = Generator::new(7) else {
            eprintln!("skipped: no OCR-B font");
            return;
        };
        for _ in 0..30 {
            let truth = generator.truth();
            let text = truth.lines.join("\n");
            let parsed = kycore_checks::mrz::parse(&text, today())
                .unwrap_or_else(|error| panic!("{text}: {error}"));
            assert!(parsed.check_digits.all_verified(), "{text}");
        }
    }

    #[test]
    fn the_generator_is_deterministic() {
        let (Ok(mut a), Ok(mut b)) = (Generator::new(3), Generator::new(3)) else {
            return;
        };
        assert_eq!(a.truth(), b.truth());
        assert_eq!(Rng::new(1).next_u64(), Rng::new(1).next_u64());
    }
}
