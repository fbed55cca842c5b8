//! The applicant's way through a case's hosted flow: which steps are done, what a step
//! collected that lives nowhere else (consent, the chosen identity document) and which
//! uploads count for the current round. Pure data and rules; the portal service keeps one
//! per case, so the applicant resumes where they left off on any device.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::case::{Decision, Outcome};
use crate::flow::{FlowDefinition, Step};

/// The identity documents the hosted flow offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityDocumentType {
    Passport,
    IdCard,
    DriverLicense,
    ResidencePermit,
}

impl IdentityDocumentType {
    pub const ALL: [IdentityDocumentType; 4] = [
        IdentityDocumentType::Passport,
        IdentityDocumentType::IdCard,
        IdentityDocumentType::DriverLicense,
        IdentityDocumentType::ResidencePermit,
    ];

    /// The document type as uploads name it.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityDocumentType::Passport => "passport",
            IdentityDocumentType::IdCard => "id-card",
            IdentityDocumentType::DriverLicense => "driver-license",
            IdentityDocumentType::ResidencePermit => "residence-permit",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Cards are photographed on both sides; a passport's data page is enough.
    pub fn has_back(self) -> bool {
        self != IdentityDocumentType::Passport
    }

    /// Whether the document carries a machine-readable zone (ICAO 9303). Driving licences
    /// mostly do not.
    pub fn has_mrz(self) -> bool {
        self != IdentityDocumentType::DriverLicense
    }
}

/// The identity document the applicant said they will photograph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityDocumentChoice {
    pub document_type: IdentityDocumentType,
    /// ISO 3166-1 alpha-2 of the issuing country.
    pub country: String,
}

/// One file a step asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadSlot {
    pub step: Step,
    pub document_type: &'static str,
    pub side: &'static str,
}

impl UploadSlot {
    const fn front(step: Step, document_type: &'static str) -> Self {
        UploadSlot {
            step,
            document_type,
            side: "front",
        }
    }

    /// How the slot is named in [`Progress::uploads`] and in the portal's forms (dots: form
    /// field names travel unescaped).
    pub fn key(&self) -> String {
        format!(
            "{}.{}.{}",
            self.step.as_str(),
            self.document_type,
            self.side
        )
    }
}

/// A case's progress through its hosted flow.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Steps the applicant finished (and has not been asked to redo).
    #[serde(default)]
    pub completed: BTreeSet<Step>,
    /// When the applicant consented, Unix milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_document: Option<IdentityDocumentChoice>,
    /// The document uploaded for each slot in the current round, by [`UploadSlot::key`].
    #[serde(default)]
    pub uploads: BTreeMap<String, String>,
}

