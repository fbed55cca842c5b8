//! The face evaluation `kycore documents eval` prints: every pair of the shared face fixtures
//! and the synthetic ID card's portrait against each of them, with their distances, whether
//! they are the same person, the margin the threshold sits in and the accuracy at
//! [`MATCH_THRESHOLD`]. Eight pictures are no benchmark of the model (dlib reports 99.38 % on
//! LFW); the evaluation shows that this build, its BLAS and this pipeline reproduce the
//! distances measured when the threshold was chosen.

use std::fmt;
use std::path::Path;
use std::time::Instant;

use crate::face::{self, Face, FaceBox, FaceOutcome, FaceSource, MATCH_THRESHOLD};
use crate::{Engines, Picture};

/// The face fixtures, in the faces directory; the selfies of the evaluation.
pub const FACE_FIXTURES: [&str; 6] = [
    "paul_rudd_1.jpg",
    "paul_rudd_2.jpg",
    "chris_pratt.jpg",
    "codait_bryan.png",
    "codait_luciano.png",
    "nasa_eileen_collins.png",
];

/// The synthetic ID card whose portrait is `paul_rudd_1.jpg`, relative to the faces directory.
pub const CARD_FIXTURE: &str = "../kyc_e2e/synthetic_td1_card_portrait_paul_rudd_1.jpg";

/// The pictures showing one person, Paul Rudd; every other pair is of two people.
const SAME_PERSON: [&str; 3] = ["paul_rudd_1.jpg", "paul_rudd_2.jpg", CARD_FIXTURE];

/// One picture of the evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluatedImage {
    /// Its name, relative to the faces directory.
    pub name: String,
    /// Looked at as a document or a selfie.
    pub source: FaceSource,
    /// The outcome's code (`face_found`, `no_face`…) or `unreadable: …`.
    pub outcome: String,
    /// Where the face was found.
    pub bounds: Option<FaceBox>,
    /// Detection and embedding, in milliseconds.
    pub millis: f64,
}

/// One pair of faces.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluatedPair {
    /// The first picture's name.
    pub a: String,
    /// The second picture's name.
    pub b: String,
    /// The truth: the same person.
    pub same_person: bool,
    /// Their embeddings' distance.
    pub distance: f64,
}

impl EvaluatedPair {
    /// Whether the threshold decides this pair rightly.
    pub fn correct(&self) -> bool {
        (self.distance < MATCH_THRESHOLD) == self.same_person
    }
}

/// The evaluation's result; its `Display` is the table the CLI prints.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceEvaluation {
    /// The threshold the decisions are made at.
    pub threshold: f64,
    /// Every picture and what was found in it.
    pub images: Vec<EvaluatedImage>,
    /// Every pair of pictures in which a face was found.
    pub pairs: Vec<EvaluatedPair>,
}

impl FaceEvaluation {
    /// The largest distance between two pictures of the same person.
    pub fn largest_same(&self) -> Option<f64> {
        self.distances(true).reduce(f64::max)
    }

    /// The smallest distance between two different people.
    pub fn smallest_different(&self) -> Option<f64> {
        self.distances(false).reduce(f64::min)
    }

    /// The gap between the two: positive when one threshold separates every pair.
    pub fn margin(&self) -> Option<f64> {
        Some(self.smallest_different()? - self.largest_same()?)
    }

    /// The share of pairs the threshold decides rightly.
    pub fn accuracy(&self) -> Option<f64> {
        if self.pairs.is_empty() {
            return None;
        }
        let correct = self.pairs.iter().filter(|pair| pair.correct()).count();
        Some(correct as f64 / self.pairs.len() as f64)
    }

    /// A face was found in every picture and every pair is decided rightly.
    pub fn passed(&self) -> bool {
        self.images.iter().all(|image| image.bounds.is_some())
            && !self.pairs.is_empty()
            && self.pairs.iter().all(EvaluatedPair::correct)
    }

    fn distances(&self, same_person: bool) -> impl Iterator<Item = f64> + '_ {
        self.pairs
            .iter()
            .filter(move |pair| pair.same_person == same_person)
            .map(|pair| pair.distance)
    }
}

