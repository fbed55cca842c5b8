//! Document rules: each rule alone, then everything at once.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use kycore_checks::document::{
    DocumentFacts, DocumentPolicy, DocumentSide, DocumentStatus, DocumentType, DuplicateLookup,
    RejectionCode, evaluate,
};
use kycore_checks::mrz::{ComparedField, Discrepancy, DiscrepancyKind};

fn facts() -> DocumentFacts {
    DocumentFacts {
        document_type: DocumentType::IdCard,
        sides_present: vec![DocumentSide::Front, DocumentSide::Back],
        date_of_expiry: Some(common::date("2030-01-01")),
        date_of_birth: Some(common::date("1990-05-05")),
        submitted_on: Some(common::date("2026-11-20")),
        today: common::today(),
        attempt: 1,
        duplicate: DuplicateLookup::NoneFound,
        mrz_valid: Some(true),
        discrepancies: vec![],
    }
}

fn reasons(facts: &DocumentFacts, policy: &DocumentPolicy) -> Vec<RejectionCode> {
    evaluate(facts, policy)
        .reasons
        .iter()
        .map(|r| r.code)
        .collect()
}

fn mismatch(field: ComparedField) -> Discrepancy {
    Discrepancy {
        field,
        kind: DiscrepancyKind::Mismatch,
        mrz_value: "A".into(),
        entered_value: "B".into(),
        similarity: None,
    }
}

#[test]
fn a_clean_document_is_accepted() {
    let verdict = evaluate(&facts(), &DocumentPolicy::default());
    assert_eq!(verdict.status, DocumentStatus::Accepted);
    assert_eq!(verdict.attempts_remaining, None);
    let json = serde_json::to_value(&verdict).unwrap();
    assert_eq!(json["status"], "accepted");
}

#[test]
fn expiry_distinguishes_expired_from_expired_while_waiting() {
    let policy = DocumentPolicy::default();
    let expired = DocumentFacts {
        date_of_expiry: Some(common::date("2026-01-01")),
        ..facts()
    };
    assert_eq!(reasons(&expired, &policy), [RejectionCode::DocumentExpired]);
    let lapsed = DocumentFacts {
        date_of_expiry: Some(common::date("2026-11-20")),
        ..facts()
    };
    assert_eq!(
        reasons(&lapsed, &policy),
        [RejectionCode::DocumentExpiredAfterSubmission]
    );
    let today = DocumentFacts {
        date_of_expiry: Some(common::today()),
        ..facts()
    };
    assert_eq!(reasons(&today, &policy), []);
    let missing = DocumentFacts {
        date_of_expiry: None,
        ..facts()
    };
    assert_eq!(
        reasons(&missing, &policy),
        [RejectionCode::ExpiryDateMissing]
    );
}

#[test]
fn minimum_age_is_per_flow() {
    let seventeen = DocumentFacts {
        date_of_birth: Some(common::date("2009-11-22")),
        ..facts()
    };
    assert_eq!(
        reasons(&seventeen, &DocumentPolicy::default()),
        [RejectionCode::Underage]
    );
    let relaxed = DocumentPolicy {
        min_age: 16,
        ..DocumentPolicy::default()
    };
    assert_eq!(reasons(&seventeen, &relaxed), []);
    let eighteen_today = DocumentFacts {
        date_of_birth: Some(common::date("2008-11-21")),
        ..facts()
    };
    assert_eq!(reasons(&eighteen_today, &DocumentPolicy::default()), []);
    let unborn = DocumentFacts {
        date_of_birth: Some(common::date("2027-01-01")),
        ..facts()
    };
    assert_eq!(
        reasons(&unborn, &DocumentPolicy::default()),
        [RejectionCode::DocumentInvalid]
    );
    let unknown = DocumentFacts {
        date_of_birth: None,
        ..facts()
    };
    assert_eq!(
        reasons(&unknown, &DocumentPolicy::default()),
        [RejectionCode::InformationMissing]
    );
}