impl Progress {
    /// The files `step` asks for, given the flow and the choices made so far.
    pub fn slots(&self, step: Step, flow: &FlowDefinition) -> Vec<UploadSlot> {
        match step {
            Step::IdentityDocument => self
                .identity_document
                .iter()
                .flat_map(|choice| {
                    let document_type = choice.document_type.as_str();
                    let front = UploadSlot::front(step, document_type);
                    let back = UploadSlot {
                        side: "back",
                        ..front
                    };
                    std::iter::once(front).chain(choice.document_type.has_back().then_some(back))
                })
                .collect(),
            Step::Selfie => vec![UploadSlot::front(step, "selfie")],
            Step::ProofOfAddress => vec![UploadSlot::front(step, "proof-of-address")],
            Step::CompanyDocuments => flow
                .company_documents()
                .into_iter()
                .map(|document| UploadSlot::front(step, document.as_str()))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The slots of `step` still without a file this round.
    pub fn missing_uploads(&self, step: Step, flow: &FlowDefinition) -> Vec<UploadSlot> {
        self.slots(step, flow)
            .into_iter()
            .filter(|slot| !self.uploads.contains_key(&slot.key()))
            .collect()
    }

    pub fn record_upload(&mut self, slot: &UploadSlot, document_id: &str) {
        self.uploads.insert(slot.key(), document_id.to_owned());
    }

    /// Choosing another identity document drops the files of the previous choice.
    pub fn choose_identity_document(&mut self, choice: IdentityDocumentChoice) {
        if self.identity_document.as_ref() != Some(&choice) {
            self.forget_uploads(Step::IdentityDocument);
            self.completed.remove(&Step::IdentityDocument);
        }
        self.identity_document = Some(choice);
    }

    /// Asks for `steps` again (a resubmission): they are no longer done, and what they
    /// uploaded no longer counts. Consent, once given, stays.
    pub fn reopen(&mut self, steps: &[Step]) {
        for step in steps {
            self.completed.remove(step);
            self.forget_uploads(*step);
            if *step == Step::IdentityDocument {
                self.identity_document = None;
            }
        }
    }

    fn forget_uploads(&mut self, step: Step) {
        let prefix = format!("{}.", step.as_str());
        self.uploads.retain(|key, _| !key.starts_with(&prefix));
    }

    /// The first step of `to_do` not yet done; `review` once all are.
    pub fn next_step(&self, to_do: &[Step]) -> Step {
        to_do
            .iter()
            .copied()
            .find(|step| *step != Step::Review && !self.completed.contains(step))
            .unwrap_or(Step::Review)
    }

    /// The steps of `to_do` not yet done, `review` aside.
    pub fn unfinished(&self, to_do: &[Step]) -> Vec<Step> {
        to_do
            .iter()
            .copied()
            .filter(|step| *step != Step::Review && !self.completed.contains(step))
            .collect()
    }
}

/// The steps the applicant goes through this round: every step of the flow, or, after a
/// resubmission request, only the steps it names (in the flow's order) and the review.
pub fn steps_to_do(flow: &FlowDefinition, decision: Option<&Decision>) -> Vec<Step> {
    let redo = decision
        .filter(|d| d.outcome == Outcome::ResubmissionRequested && !d.resubmission_steps.is_empty())
        .map(|d| d.resubmission_steps.as_slice());
    flow.steps()
        .into_iter()
        .filter(|step| redo.is_none_or(|redo| *step == Step::Review || redo.contains(step)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::CaseKind;
    use crate::flow::{CompanyDocument, builtin_default};

    fn kyc_flow() -> FlowDefinition {
        builtin_default(CaseKind::Kyc).1
    }

    fn resubmission(steps: Vec<Step>) -> Decision {
        Decision {
            outcome: Outcome::ResubmissionRequested,
            decided_by: "rules".into(),
            reason_code: None,
            note: None,
            decided_at: time::OffsetDateTime::UNIX_EPOCH,
            resubmission_steps: steps,
            rules: Vec::new(),
        }
    }

    #[test]
    fn the_next_step_is_the_first_unfinished_one_then_review() {
        let flow = kyc_flow();
        let to_do = steps_to_do(&flow, None);
        let mut progress = Progress::default();
        assert_eq!(progress.next_step(&to_do), Step::Consent);
        progress.completed.insert(Step::Consent);
        progress.completed.insert(Step::IdentityDocument);
        assert_eq!(progress.next_step(&to_do), Step::PersonalDetails);
        assert_eq!(
            progress.unfinished(&to_do),
            [Step::PersonalDetails, Step::Selfie]
        );
        progress
            .completed
            .extend([Step::PersonalDetails, Step::Selfie]);
        assert_eq!(progress.next_step(&to_do), Step::Review);
        assert!(progress.unfinished(&to_do).is_empty());
    }

    #[test]
    fn identity_slots_follow_the_chosen_document() {
        let flow = kyc_flow();
        let mut progress = Progress::default();
        assert!(progress.slots(Step::IdentityDocument, &flow).is_empty());
        progress.choose_identity_document(IdentityDocumentChoice {
            document_type: IdentityDocumentType::IdCard,
            country: "SE".into(),
        });
        let keys: Vec<String> = progress
            .missing_uploads(Step::IdentityDocument, &flow)
            .iter()
            .map(UploadSlot::key)
            .collect();
        assert_eq!(
            keys,
            [
                "identity_document.id-card.front",
                "identity_document.id-card.back"
            ]
        );
        let front = progress.slots(Step::IdentityDocument, &flow)[0];
        progress.record_upload(&front, "doc_1");
        assert_eq!(
            progress
                .missing_uploads(Step::IdentityDocument, &flow)
                .len(),
            1
        );

        // A passport instead: the card's files no longer count, and there is no back.
        progress.choose_identity_document(IdentityDocumentChoice {
            document_type: IdentityDocumentType::Passport,
            country: "SE".into(),
        });
        assert!(progress.uploads.is_empty());
        assert_eq!(progress.slots(Step::IdentityDocument, &flow).len(), 1);
    }

    #[test]
    fn company_documents_come_from_the_flow() {
        let mut flow = builtin_default(CaseKind::Kyb).1;
        let progress = Progress::default();
        assert_eq!(progress.slots(Step::CompanyDocuments, &flow).len(), 2);
        flow.company_documents = Some(vec![CompanyDocument::ShareholderRegister]);
        assert_eq!(
            progress.slots(Step::CompanyDocuments, &flow)[0].document_type,
            "shareholder-register"
        );
    }

    #[test]
    fn a_resubmission_reopens_exactly_its_steps() {
        let flow = kyc_flow();
        let mut progress = Progress {
            completed: flow.steps().into_iter().collect(),
            consent_at: Some(1),
            ..Progress::default()
        };
        progress.choose_identity_document(IdentityDocumentChoice {
            document_type: IdentityDocumentType::Passport,
            country: "SE".into(),
        });
        progress.record_upload(&progress.slots(Step::IdentityDocument, &flow)[0], "doc_1");
        progress.record_upload(&progress.slots(Step::Selfie, &flow)[0], "doc_2");

        let decision = resubmission(vec![Step::IdentityDocument]);
        progress.reopen(&decision.resubmission_steps);
        let to_do = steps_to_do(&flow, Some(&decision));
        assert_eq!(to_do, [Step::IdentityDocument, Step::Review]);
        assert_eq!(progress.next_step(&to_do), Step::IdentityDocument);
        assert_eq!(progress.identity_document, None);
        assert_eq!(progress.uploads.len(), 1, "the selfie still counts");
        assert_eq!(progress.consent_at, Some(1));

        // Any other decision means the whole flow.
        let approved = Decision {
            outcome: Outcome::Approved,
            ..resubmission(vec![Step::Selfie])
        };
        assert_eq!(steps_to_do(&flow, Some(&approved)), flow.steps());
    }
}