/// Runs the evaluation on the fixtures in `faces_directory` (the shared
/// `fixtures/faces`; the card is looked for at [`CARD_FIXTURE`] beside it).
pub fn evaluate_faces(engines: &Engines, faces_directory: &Path) -> FaceEvaluation {
    let pictures = FACE_FIXTURES
        .iter()
        .map(|name| (*name, FaceSource::Selfie))
        .chain([(CARD_FIXTURE, FaceSource::Document)]);
    let mut images = Vec::new();
    let mut faces: Vec<(&str, Face)> = Vec::new();
    for (name, source) in pictures {
        let started = Instant::now();
        let outcome = std::fs::read(faces_directory.join(name))
            .map_err(|error| error.to_string())
            .and_then(|file| Picture::decode(&file).map_err(|error| error.to_string()))
            .map(|picture| engines.find_face(&picture, source));
        let millis = started.elapsed().as_secs_f64() * 1_000.0;
        let (outcome, bounds) = match outcome {
            Ok(FaceOutcome::Found(face)) => {
                let bounds = face.bounds;
                faces.push((name, face));
                ("face_found".to_owned(), Some(bounds))
            }
            Ok(other) => (other.code().to_owned(), None),
            Err(reason) => (format!("unreadable: {reason}"), None),
        };
        images.push(EvaluatedImage {
            name: name.to_owned(),
            source,
            outcome,
            bounds,
            millis,
        });
    }
    let mut pairs = Vec::new();
    for (i, (a, face_a)) in faces.iter().enumerate() {
        for (b, face_b) in &faces[i + 1..] {
            pairs.push(EvaluatedPair {
                a: (*a).to_owned(),
                b: (*b).to_owned(),
                same_person: SAME_PERSON.contains(a) && SAME_PERSON.contains(b),
                distance: face::distance(face_a, face_b),
            });
        }
    }
    FaceEvaluation {
        threshold: MATCH_THRESHOLD,
        images,
        pairs,
    }
}

impl fmt::Display for FaceEvaluation {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let short = |name: &str| name.rsplit('/').next().unwrap_or(name).to_owned();
        writeln!(
            out,
            "Faces (dlib HOG + 5-point landmarks + ResNet embedding)"
        )?;
        writeln!(
            out,
            "{:<44} {:<8} {:<12} {:>18} {:>8}",
            "picture", "as", "outcome", "box (l,t,w,h)", "ms"
        )?;
        for image in &self.images {
            let bounds = image
                .bounds
                .map(|b| format!("{},{},{},{}", b.left, b.top, b.width, b.height))
                .unwrap_or_else(|| "-".to_owned());
            let source = match image.source {
                FaceSource::Document => "document",
                FaceSource::Selfie => "selfie",
            };
            writeln!(
                out,
                "{:<44} {:<8} {:<12} {:>18} {:>8.1}",
                short(&image.name),
                source,
                image.outcome,
                bounds,
                image.millis
            )?;
        }
        writeln!(out)?;
        writeln!(
            out,
            "{:<44} {:<44} {:>8} {:<9} decided",
            "pair", "", "distance", "truth"
        )?;
        for pair in &self.pairs {
            writeln!(
                out,
                "{:<44} {:<44} {:>8.3} {:<9} {}",
                short(&pair.a),
                short(&pair.b),
                pair.distance,
                if pair.same_person {
                    "same"
                } else {
                    "different"
                },
                if pair.correct() { "right" } else { "WRONG" }
            )?;
        }
        writeln!(out)?;
        let figure = |value: Option<f64>| {
            value
                .map(|value| format!("{value:.3}"))
                .unwrap_or_else(|| "-".to_owned())
        };
        writeln!(
            out,
            "threshold {:.2}; largest same-person distance {}, smallest different-person \
             distance {}, margin {}",
            self.threshold,
            figure(self.largest_same()),
            figure(self.smallest_different()),
            figure(self.margin())
        )?;
        let correct = self.pairs.iter().filter(|pair| pair.correct()).count();
        write!(
            out,
            "accuracy at the threshold: {correct}/{} pairs ({})",
            self.pairs.len(),
            self.accuracy()
                .map(|accuracy| format!("{:.1} %", accuracy * 100.0))
                .unwrap_or_else(|| "no pairs".to_owned())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixtures_are_all_decided_rightly_with_a_margin() {
        let Some(engines) = crate::testing::engines() else {
            return;
        };
        let faces =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/fixtures/faces");
        let evaluation = evaluate_faces(engines, &faces);
        let table = evaluation.to_string();
        eprintln!("{table}");
        assert!(evaluation.passed(), "{table}");
        // 7 pictures: 21 pairs, 3 of them the same person.
        assert_eq!(evaluation.pairs.len(), 21, "{table}");
        assert_eq!(
            evaluation
                .pairs
                .iter()
                .filter(|pair| pair.same_person)
                .count(),
            3
        );
        assert_eq!(evaluation.accuracy(), Some(1.0));
        let margin = evaluation.margin().expect("both kinds of pair");
        assert!(margin > 0.1, "{table}");
        assert!(
            table.contains("accuracy at the threshold: 21/21"),
            "{table}"
        );
    }

    #[test]
    fn missing_pictures_are_reported_not_fatal() {
        let evaluation = evaluate_faces(&Engines::none(), Path::new("/nonexistent"));
        assert_eq!(evaluation.images.len(), 7);
        assert!(
            evaluation
                .images
                .iter()
                .all(|image| image.outcome.starts_with("unreadable"))
        );
        assert!(!evaluation.passed());
        assert_eq!(evaluation.accuracy(), None);
        assert!(evaluation.to_string().contains("no pairs"));
    }
}
