//! What the document engines read from an uploaded image — the MRZ, a licence's barcode, a
//! face — in the shape it is stored in (sealed JSON beside the document), and the three checks
//! that judge it: `mrz_ocr`, `barcode` and `face_match`. The engines themselves live in
//! `kycore-vision`; this module only decides, so it stays pure and testable without them.

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::Date;

use crate::checks::{CheckKind, CheckResult, CheckStatus};
use crate::mrz::{EnteredData, name_similarity};

/// Below this Euclidean distance between two face embeddings, the faces are taken to be the
/// same person: dlib's published operating point for its ResNet model (99.38 % on LFW).
pub const FACE_MATCH_THRESHOLD: f64 = 0.6;
/// A head turn the liveness heuristic accepts: the nose's sideways offset from the eyes'
/// midpoint, in eye distances, must change by at least this much between the two selfies.
/// The nose base sits about a third of the eye distance in front of the eyes, so the offset
/// is about `0.3 × tan(yaw)`: 0.1 is a turn of about 18°. A geometric estimate, not
/// calibrated on a data set.
pub const MIN_HEAD_TURN: f64 = 0.1;
/// Names read from a barcode at least this similar to the entered ones agree (OCR-free data,
/// but abbreviations and truncation to the card's field width happen).
const NAME_AGREEMENT: f64 = 0.85;

/// Everything read from one image; a part is `None` when it was not attempted (a PDF, a
/// selfie has no MRZ).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DocumentReading {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mrz: Option<MrzReading>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<BarcodeReading>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face: Option<FaceReading>,
}

/// The MRZ as read from an image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MrzReading {
    Read {
        /// The repaired lines joined by `\n`.
        text: String,
        /// Overall confidence in `0..=1` (the weakest field's).
        confidence: f64,
        fields: Vec<ReadField>,
        /// Characters the check-digit repair changed.
        corrections: u32,
        rotation_degrees: f32,
        mirrored: bool,
    },
    NotFound {
        reason: String,
    },
    NotAvailable {
        reason: String,
    },
}

/// One MRZ field as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReadField {
    pub field: String,
    pub value: String,
    pub confidence: f64,
    /// `verified`, `failed` or `not_covered` (no check digit covers it: names, nationality).
    pub check_digit: String,
}

/// A North American licence's PDF417 barcode as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum BarcodeReading {
    Licence(LicenceData),
    NotFound,
    Unparseable { reason: String },
}

/// The AAMVA fields kycore compares.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LicenceData {
    /// The issuer identification number (six digits, e.g. `636014` for California).
    pub issuer_id: String,
    /// `USA` or `CAN` where the barcode says (element DCG).
    pub country: Option<String>,
    /// Family name (DCS).
    pub family_name: String,
    /// Given names (DAC and DAD).
    pub given_names: String,
    /// Date of birth (DBB).
    #[serde(default, with = "crate::dates::iso_option")]
    pub date_of_birth: Option<Date>,
    /// Expiry (DBA).
    #[serde(default, with = "crate::dates::iso_option")]
    pub expiry: Option<Date>,
    /// Licence or ID number (DAQ).
    pub licence_number: String,
    /// Sex (DBC: 1 male, 2 female, 9 not specified).
    pub sex: Option<char>,
}

/// A face as found in an image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FaceReading {
    Found {
        /// `[left, top, width, height]` in the working picture's pixels.
        bounds: [u32; 4],
        /// The 128-value embedding.
        embedding: Vec<f32>,
        /// The head's sideways turn: the nose's offset from the eyes' midpoint, in eye
        /// distances; `None` when the landmarks could not tell.
        yaw: Option<f64>,
    },
    NoFace,
    SeveralFaces {
        count: usize,
    },
    NotAvailable {
        reason: String,
    },
}

