//! `run_case` end to end, and the uniform check-result shape.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use kycore_checks::checks::{CaseInput, CheckKind, CheckStatus, DocumentSubmission, run_case};
use kycore_checks::document::{DocumentPolicy, DocumentSide, DocumentType, DuplicateLookup};
use kycore_checks::mrz::EnteredData;
use kycore_checks::{IdentifierKind, ValidationRequest};

const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F3411159UTO<<<<<<<<<<<2\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";

fn case() -> CaseInput {
    let entered = EnteredData {
        surname: Some("Eriksson".into()),
        given_names: Some("Anna Maria".into()),
        date_of_birth: Some(common::date("1974-08-12")),
        document_number: Some("D23145890".into()),
        date_of_expiry: None,
        nationality: Some("UTO".into()),
    };
    CaseInput {
        today: common::today(),
        policy: DocumentPolicy::default(),
        document: DocumentSubmission {
            document_type: DocumentType::IdCard,
            sides_present: vec![DocumentSide::Front, DocumentSide::Back],
            mrz_text: Some(TD1.into()),
            submitted_on: Some(common::today()),
            attempt: 1,
            duplicate: DuplicateLookup::NoneFound,
        },
        record: Some(entered.clone()),
        entered,
        identifiers: vec![ValidationRequest {
            r#type: IdentifierKind::Email,
            value: "anna@example.com".into(),
            country: None,
        }],
    }
}

fn statuses(case: &CaseInput) -> Vec<(CheckKind, CheckStatus)> {
    run_case(case).iter().map(|c| (c.kind, c.status)).collect()
}

#[test]
fn a_good_case_passes_every_check() {
    // The TD1 here is the Utopia specimen with its expiry moved to 2034 and the digits recomputed.
    assert_eq!(
        statuses(&case()),
        [
            (CheckKind::MrzIntegrity, CheckStatus::Passed),
            (CheckKind::MrzMatchesEntered, CheckStatus::Passed),
            (CheckKind::MrzMatchesRecord, CheckStatus::Passed),
            (CheckKind::DocumentRules, CheckStatus::Passed),
            (CheckKind::Email, CheckStatus::Passed),
        ]
    );
    let results = run_case(&case());
    assert!(results.iter().all(|r| !r.explanation.is_empty()));
    let json = serde_json::to_value(&results[0]).unwrap();
    assert_eq!(json["kind"], "mrz_integrity");
    assert_eq!(json["score"], 1.0);
    assert_eq!(json["result"]["format"], "TD1");
}

#[test]
fn problems_surface_in_the_right_check() {
    let mut bad = case();
    bad.document.mrz_text = Some(TD1.replace("7408122", "7408123"));
    bad.entered.surname = Some("Andersson".into());
    bad.record = None;
    assert_eq!(
        statuses(&bad),
        [
            (CheckKind::MrzIntegrity, CheckStatus::Failed),
            (CheckKind::MrzMatchesEntered, CheckStatus::Failed),
            (CheckKind::MrzMatchesRecord, CheckStatus::NotApplicable),
            (CheckKind::DocumentRules, CheckStatus::Failed),
            (CheckKind::Email, CheckStatus::Passed),
        ]
    );
    let mut no_mrz = case();
    no_mrz.document.mrz_text = None;
    no_mrz.entered.date_of_expiry = Some(common::date("2030-01-01"));
    assert_eq!(
        statuses(&no_mrz)[0],
        (CheckKind::MrzIntegrity, CheckStatus::NotApplicable)
    );
    assert_eq!(
        statuses(&no_mrz)[1],
        (CheckKind::DocumentRules, CheckStatus::Passed)
    );
}

#[test]
fn a_comparison_that_cannot_run_says_why() {
    let mut no_record = case();
    no_record.record = None;
    let results = run_case(&no_record);
    let record = results
        .iter()
        .find(|r| r.kind == CheckKind::MrzMatchesRecord)
        .unwrap();
    assert_eq!(record.status, CheckStatus::NotApplicable);
    assert!(
        record.explanation.contains("no record"),
        "a valid MRZ is not called unreadable: {}",
        record.explanation
    );
    let mut unreadable = case();
    unreadable.document.mrz_text = Some("not an mrz".into());
    let results = run_case(&unreadable);
    let entered = results
        .iter()
        .find(|r| r.kind == CheckKind::MrzMatchesEntered)
        .unwrap();
    assert!(
        entered.explanation.contains("could not be read"),
        "{}",
        entered.explanation
    );
}
