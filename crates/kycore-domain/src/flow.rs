//! Flows: versioned verification templates. A case pins the flow version it was created with.
//!
//! A flow says which steps the applicant goes through, the document policy (minimum age,
//! attempts), whether screening and ongoing monitoring run, and the decision rules. Steps and
//! rules left out mean the kind's defaults, so a flow created without rules follows the
//! built-in policy of the kycore version that runs it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::applicant::normalize_country;
use crate::case::CaseKind;
use crate::ids::FlowId;
use crate::rules::{RuleDefinition, default_rules, validate_rule_list};
use crate::validation::ValidationErrors;

/// The youngest applicant a flow accepts unless it says otherwise.
pub const DEFAULT_MIN_AGE: u8 = 18;
/// Uploads per document type and side when a flow does not say: a first try and two more.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// A step of the hosted flow, in the order the applicant meets them. A resubmission request
/// names the steps to redo.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Consent,
    PersonalDetails,
    IdentityDocument,
    Selfie,
    ProofOfAddress,
    CompanyDetails,
    CompanyDocuments,
    RelatedPersons,
    Review,
}

impl Step {
    pub const ALL: [Step; 9] = [
        Step::Consent,
        Step::PersonalDetails,
        Step::IdentityDocument,
        Step::Selfie,
        Step::ProofOfAddress,
        Step::CompanyDetails,
        Step::CompanyDocuments,
        Step::RelatedPersons,
        Step::Review,
    ];

    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|step| step.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Consent => "consent",
            Step::PersonalDetails => "personal_details",
            Step::IdentityDocument => "identity_document",
            Step::Selfie => "selfie",
            Step::ProofOfAddress => "proof_of_address",
            Step::CompanyDetails => "company_details",
            Step::CompanyDocuments => "company_documents",
            Step::RelatedPersons => "related_persons",
            Step::Review => "review",
        }
    }

    /// Whether the applicant sends files at this step.
    pub fn collects_files(self) -> bool {
        matches!(
            self,
            Step::IdentityDocument | Step::Selfie | Step::ProofOfAddress | Step::CompanyDocuments
        )
    }

    /// Which kind of case may have this step.
    fn fits(self, kind: CaseKind) -> bool {
        match self {
            Step::Consent | Step::Review => true,
            Step::PersonalDetails
            | Step::IdentityDocument
            | Step::Selfie
            | Step::ProofOfAddress => kind == CaseKind::Kyc,
            Step::CompanyDetails | Step::CompanyDocuments | Step::RelatedPersons => {
                kind == CaseKind::Kyb
            }
        }
    }
}

/// The steps of a kind's default flow.
pub fn default_steps(kind: CaseKind) -> Vec<Step> {
    match kind {
        CaseKind::Kyc => vec![
            Step::Consent,
            Step::PersonalDetails,
            Step::IdentityDocument,
            Step::Selfie,
            Step::Review,
        ],
        CaseKind::Kyb => vec![
            Step::Consent,
            Step::CompanyDetails,
            Step::CompanyDocuments,
            Step::RelatedPersons,
            Step::Review,
        ],
    }
}

/// A document a business uploads; the name is also its document type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CompanyDocument {
    CertificateOfIncorporation,
    RegisterExtract,
    CompanyProofOfAddress,
    ArticlesOfAssociation,
    ShareholderRegister,
}

impl CompanyDocument {
    pub fn as_str(self) -> &'static str {
        match self {
            CompanyDocument::CertificateOfIncorporation => "certificate-of-incorporation",
            CompanyDocument::RegisterExtract => "register-extract",
            CompanyDocument::CompanyProofOfAddress => "company-proof-of-address",
            CompanyDocument::ArticlesOfAssociation => "articles-of-association",
            CompanyDocument::ShareholderRegister => "shareholder-register",
        }
    }
}

/// What a KYB flow asks for unless it lists its own company documents.
pub const DEFAULT_COMPANY_DOCUMENTS: [CompanyDocument; 2] = [
    CompanyDocument::CertificateOfIncorporation,
    CompanyDocument::RegisterExtract,
];

/// Sanctions and PEP screening for the flow's cases.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScreeningSettings {
    /// Screen the applicant, the business and its related persons during the checks.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Re-screen approved applicants whenever a watchlist gets a new version.
    #[serde(default = "yes")]
    pub monitoring: bool,
}