/// The Euclidean distance between two embeddings (`None` if their lengths differ, which only
/// corrupt data gives).
pub fn embedding_distance(a: &[f32], b: &[f32]) -> Option<f64> {
    (a.len() == b.len() && !a.is_empty()).then(|| {
        a.iter()
            .zip(b)
            .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
            .sum::<f64>()
            .sqrt()
    })
}

/// The `mrz_ocr` check: whether the zone was read from the photo, how well, and whether it
/// agrees with a zone the applicant typed. `readings` are the checked document's uploads'
/// (any order); `mrz_expected` says whether the document type carries a zone at all.
pub fn mrz_ocr(readings: &[&MrzReading], typed: Option<&str>, mrz_expected: bool) -> CheckResult {
    let best = readings
        .iter()
        .filter_map(|reading| match reading {
            MrzReading::Read {
                text,
                confidence,
                fields,
                ..
            } => Some((text, *confidence, fields)),
            _ => None,
        })
        .max_by(|a, b| verified_first(a.2, b.2).then(a.1.total_cmp(&b.1)));
    if let Some((text, confidence, fields)) = best {
        return read_zone(text, confidence, fields, typed);
    }
    let not_available = !readings.is_empty()
        && readings
            .iter()
            .all(|r| matches!(r, MrzReading::NotAvailable { .. }));
    let result = json!({ "read": false, "confidence": null });
    if readings.is_empty() || not_available {
        let explanation = match readings.first() {
            Some(MrzReading::NotAvailable { reason }) => {
                format!("The MRZ could not be read from the photo here: {reason}.")
            }
            _ => "No photo of the document was read.".to_owned(),
        };
        let status = if not_available {
            CheckStatus::NotAvailable
        } else {
            CheckStatus::NotApplicable
        };
        return CheckResult::new(CheckKind::MrzOcr, status, None, result, explanation);
    }
    let reasons: Vec<&str> = readings
        .iter()
        .filter_map(|r| match r {
            MrzReading::NotFound { reason } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    let seen = reasons.join("; ");
    let (status, explanation) = match (mrz_expected, typed) {
        (false, _) => (
            CheckStatus::NotApplicable,
            format!("This document type carries no MRZ, and none was read ({seen})."),
        ),
        (true, Some(_)) => (
            CheckStatus::NeedsReview,
            format!(
                "The MRZ could not be read from the photo ({seen}); the applicant typed it, and nobody has compared the two."
            ),
        ),
        (true, None) => (
            CheckStatus::Failed,
            format!("The document's MRZ could not be read from the photo ({seen})."),
        ),
    };
    let result =
        json!({ "read": false, "confidence": null, "unreadable": mrz_expected && typed.is_none() });
    CheckResult::new(CheckKind::MrzOcr, status, None, result, explanation)
}

/// Orders readings whose every covered field verifies before those with a failed digit.
fn verified_first(a: &[ReadField], b: &[ReadField]) -> std::cmp::Ordering {
    let clean = |fields: &[ReadField]| !fields.iter().any(|f| f.check_digit == "failed");
    clean(a).cmp(&clean(b))
}

fn read_zone(
    text: &str,
    confidence: f64,
    fields: &[ReadField],
    typed: Option<&str>,
) -> CheckResult {
    let failed: Vec<&str> = fields
        .iter()
        .filter(|f| f.check_digit == "failed")
        .map(|f| f.field.as_str())
        .collect();
    let unverified: Vec<&str> = fields
        .iter()
        .filter(|f| f.check_digit == "not_covered")
        .map(|f| f.field.as_str())
        .collect();
    let differs_from_typed = typed.is_some_and(|typed| zone_key(typed) != zone_key(text));
    let result = json!({
        "read": true,
        "confidence": confidence,
        "fields": fields.iter().map(|f| json!({
            "field": f.field, "confidence": f.confidence, "check_digit": f.check_digit,
        })).collect::<Vec<_>>(),
        "failed_check_digits": failed,
        "not_covered_by_check_digits": unverified,
        "differs_from_typed": differs_from_typed,
    });
    let (status, explanation) = if differs_from_typed {
        (
            CheckStatus::NeedsReview,
            "The MRZ read from the photo differs from the one the applicant typed.".to_owned(),
        )
    } else if !failed.is_empty() {
        (
            CheckStatus::NeedsReview,
            format!(
                "The MRZ was read from the photo, but the check digits of {} do not verify.",
                failed.join(", ")
            ),
        )
    } else {
        (
            CheckStatus::Passed,
            format!(
                "The MRZ was read from the photo and every check digit verifies (confidence {confidence:.2}); no check digit covers {}.",
                unverified.join(", ")
            ),
        )
    };
    CheckResult::new(
        CheckKind::MrzOcr,
        status,
        Some(confidence),
        result,
        explanation,
    )
}

/// A zone as compared: its characters without whitespace.
fn zone_key(zone: &str) -> String {
    zone.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The `face_match` check: the selfie's face against the identity document's portrait, and,
/// when the applicant took a second selfie with the head turned, the heuristic liveness
/// comparison of the two selfies (same person, different pose). That comparison is a
/// heuristic against a printed photo held up once, not certified liveness.
pub fn face_match(
    portrait: Option<&FaceReading>,
    selfie: Option<&FaceReading>,
    turned: Option<&FaceReading>,
) -> CheckResult {
    let kind = CheckKind::FaceMatch;
    let (Some(portrait), Some(selfie)) = (portrait, selfie) else {
        return CheckResult::not_applicable(
            kind,
            "A face match needs both a photo of the identity document and a selfie.",
        );
    };
    if let Some(reason) = [portrait, selfie].into_iter().find_map(|f| match f {
        FaceReading::NotAvailable { reason } => Some(reason),
        _ => None,
    }) {
        return CheckResult::new(
            kind,
            CheckStatus::NotAvailable,
            None,
            json!({ "distance": null, "match": null, "threshold": FACE_MATCH_THRESHOLD }),
            format!("Faces could not be compared here: {reason}."),
        );
    }
    let (portrait_embedding, selfie_embedding, selfie_yaw) = match (portrait, selfie) {
        (
            FaceReading::Found { embedding: a, .. },
            FaceReading::Found {
                embedding: b, yaw, ..
            },
        ) => (a, b, *yaw),
        _ => return face_missing(portrait, selfie),
    };
    let Some(distance) = embedding_distance(portrait_embedding, selfie_embedding) else {
        return face_missing(&FaceReading::NoFace, selfie);
    };
    let matched = distance < FACE_MATCH_THRESHOLD;
    let liveness = turned.map(|turned| liveness(selfie_embedding, selfie_yaw, turned));
    let liveness_failed = liveness.as_ref().is_some_and(|l| !l.passed);
    let result = json!({
        "distance": distance,
        "threshold": FACE_MATCH_THRESHOLD,
        "match": matched,
        "liveness": liveness.as_ref().map_or_else(
            || json!({ "kind": "none" }),
            |l| json!({
                "kind": "heuristic", "passed": l.passed, "same_person": l.same_person,
                "head_turn": l.head_turn,
            }),
        ),
    });
    let score = Some((1.0 - distance).clamp(0.0, 1.0));
    let (status, explanation) = match (matched, liveness_failed) {
        (false, _) => (
            CheckStatus::Failed,
            format!(
                "The selfie does not match the document's portrait (distance {distance:.2}, threshold {FACE_MATCH_THRESHOLD})."
            ),
        ),
        (true, true) => (
            CheckStatus::NeedsReview,
            format!(
                "The selfie matches the portrait (distance {distance:.2}), but the second selfie is not the same person with the head turned."
            ),
        ),
        (true, false) => (
            CheckStatus::Passed,
            format!(
                "The selfie matches the document's portrait (distance {distance:.2}, threshold {FACE_MATCH_THRESHOLD})."
            ),
        ),
    };
    CheckResult::new(kind, status, score, result, explanation)
}

fn face_missing(portrait: &FaceReading, selfie: &FaceReading) -> CheckResult {
    let where_missing = match (portrait, selfie) {
        (FaceReading::Found { .. }, FaceReading::SeveralFaces { count }) => {
            format!("the selfie shows {count} faces")
        }
        (FaceReading::Found { .. }, _) => "no face was found in the selfie".to_owned(),
        _ => "no portrait was found on the document's photo".to_owned(),
    };
    let selfie_unusable = matches!(portrait, FaceReading::Found { .. });
    CheckResult::new(
        CheckKind::FaceMatch,
        CheckStatus::NeedsReview,
        None,
        json!({
            "distance": null, "match": null, "threshold": FACE_MATCH_THRESHOLD,
            "liveness": { "kind": "none" }, "selfie_unusable": selfie_unusable,
        }),
        format!("Faces could not be compared: {where_missing}."),
    )
}

struct Liveness {
    passed: bool,
    same_person: bool,
    head_turn: Option<f64>,
}

fn liveness(selfie: &[f32], selfie_yaw: Option<f64>, turned: &FaceReading) -> Liveness {
    let FaceReading::Found { embedding, yaw, .. } = turned else {
        return Liveness {
            passed: false,
            same_person: false,
            head_turn: None,
        };
    };
    let same_person =
        embedding_distance(selfie, embedding).is_some_and(|d| d < FACE_MATCH_THRESHOLD);
    let head_turn = yaw
        .zip(selfie_yaw)
        .map(|(turned, first)| (turned - first).abs());
    Liveness {
        passed: same_person && head_turn.is_some_and(|turn| turn >= MIN_HEAD_TURN),
        same_person,
        head_turn,
    }
}

/// The `barcode` check: an AAMVA licence's barcode against what the applicant entered, and
/// its expiry. `reading` is `None` when no back side of a licence was read.
pub fn barcode(
    reading: Option<&BarcodeReading>,
    entered: &EnteredData,
    today: Date,
) -> CheckResult {
    let kind = CheckKind::Barcode;
    let Some(reading) = reading else {
        return CheckResult::not_applicable(kind, "No back of a North American licence was read.");
    };
    let licence = match reading {
        BarcodeReading::Licence(licence) => licence,
        // Only US and Canadian cards carry one, and the issuing country is not always known.
        BarcodeReading::NotFound => {
            return CheckResult::new(
                kind,
                CheckStatus::NotApplicable,
                None,
                json!({ "read": false }),
                "No PDF417 barcode was found on the back of the card (only US and Canadian cards carry one)."
                    .to_owned(),
            );
        }
        BarcodeReading::Unparseable { reason } => {
            return CheckResult::new(
                kind,
                CheckStatus::NeedsReview,
                None,
                json!({ "read": false, "reason": reason }),
                format!("The licence's barcode holds no AAMVA data kycore can read: {reason}."),
            );
        }
    };
    let mut mismatches = Vec::new();
    let names = [
        (
            "family_name",
            entered.surname.as_deref(),
            &licence.family_name,
        ),
        (
            "given_names",
            entered.given_names.as_deref(),
            &licence.given_names,
        ),
    ];
    for (field, entered, read) in names {
        if let Some(entered) = entered
            && name_similarity(&entered.to_uppercase(), &read.to_uppercase()) < NAME_AGREEMENT
        {
            mismatches.push(field);
        }
    }
    if let (Some(entered), Some(read)) = (entered.date_of_birth, licence.date_of_birth)
        && entered != read
    {
        mismatches.push("date_of_birth");
    }
    let expired = licence.expiry.is_some_and(|expiry| expiry < today);
    let result = json!({
        "read": true,
        "issuer_id": licence.issuer_id,
        "mismatches": mismatches,
        "expired": expired,
    });
    let (status, explanation) = if expired {
        (
            CheckStatus::Failed,
            "The licence's barcode says it has expired.".to_owned(),
        )
    } else if !mismatches.is_empty() {
        (
            CheckStatus::NeedsReview,
            format!(
                "The licence's barcode disagrees with the entered data on {}.",
                mismatches.join(", ")
            ),
        )
    } else {
        (
            CheckStatus::Passed,
            "The licence's barcode agrees with the entered data and has not expired.".to_owned(),
        )
    };
    CheckResult::new(kind, status, None, result, explanation)
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn field(name: &str, check_digit: &str) -> ReadField {
        ReadField {
            field: name.into(),
            value: "X".into(),
            confidence: 0.9,
            check_digit: check_digit.into(),
        }
    }

    fn read(text: &str, digits: &str) -> MrzReading {
        MrzReading::Read {
            text: text.into(),
            confidence: 0.9,
            fields: vec![
                field("document_number", digits),
                field("surname", "not_covered"),
            ],
            corrections: 0,
            rotation_degrees: 0.0,
            mirrored: false,
        }
    }

    fn face(embedding: Vec<f32>, yaw: f64) -> FaceReading {
        FaceReading::Found {
            bounds: [0, 0, 10, 10],
            embedding,
            yaw: Some(yaw),
        }
    }

    #[test]
    fn a_zone_read_with_every_digit_verifying_passes_and_a_typed_one_must_agree() {
        let good = read("P<UTO\nL898", "verified");
        let passed = mrz_ocr(&[&good], None, true);
        assert_eq!(passed.status, CheckStatus::Passed);
        assert_eq!(
            passed.result["not_covered_by_check_digits"],
            json!(["surname"])
        );
        assert_eq!(
            mrz_ocr(&[&good], Some("p<uto\nl898"), true).status,
            CheckStatus::Passed
        );
        assert_eq!(
            mrz_ocr(&[&good], Some("P<UTO\nL899"), true).status,
            CheckStatus::NeedsReview
        );
        let bad = read("P<UTO\nL898", "failed");
        assert_eq!(
            mrz_ocr(&[&bad], None, true).status,
            CheckStatus::NeedsReview
        );
        // The clean reading of two wins.
        assert_eq!(
            mrz_ocr(&[&bad, &good], None, true).status,
            CheckStatus::Passed
        );
    }

    #[test]
    fn an_unreadable_zone_fails_only_where_one_is_expected_and_nothing_was_typed() {
        let none = MrzReading::NotFound {
            reason: "no text lines".into(),
        };
        let unreadable = mrz_ocr(&[&none], None, true);
        assert_eq!(unreadable.status, CheckStatus::Failed);
        assert_eq!(unreadable.result["unreadable"], json!(true));
        assert_eq!(
            mrz_ocr(&[&none], Some("P<"), true).status,
            CheckStatus::NeedsReview
        );
        assert_eq!(
            mrz_ocr(&[&none], None, false).status,
            CheckStatus::NotApplicable
        );
        let missing = MrzReading::NotAvailable {
            reason: "no model".into(),
        };
        assert_eq!(
            mrz_ocr(&[&missing], None, true).status,
            CheckStatus::NotAvailable
        );
        assert_eq!(mrz_ocr(&[], None, true).status, CheckStatus::NotApplicable);
    }

    #[test]
    fn faces_match_below_the_threshold_and_never_pass_without_the_engine() {
        let portrait = face(vec![0.0; 128], 0.0);
        let same = face([vec![0.05; 100], vec![0.0; 28]].concat(), 0.0);
        let other = face(vec![0.1; 128], 0.0);
        let matched = face_match(Some(&portrait), Some(&same), None);
        assert_eq!(
            matched.status,
            CheckStatus::Passed,
            "{}",
            matched.explanation
        );
        assert_eq!(matched.result["match"], json!(true));
        assert_eq!(matched.result["liveness"]["kind"], json!("none"));
        let mismatched = face_match(Some(&portrait), Some(&other), None);
        assert_eq!(mismatched.status, CheckStatus::Failed);
        let missing = FaceReading::NotAvailable {
            reason: "no model".into(),
        };
        assert_eq!(
            face_match(Some(&portrait), Some(&missing), None).status,
            CheckStatus::NotAvailable
        );
        let crowd = FaceReading::SeveralFaces { count: 2 };
        let several = face_match(Some(&portrait), Some(&crowd), None);
        assert_eq!(several.status, CheckStatus::NeedsReview);
        assert!(
            several.explanation.contains("2 faces"),
            "{}",
            several.explanation
        );
        assert_eq!(several.result["selfie_unusable"], json!(true));
        assert_eq!(
            face_match(None, Some(&same), None).status,
            CheckStatus::NotApplicable
        );
    }

    #[test]
    fn the_liveness_heuristic_needs_the_same_person_with_the_head_turned() {
        let portrait = face(vec![0.0; 128], 0.0);
        let selfie = face(vec![0.01; 128], 0.02);
        let turned = face(vec![0.02; 128], 0.3);
        let still = face(vec![0.02; 128], 0.05);
        let stranger = face(vec![0.2; 128], 0.3);
        let live = face_match(Some(&portrait), Some(&selfie), Some(&turned));
        assert_eq!(live.status, CheckStatus::Passed);
        assert_eq!(live.result["liveness"]["kind"], json!("heuristic"));
        assert_eq!(live.result["liveness"]["passed"], json!(true));
        for second in [&still, &stranger] {
            let check = face_match(Some(&portrait), Some(&selfie), Some(second));
            assert_eq!(check.status, CheckStatus::NeedsReview);
            assert_eq!(check.result["liveness"]["passed"], json!(false));
        }
    }

    #[test]
    fn a_licence_barcode_is_compared_with_the_entered_data() {
        let licence = BarcodeReading::Licence(LicenceData {
            issuer_id: "636014".into(),
            country: Some("USA".into()),
            family_name: "SAMPLE".into(),
            given_names: "JANE Q".into(),
            date_of_birth: Some(date!(1990 - 01 - 31)),
            expiry: Some(date!(2030 - 01 - 31)),
            licence_number: "D1234567".into(),
            sex: Some('2'),
        });
        let entered = EnteredData {
            surname: Some("Sample".into()),
            given_names: Some("Jane Q".into()),
            date_of_birth: Some(date!(1990 - 01 - 31)),
            ..EnteredData::default()
        };
        let today = date!(2026 - 12 - 06);
        assert_eq!(
            barcode(Some(&licence), &entered, today).status,
            CheckStatus::Passed
        );
        let other = EnteredData {
            date_of_birth: Some(date!(1991 - 01 - 31)),
            ..entered.clone()
        };
        let mismatch = barcode(Some(&licence), &other, today);
        assert_eq!(mismatch.status, CheckStatus::NeedsReview);
        assert_eq!(mismatch.result["mismatches"], json!(["date_of_birth"]));
        assert_eq!(
            barcode(Some(&licence), &entered, date!(2031 - 01 - 01)).status,
            CheckStatus::Failed
        );
        assert_eq!(
            barcode(None, &entered, today).status,
            CheckStatus::NotApplicable
        );
        assert_eq!(
            barcode(Some(&BarcodeReading::NotFound), &entered, today).status,
            CheckStatus::NotApplicable
        );
        let other_data = BarcodeReading::Unparseable {
            reason: "no AAMVA header".into(),
        };
        assert_eq!(
            barcode(Some(&other_data), &entered, today).status,
            CheckStatus::NeedsReview
        );
    }

    #[test]
    fn readings_round_trip_through_their_stored_json() {
        let reading = DocumentReading {
            mrz: Some(read("P<UTO", "verified")),
            barcode: Some(BarcodeReading::NotFound),
            face: Some(face(vec![0.5; 128], -0.2)),
        };
        let stored = serde_json::to_vec(&reading).expect("serializes");
        let back: DocumentReading = serde_json::from_slice(&stored).expect("reads back");
        assert_eq!(back, reading);
    }
}
