//! Reading an upload with the document engines (`kycore-vision`): which engines a document
//! of a given type and side goes through, the bounded queue and time limit that keep them from
//! piling up, and the translation of what they found into the stored reading
//! (`kycore_checks::reading`). A selfie in which no single face can be found is refused here,
//! before anything is stored, with a reason the applicant can act on.

use std::sync::Arc;
use std::time::Duration;

use kycore_checks::reading::{BarcodeReading, DocumentReading, FaceReading, MrzReading, ReadField};
use kycore_domain::validation::ValidationErrors;
use kycore_vision::barcode::BarcodeOutcome;
use kycore_vision::face::{FaceOutcome, FaceSource, PictureCopy};
use kycore_vision::mrz_read::MrzOutcome;
use kycore_vision::{Engines, Picture};
use tokio::sync::Semaphore;

use crate::intake::IDENTITY_DOCUMENT_TYPES;
use crate::{ServiceError, blocking};

/// How long an upload waits for a free engine before its reading is given up: past this the
/// server is overloaded, and the checks report the engines as not available for this file.
const QUEUE_WAIT: Duration = Duration::from_secs(10);
/// How long one image may take in the engines. A read takes well under a second; a picture
/// that takes longer is abandoned (its thread finishes in the background, still holding its
/// engine permit, so the queue stays bounded).
const PER_IMAGE_LIMIT: Duration = Duration::from_secs(8);
/// The selfie subtype of the second, head-turned selfie the liveness heuristic compares.
pub const TURNED_SELFIE: &str = "head-turned";

/// The engines and the permits that bound how many images they work on at once.
pub(crate) struct Readers {
    engines: Arc<Engines>,
    permits: Arc<Semaphore>,
}

impl Readers {
    pub(crate) fn new(engines: Engines, workers: usize) -> Self {
        Readers {
            engines: Arc::new(engines),
            permits: Arc::new(Semaphore::new(workers.max(1))),
        }
    }

    pub(crate) fn engines(&self) -> &Engines {
        &self.engines
    }

    /// Reads an uploaded image of `document_type` (`side`): `None` for documents no engine
    /// reads (a proof of address, a PDF). Refuses a selfie without exactly one face.
    pub(crate) async fn read(
        &self,
        document_type: &str,
        side: &str,
        file: &[u8],
    ) -> Result<Option<DocumentReading>, ServiceError> {
        let Some(plan) = Plan::for_document(document_type, side) else {
            return Ok(None);
        };
        let unavailable = |reason: &str| plan.unavailable(reason);
        let permit =
            match tokio::time::timeout(QUEUE_WAIT, Arc::clone(&self.permits).acquire_owned()).await
            {
                Ok(Ok(permit)) => permit,
                Ok(Err(_)) => {
                    return Err(ServiceError::unavailable(
                        "shutting_down",
                        "the server is shutting down",
                    ));
                }
                Err(_) => return Ok(Some(unavailable("the document engines were busy"))),
            };
        let engines = Arc::clone(&self.engines);
        let file = file.to_vec();
        let work = blocking(move || {
            let _permit = permit;
            plan.run(&engines, &file)
        });
        match tokio::time::timeout(PER_IMAGE_LIMIT, work).await {
            Ok(read) => Ok(Some(read?.map_err(refusal)?)),
            Err(_) => Ok(Some(unavailable("reading the image took too long"))),
        }
    }
}

/// Which engines a document goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Plan {
    mrz: bool,
    barcode: bool,
    face: Option<FaceSource>,
}

impl Plan {
    fn for_document(document_type: &str, side: &str) -> Option<Plan> {
        if document_type == "selfie" {
            return Some(Plan {
                mrz: false,
                barcode: false,
                face: Some(FaceSource::Selfie),
            });
        }
        if !IDENTITY_DOCUMENT_TYPES.contains(&document_type) {
            return None;
        }
        // A TD1 card carries its zone on the back, a passport on its data page: read both.
        // The PDF417 of a North American card is on the back; the portrait on the front.
        Some(Plan {
            mrz: true,
            barcode: side == "back" && matches!(document_type, "driver-license" | "id-card"),
            face: (side == "front").then_some(FaceSource::Document),
        })
    }

    /// Runs the engines; a selfie without exactly one face is refused (`Err`: the code and
    /// the sentence for the applicant).
    fn run(self, engines: &Engines, file: &[u8]) -> Result<DocumentReading, Unusable> {
        let picture = match Picture::decode(file) {
            Ok(picture) => picture,
            Err(error) => return Ok(self.unreadable(&error.to_string())),
        };
        let face = self
            .face
            .map(|source| (source, engines.find_face(&picture, source)));
        if let Some((FaceSource::Selfie, outcome)) = &face
            && let (FaceOutcome::NoFace | FaceOutcome::SeveralFaces(_), Some(message)) =
                (outcome, outcome.applicant_message(FaceSource::Selfie))
        {
            return Err(Unusable {
                code: outcome.code(),
                message,
            });
        }
        Ok(DocumentReading {
            mrz: self.mrz.then(|| mrz_reading(engines.read_mrz(&picture))),
            barcode: self
                .barcode
                .then(|| barcode_reading(engines.read_barcode(&picture))),
            face: face.map(|(_, outcome)| face_reading(outcome)),
        })
    }