fn yes() -> bool {
    true
}

impl Default for ScreeningSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            monitoring: true,
        }
    }
}

fn default_min_age() -> u8 {
    DEFAULT_MIN_AGE
}

/// Links live a day unless the flow says otherwise.
pub const DEFAULT_LINK_LIFETIME_SECONDS: u32 = 24 * 60 * 60;
/// Links may live between five minutes and ninety days.
pub const LINK_LIFETIME_RANGE: std::ops::RangeInclusive<u32> = 300..=90 * 24 * 60 * 60;

/// Refuses a link lifetime outside the allowed range, a flow's or one case's.
pub fn check_link_lifetime(seconds: u32, errors: &mut ValidationErrors) {
    if !LINK_LIFETIME_RANGE.contains(&seconds) {
        errors.add(
            "link_lifetime_seconds",
            "out_of_range",
            format!(
                "between {} and {} seconds",
                LINK_LIFETIME_RANGE.start(),
                LINK_LIFETIME_RANGE.end()
            ),
        );
    }
}
const MIN_AGE_RANGE: std::ops::RangeInclusive<u8> = 14..=25;
const MAX_ATTEMPTS_LIMIT: u32 = 100;
/// The steps that collect files, which may limit their uploads.
const UPLOAD_STEPS: [Step; 4] = [
    Step::IdentityDocument,
    Step::Selfie,
    Step::ProofOfAddress,
    Step::CompanyDocuments,
];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlowDefinition {
    pub name: String,
    pub kind: CaseKind,
    /// Countries this flow is the default for; empty means "any".
    pub countries: Vec<String>,
    pub is_default: bool,
    pub link_lifetime_seconds: u32,
    /// The hosted flow's steps; the kind's defaults when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<Step>>,
    /// Youngest acceptable applicant, in completed years.
    #[serde(default = "default_min_age")]
    pub min_age: u8,
    /// Uploads allowed per document type and side; 0 means no limit of its own (a case
    /// still holds at most 50 documents).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Uploads allowed at an upload step (`identity_document`, `selfie`,
    /// `proof_of_address`, `company_documents`), overriding `max_attempts` there.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub step_max_attempts: BTreeMap<Step, u32>,
    #[serde(default)]
    pub screening: ScreeningSettings,
    /// Decision rules, first firing rule decides; the kind's defaults when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<RuleDefinition>>,
    /// The documents a KYB applicant uploads at the `company_documents` step; the defaults
    /// when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_documents: Option<Vec<CompanyDocument>>,
    /// What the hosted flow appends to the platform's `redirect_url` when it sends the
    /// applicant back.
    #[serde(default, skip_serializing_if = "ReturnParameters::is_default")]
    pub return_parameters: ReturnParameters,
    /// Whether an approval by a person needs a second, different person's to take effect.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub four_eyes: bool,
}

/// What the hosted flow tells the platform in the query of its `redirect_url`, the rest of
/// whose query is kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnParameters {
    /// `case_id` and `outcome` (the case's status), right after submission.
    #[default]
    CaseOutcome,
    /// `info`, once the checks have run: `success` (approved), `manual` (a person decides,
    /// or the applicant must redo something) — the vocabulary of gatherers such as
    /// Rebilly's.
    Info,
}

