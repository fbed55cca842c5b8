//! Face match and barcode read times, and the memory the face models take.
//!
//! `cargo bench -p kycore-vision --bench face` (release build). Everything runs on the calling
//! thread, one picture after another; run it under `taskset -c 0` to hold it to one core
//! (OpenBLAS may otherwise start threads of its own for the embedding network).
//!
//! A face match per document is what a verification costs: find and embed the document's
//! portrait, find and embed the selfie, compute the distance. It is timed on the fixtures as
//! they are and on the same pictures scaled up to phone-camera size, where the detector's
//! bounded copy matters.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use image::{GrayImage, Luma, RgbImage};
use kycore_vision::face::{self, FaceMatcher, FaceOutcome, FaceSource};
use kycore_vision::{Picture, barcode, models};
use rxing::pdf417::PDF417Writer;
use rxing::{BarcodeFormat, EncodeHintValue, EncodeHints, Writer};

const ROUNDS: usize = 20;

fn main() {
    let directory = models::default_directory();
    let before = resident_kib();
    let started = Instant::now();
    let mut matcher = match FaceMatcher::load(&directory) {
        Ok(matcher) => matcher,
        Err(error) => {
            eprintln!("face models not loaded ({error}); run scripts/setup-models");
            std::process::exit(1);
        }
    };
    let load_time = started.elapsed();
    let after = resident_kib();
    println!(
        "face models: loaded in {:.0} ms; resident memory {:.1} MB before, {:.1} MB after: \
         {:.1} MB for one handle",
        millis(load_time),
        mb(before),
        mb(after),
        mb(after.saturating_sub(before))
    );

    let card = picture("kyc_e2e/synthetic_td1_card_portrait_paul_rudd_1.jpg");
    let selfie = picture("faces/paul_rudd_2.jpg");
    bench_match(&mut matcher, "fixtures as they are", &card, &selfie);
    // A phone photo of the card fills 2,400 px (Picture's working size); a selfie 1,600×2,400.
    let big_card = scaled(&card, 2_400);
    let big_selfie = scaled(&selfie, 2_400);
    let name = format!(
        "phone size (card {}×{}, selfie {}×{})",
        big_card.rgb().width(),
        big_card.rgb().height(),
        big_selfie.rgb().width(),
        big_selfie.rgb().height()
    );
    bench_match(&mut matcher, &name, &big_card, &big_selfie);
    let after_runs = resident_kib();
    println!(
        "resident memory after the runs: {:.1} MB (process total)",
        mb(after_runs)
    );

    bench_barcode();
}

fn bench_match(matcher: &mut FaceMatcher, name: &str, card: &Picture, selfie: &Picture) {
    let mut times = Vec::with_capacity(ROUNDS);
    let cpu_before = cpu_millis();
    let mut last = None;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let document = matcher.find(card, FaceSource::Document);
        let applicant = matcher.find(selfie, FaceSource::Selfie);
        let distance = match (&document, &applicant) {
            (FaceOutcome::Found(a), FaceOutcome::Found(b)) => face::distance(a, b),
            _ => {
                eprintln!("{name}: no face ({document:?} / {applicant:?})");
                std::process::exit(1);
            }
        };
        times.push(started.elapsed());
        last = Some(distance);
    }
    let cpu = (cpu_millis() - cpu_before) / ROUNDS as f64;
    println!(
        "face match per document, {name}: {}; CPU {cpu:.0} ms per match (distance {:.3})",
        summary(&mut times),
        last.unwrap_or_default()
    );
}

fn bench_barcode() {
    let text = "@\n\x1e\rANSI 636014090001DL00310157DLDAQD1234562\nDCSMUSTERFRAU\nDACERIKA\n\
                DADJOANNA\nDBD08292017\nDBB08311977\nDBA08312027\nDBC2\nDAU064 in\n\
                DAG2570 24TH STREET\nDAIANYTOWN\nDAJCA\nDAK958250000  \nDCGUSA\r";
    let symbol = pdf417(text, 3);
    let (width, height) = symbol.dimensions();
    // The symbol on a card photographed at 1,600 px, as the back of a licence would be.
    let mut photo = RgbImage::from_pixel(1_600, 1_000, image::Rgb([180, 170, 160]));
    for (x, y, pixel) in symbol.enumerate_pixels() {
        photo.put_pixel(
            x + (1_600 - width) / 2,
            y + (1_000 - height) / 2,
            image::Rgb([pixel[0]; 3]),
        );
    }
    let photo = Picture::from_rgb(photo);
    // The detector's worst case: texture everywhere at the working size, no symbol.
    let mut state = 0x2545_f491_u32;
    let noise = RgbImage::from_fn(2_400, 1_800, |_, _| {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        image::Rgb([(state >> 24) as u8; 3])
    });
    let cases = [
        ("barcode read, licence back 1600×1000", photo),
        (
            "barcode read, no barcode (selfie 512×761)",
            picture("faces/paul_rudd_2.jpg"),
        ),
        ("barcode read, noise 2400×1800", Picture::from_rgb(noise)),
    ];
    for (name, picture) in cases {
        let mut times = Vec::with_capacity(ROUNDS);
        let mut outcome = None;
        let cpu_before = cpu_millis();
        for _ in 0..ROUNDS {
            let started = Instant::now();
            outcome = Some(barcode::read(&picture));
            times.push(started.elapsed());
        }
        let found = match outcome {
            Some(barcode::BarcodeOutcome::Licence(_)) => "licence",
            Some(barcode::BarcodeOutcome::NotFound) => "not found",
            Some(barcode::BarcodeOutcome::Unparseable(_)) => "unparseable",
            None => "-",
        };
        let cpu = (cpu_millis() - cpu_before) / ROUNDS as f64;
        println!(
            "{name}: {}; CPU {cpu:.0} ms per read ({found})",
            summary(&mut times)
        );
    }
}

fn pdf417(text: &str, module: u32) -> GrayImage {
    let hints = EncodeHints::default().with(EncodeHintValue::Margin("0".to_owned()));
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

fn summary(times: &mut [Duration]) -> String {
    times.sort();
    let at = |share: f64| {
        let index = ((times.len() as f64 - 1.0) * share).round() as usize;
        millis(times[index])
    };
    format!(
        "median {:.1} ms, p95 {:.1} ms, max {:.1} ms over {} runs",
        at(0.5),
        at(0.95),
        at(1.0),
        times.len()
    )
}

fn picture(relative: &str) -> Picture {
    let path = fixtures().join(relative);
    let file = std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    Picture::decode(&file).expect("the fixture decodes")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/fixtures")
}

fn scaled(picture: &Picture, longest: u32) -> Picture {
    let (width, height) = picture.rgb().dimensions();
    let scale = f64::from(longest) / f64::from(width.max(height));
    let side = |value: u32| (f64::from(value) * scale).round() as u32;
    Picture::from_rgb(image::imageops::resize(
        picture.rgb(),
        side(width),
        side(height),
        image::imageops::FilterType::Triangle,
    ))
}

/// The CPU time of the whole process (every thread, user and system), in milliseconds: on a
/// shared machine the wall-clock times above include waits for the core, this does not.
/// /proc counts in clock ticks, 100 per second on Linux's usual configuration.
fn cpu_millis() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // The fields after the command name, which may itself hold spaces, in parentheses.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|field| field.parse::<f64>().ok())
            .unwrap_or_default()
    };
    // utime and stime are the 14th and 15th fields; 12th and 13th after the name.
    (ticks(11) + ticks(12)) * 10.0
}

/// The process's resident set (VmRSS), in KiB.
fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or_default()
}

fn mb(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}