#[test]
fn required_sides_depend_on_the_document_type() {
    let front_only = DocumentFacts {
        sides_present: vec![DocumentSide::Front],
        ..facts()
    };
    assert_eq!(
        reasons(&front_only, &DocumentPolicy::default()),
        [RejectionCode::InformationMissing]
    );
    let passport = DocumentFacts {
        document_type: DocumentType::Passport,
        ..front_only
    };
    assert_eq!(reasons(&passport, &DocumentPolicy::default()), []);
}

#[test]
fn attempts_follow_max_attempts_with_zero_unlimited() {
    let third = DocumentFacts {
        attempt: 3,
        ..facts()
    };
    let limited = DocumentPolicy {
        max_attempts: 3,
        ..DocumentPolicy::default()
    };
    let verdict = evaluate(&third, &limited);
    assert_eq!(verdict.status, DocumentStatus::Accepted);
    assert_eq!(verdict.attempts_remaining, Some(0));
    let fourth = DocumentFacts {
        attempt: 4,
        ..facts()
    };
    assert_eq!(reasons(&fourth, &limited), [RejectionCode::Other]);
    let unlimited = DocumentFacts {
        attempt: 400,
        ..facts()
    };
    assert_eq!(reasons(&unlimited, &DocumentPolicy::default()), []);
}

#[test]
fn duplicates_from_the_callers_lookup_reject() {
    for duplicate in [
        DuplicateLookup::SameDocumentNumber {
            other_applicant: "app_2".into(),
        },
        DuplicateLookup::SameFileHash {
            other_applicant: "app_3".into(),
        },
    ] {
        let dup = DocumentFacts {
            duplicate,
            ..facts()
        };
        assert_eq!(
            reasons(&dup, &DocumentPolicy::default()),
            [RejectionCode::DocumentDuplicate]
        );
    }
    let unchecked = DocumentFacts {
        duplicate: DuplicateLookup::NotChecked,
        ..facts()
    };
    assert_eq!(reasons(&unchecked, &DocumentPolicy::default()), []);
}

#[test]
fn data_mismatches_use_the_specific_reasons() {
    let policy = DocumentPolicy::default();
    let with = |d: Vec<Discrepancy>| DocumentFacts {
        discrepancies: d,
        ..facts()
    };
    assert_eq!(
        reasons(&with(vec![mismatch(ComparedField::Surname)]), &policy),
        [RejectionCode::NameMismatch]
    );
    assert_eq!(
        reasons(&with(vec![mismatch(ComparedField::DateOfBirth)]), &policy),
        [RejectionCode::DateOfBirthMismatch]
    );
    let both = with(vec![
        mismatch(ComparedField::GivenNames),
        mismatch(ComparedField::DateOfBirth),
    ]);
    assert_eq!(
        reasons(&both, &policy),
        [RejectionCode::NameAndDateOfBirthMismatch]
    );
    let number = with(vec![mismatch(ComparedField::DocumentNumber)]);
    assert_eq!(reasons(&number, &policy), [RejectionCode::DocumentMismatch]);
    let minor = Discrepancy {
        kind: DiscrepancyKind::MinorDifference,
        ..mismatch(ComparedField::Surname)
    };
    assert_eq!(reasons(&with(vec![minor]), &policy), []);
}

#[test]
fn every_failure_is_reported_together() {
    let bad = DocumentFacts {
        sides_present: vec![],
        date_of_expiry: Some(common::date("2020-01-01")),
        date_of_birth: Some(common::date("2015-01-01")),
        duplicate: DuplicateLookup::SameFileHash {
            other_applicant: "x".into(),
        },
        mrz_valid: Some(false),
        ..facts()
    };
    let verdict = evaluate(&bad, &DocumentPolicy::default());
    assert_eq!(verdict.status, DocumentStatus::Rejected);
    let json = serde_json::to_value(&verdict).unwrap();
    let types: Vec<&str> = json["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "information_missing",
            "document_expired",
            "underage",
            "document_duplicate",
            "document_invalid"
        ]
    );
}