    /// The reading of an image no engine could look at.
    fn unreadable(self, reason: &str) -> DocumentReading {
        DocumentReading {
            mrz: self.mrz.then(|| MrzReading::NotFound {
                reason: reason.to_owned(),
            }),
            barcode: self.barcode.then_some(BarcodeReading::NotFound),
            face: self.face.map(|_| FaceReading::NoFace),
        }
    }

    /// The reading when the engines did not run.
    fn unavailable(self, reason: &str) -> DocumentReading {
        DocumentReading {
            mrz: self.mrz.then(|| MrzReading::NotAvailable {
                reason: reason.to_owned(),
            }),
            barcode: None,
            face: self.face.map(|_| FaceReading::NotAvailable {
                reason: reason.to_owned(),
            }),
        }
    }
}

/// Whether `turned` is the picture `first` again, or its mirror image (`None` when either
/// does not decode: nothing to compare).
pub(crate) fn copied(first: &[u8], turned: &[u8]) -> Option<PictureCopy> {
    let (first, turned) = (Picture::decode(first).ok()?, Picture::decode(turned).ok()?);
    kycore_vision::face::copied_picture(&first, &turned)
}

fn mrz_reading(outcome: MrzOutcome) -> MrzReading {
    match outcome {
        MrzOutcome::Read(read) => MrzReading::Read {
            text: read.text,
            confidence: read.confidence,
            fields: read
                .fields
                .into_iter()
                .map(|field| ReadField {
                    field: field.field.to_owned(),
                    value: field.value,
                    confidence: field.confidence,
                    check_digit: field.cover.name().to_owned(),
                })
                .collect(),
            corrections: u32::try_from(read.corrections).unwrap_or(u32::MAX),
            rotation_degrees: read.orientation.rotation_degrees,
            mirrored: read.orientation.mirrored,
        },
        MrzOutcome::NotFound(reason) => MrzReading::NotFound { reason },
        MrzOutcome::NotAvailable => MrzReading::NotAvailable {
            reason: not_installed("the MRZ reader"),
        },
    }
}

fn barcode_reading(outcome: BarcodeOutcome) -> BarcodeReading {
    match outcome {
        BarcodeOutcome::Licence(licence) => BarcodeReading::Licence(licence),
        BarcodeOutcome::NotFound => BarcodeReading::NotFound,
        BarcodeOutcome::Unparseable(reason) => BarcodeReading::Unparseable { reason },
    }
}

fn face_reading(outcome: FaceOutcome) -> FaceReading {
    match outcome {
        FaceOutcome::Found(face) => FaceReading::Found {
            bounds: [
                face.bounds.left,
                face.bounds.top,
                face.bounds.width,
                face.bounds.height,
            ],
            yaw: kycore_vision::face::pose_yaw(&face),
            embedding: face.embedding,
        },
        FaceOutcome::NoFace => FaceReading::NoFace,
        FaceOutcome::SeveralFaces(count) => FaceReading::SeveralFaces { count },
        FaceOutcome::NotAvailable => FaceReading::NotAvailable {
            reason: not_installed("face matching"),
        },
    }
}

fn not_installed(engine: &str) -> String {
    format!("{engine} is not installed on this deployment (see scripts/setup-models)")
}

/// Why a selfie cannot be used: a stable code and what to do about it.
#[derive(Debug)]
struct Unusable {
    code: &'static str,
    message: String,
}

fn refusal(unusable: Unusable) -> ServiceError {
    let mut errors = ValidationErrors::default();
    errors.add("file", unusable.code, unusable.message);
    errors.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_document_goes_through_the_engines_that_can_read_it() {
        let selfie = Plan::for_document("selfie", "front").expect("a selfie is read");
        assert_eq!(
            (selfie.mrz, selfie.barcode, selfie.face),
            (false, false, Some(FaceSource::Selfie))
        );
        let licence_back = Plan::for_document("driver-license", "back").expect("read");
        assert_eq!(
            (licence_back.mrz, licence_back.barcode, licence_back.face),
            (true, true, None)
        );
        let passport = Plan::for_document("passport", "front").expect("read");
        assert_eq!(
            (passport.mrz, passport.barcode, passport.face),
            (true, false, Some(FaceSource::Document))
        );
        assert_eq!(Plan::for_document("proof-of-address", "front"), None);
    }

    #[test]
    fn an_undecodable_picture_is_read_as_nothing_found_and_never_refused() {
        let engines = Engines::none();
        let selfie = Plan::for_document("selfie", "front").expect("read");
        let reading = selfie.run(&engines, b"not an image").expect("not refused");
        assert_eq!(reading.face, Some(FaceReading::NoFace));
        let passport = Plan::for_document("passport", "front").expect("read");
        let reading = passport
            .run(&engines, b"not an image")
            .expect("not refused");
        assert!(
            matches!(reading.mrz, Some(MrzReading::NotFound { .. })),
            "{reading:?}"
        );
    }
}