impl ReturnParameters {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

impl FlowDefinition {
    pub fn normalize_and_validate(&mut self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        // The limit counts the name as sent, as the API's schema states it.
        let too_long = self.name.chars().count() > 200;
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() || too_long {
            errors.add(
                "name",
                "invalid_length",
                "a name of 1 to 200 characters is required",
            );
        }
        for (i, country) in self.countries.iter_mut().enumerate() {
            match normalize_country(country) {
                Some(code) => *country = code,
                None => errors.add(
                    format!("countries[{i}]"),
                    "invalid_country",
                    format!("`{country}` is not an ISO 3166-1 alpha-2 country code"),
                ),
            }
        }
        self.countries.sort();
        self.countries.dedup();
        check_link_lifetime(self.link_lifetime_seconds, &mut errors);
        if !(MIN_AGE_RANGE).contains(&self.min_age) {
            errors.add(
                "min_age",
                "out_of_range",
                format!(
                    "between {} and {}",
                    MIN_AGE_RANGE.start(),
                    MIN_AGE_RANGE.end()
                ),
            );
        }
        if self.max_attempts > MAX_ATTEMPTS_LIMIT {
            errors.add(
                "max_attempts",
                "out_of_range",
                format!("0 (unlimited) to {MAX_ATTEMPTS_LIMIT}"),
            );
        }
        for (step, limit) in &self.step_max_attempts {
            let field = format!("step_max_attempts.{}", step.as_str());
            if !UPLOAD_STEPS.contains(step) {
                errors.add(
                    field,
                    "invalid_step",
                    "only an upload step has a limit of its own",
                );
            } else if *limit > MAX_ATTEMPTS_LIMIT {
                errors.add(
                    field,
                    "out_of_range",
                    format!("0 (unlimited) to {MAX_ATTEMPTS_LIMIT}"),
                );
            }
        }
        self.validate_steps(&mut errors);
        self.validate_company_documents(&mut errors);
        let steps = self.steps();
        if let Some(rules) = self.rules.as_mut() {
            for (i, rule) in rules.iter_mut().enumerate() {
                rule.normalize_and_validate(&format!("rules[{i}]"), &steps, &mut errors);
            }
            validate_rule_list(rules, &mut errors);
        }
        errors.into_result()
    }

    fn validate_steps(&self, errors: &mut ValidationErrors) {
        let Some(steps) = &self.steps else { return };
        if steps.last() != Some(&Step::Review) {
            errors.add("steps", "review_last", "the last step must be `review`");
        }
        for (i, step) in steps.iter().enumerate() {
            if !step.fits(self.kind) {
                errors.add(
                    format!("steps[{i}]"),
                    "step_not_for_kind",
                    format!(
                        "a {} flow has no `{}` step",
                        self.kind.as_str(),
                        step.as_str()
                    ),
                );
            }
            if steps[..i].contains(step) {
                errors.add(
                    format!("steps[{i}]"),
                    "duplicate_step",
                    format!("`{}` appears twice", step.as_str()),
                );
            }
        }
    }

    fn validate_company_documents(&self, errors: &mut ValidationErrors) {
        let Some(documents) = &self.company_documents else {
            return;
        };
        if self.kind != CaseKind::Kyb {
            errors.add(
                "company_documents",
                "field_not_allowed",
                "only KYB flows ask for company documents",
            );
        }
        if documents.is_empty() {
            errors.add(
                "company_documents",
                "invalid_length",
                "name at least one document, or leave the field out for the defaults",
            );
        }
        for (i, document) in documents.iter().enumerate() {
            if documents[..i].contains(document) {
                errors.add(
                    format!("company_documents[{i}]"),
                    "duplicate_document",
                    format!("`{}` appears twice", document.as_str()),
                );
            }
        }
    }

    /// The steps the applicant goes through.
    /// Uploads allowed of a document collected at `step` (per type and side; 0 for no limit
    /// of its own): the step's own limit, else the flow's.
    pub fn max_attempts_at(&self, step: Option<Step>) -> u32 {
        step.and_then(|s| self.step_max_attempts.get(&s).copied())
            .unwrap_or(self.max_attempts)
    }

    pub fn steps(&self) -> Vec<Step> {
        self.steps
            .clone()
            .unwrap_or_else(|| default_steps(self.kind))
    }

    /// The steps that collect data, which a resubmission may ask again.
    pub fn data_steps(&self) -> Vec<Step> {
        self.steps()
            .into_iter()
            .filter(|s| !matches!(s, Step::Consent | Step::Review))
            .collect()
    }

    /// The documents the `company_documents` step asks for.
    pub fn company_documents(&self) -> Vec<CompanyDocument> {
        self.company_documents
            .clone()
            .unwrap_or_else(|| DEFAULT_COMPANY_DOCUMENTS.to_vec())
    }

    /// The decision rules, in order.
    pub fn rules(&self) -> Vec<RuleDefinition> {
        self.rules.clone().unwrap_or_else(default_rules)
    }

    pub fn covers_country(&self, country: Option<&str>) -> bool {
        match country {
            Some(c) => self.countries.iter().any(|fc| fc == c),
            None => false,
        }
    }
}

/// A flow every organization has without creating it.
pub struct BuiltinFlow {
    pub id: &'static str,
    pub definition: fn() -> FlowDefinition,
}

pub const BUILTIN_FLOWS: [BuiltinFlow; 2] = [
    BuiltinFlow {
        id: "flow_kyc_default",
        definition: || builtin(CaseKind::Kyc, "Default KYC"),
    },
    BuiltinFlow {
        id: "flow_kyb_default",
        definition: || builtin(CaseKind::Kyb, "Default KYB"),
    },
];

fn default_max_attempts() -> u32 {
    DEFAULT_MAX_ATTEMPTS
}

fn builtin(kind: CaseKind, name: &str) -> FlowDefinition {
    FlowDefinition {
        return_parameters: ReturnParameters::CaseOutcome,
        name: name.to_owned(),
        kind,
        countries: Vec::new(),
        is_default: true,
        link_lifetime_seconds: DEFAULT_LINK_LIFETIME_SECONDS,
        steps: None,
        min_age: DEFAULT_MIN_AGE,
        max_attempts: DEFAULT_MAX_ATTEMPTS,
        step_max_attempts: BTreeMap::new(),
        screening: ScreeningSettings::default(),
        rules: None,
        company_documents: None,
        four_eyes: false,
    }
}

/// The built-in flow for `id`, if it is one.
pub fn builtin_flow(id: &FlowId) -> Option<FlowDefinition> {
    BUILTIN_FLOWS
        .iter()
        .find(|f| f.id == id.as_str())
        .map(|f| (f.definition)())
}

/// The built-in default for a kind of case.
pub fn builtin_default(kind: CaseKind) -> (FlowId, FlowDefinition) {
    let flow = match kind {
        CaseKind::Kyc => &BUILTIN_FLOWS[0],
        CaseKind::Kyb => &BUILTIN_FLOWS[1],
    };
    (
        FlowId::from_trusted(flow.id.to_owned()),
        (flow.definition)(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_defaults_match_their_kind() {
        for kind in [CaseKind::Kyc, CaseKind::Kyb] {
            let (id, def) = builtin_default(kind);
            assert_eq!(def.kind, kind);
            assert_eq!(builtin_flow(&id), Some(def));
        }
    }

    #[test]
    fn validation_normalizes_countries_and_bounds_the_lifetime() {
        let mut def = FlowDefinition {
            return_parameters: ReturnParameters::CaseOutcome,
            name: " Sweden ".into(),
            kind: CaseKind::Kyc,
            countries: vec!["se".into(), "SE".into()],
            is_default: true,
            link_lifetime_seconds: 3600,
            steps: None,
            min_age: DEFAULT_MIN_AGE,
            max_attempts: 0,
            step_max_attempts: BTreeMap::new(),
            screening: ScreeningSettings::default(),
            rules: None,
            company_documents: None,
            four_eyes: false,
        };
        def.normalize_and_validate().unwrap();
        assert_eq!(def.countries, vec!["SE"]);
        assert_eq!(def.name, "Sweden");
        def.link_lifetime_seconds = 10;
        def.countries.push("ZZ".into());
        let codes: Vec<_> = def
            .normalize_and_validate()
            .unwrap_err()
            .into_vec()
            .iter()
            .map(|e| e.code)
            .collect();
        assert_eq!(codes, vec!["invalid_country", "out_of_range"]);
    }

    #[test]
    fn steps_must_fit_the_kind_and_end_with_review() {
        let mut def = builtin(CaseKind::Kyb, "KYB");
        assert_eq!(def.steps(), default_steps(CaseKind::Kyb));
        def.steps = Some(vec![
            Step::Selfie,
            Step::CompanyDetails,
            Step::CompanyDetails,
        ]);
        def.min_age = 5;
        let codes: Vec<_> = def
            .normalize_and_validate()
            .unwrap_err()
            .into_vec()
            .iter()
            .map(|e| e.code)
            .collect();
        assert_eq!(
            codes,
            vec![
                "out_of_range",
                "review_last",
                "step_not_for_kind",
                "duplicate_step"
            ]
        );
    }
}
