//! The python-stdnum labelled vectors from the shared fixtures, run through
//! `validate`. Known, deliberate disagreements are listed with their reason.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use kycore_checks::{IdentifierKind, ValidationRequest, validate_on};

/// How each fixture module maps onto our request types.
const MODULES: &[(&str, IdentifierKind, Option<&str>)] = &[
    ("iban", IdentifierKind::Iban, None),
    ("lei", IdentifierKind::Lei, None),
    ("us.ein", IdentifierKind::Ein, None),
    ("eu.vat", IdentifierKind::Vat, None),
    ("gb.vat", IdentifierKind::Vat, Some("GB")),
    ("de.vat", IdentifierKind::Vat, Some("DE")),
    ("fr.tva", IdentifierKind::Vat, Some("FR")),
    ("nl.btw", IdentifierKind::Vat, Some("NL")),
    ("it.iva", IdentifierKind::Vat, Some("IT")),
    ("es.nif", IdentifierKind::Vat, Some("ES")),
    ("be.vat", IdentifierKind::Vat, Some("BE")),
    ("at.uid", IdentifierKind::Vat, Some("AT")),
    ("dk.cvr", IdentifierKind::Vat, Some("DK")),
    ("ie.vat", IdentifierKind::Vat, Some("IE")),
    ("pt.nif", IdentifierKind::Vat, Some("PT")),
    ("lu.tva", IdentifierKind::Vat, Some("LU")),
    ("pl.nip", IdentifierKind::Vat, Some("PL")),
    ("fr.siren", IdentifierKind::CompanyNumber, Some("FR")),
    ("no.orgnr", IdentifierKind::CompanyNumber, Some("NO")),
    ("se.orgnr", IdentifierKind::CompanyNumber, Some("SE")),
    ("fi.ytunnus", IdentifierKind::CompanyNumber, Some("FI")),
    ("ee.registrikood", IdentifierKind::CompanyNumber, Some("EE")),
    ("au.acn", IdentifierKind::CompanyNumber, Some("AU")),
    ("ca.bn", IdentifierKind::CompanyNumber, Some("CA")),
    ("sg.uen", IdentifierKind::CompanyNumber, Some("SG")),
    ("br.cnpj", IdentifierKind::CompanyNumber, Some("BR")),
];

/// (module, input, why we differ from python-stdnum).
const KNOWN_DISAGREEMENTS: &[(&str, &str, &str)] = &[(
    "iban",
    "BE68539007547034",
    "python-stdnum also checks the Belgian bank-code list; we check structure and MOD 97 only",
)];

#[test]
fn identifier_vectors_agree_with_the_oracle() {
    let Some(fixture) = common::fixture("identifiers/identifier_vectors.json") else {
        return;
    };
    let mut disagreements = Vec::new();
    let mut checked = 0;
    for &(module, kind, country) in MODULES {
        for case in fixture["modules"][module]["cases"].as_array().unwrap() {
            let input = case["input"].as_str().unwrap();
            let request = ValidationRequest {
                r#type: kind,
                value: input.to_owned(),
                country: country.map(str::to_owned),
            };
            let outcome = validate_on(&request, common::today());
            checked += 1;
            if outcome.valid != case["valid"].as_bool().unwrap() {
                disagreements.push((module, input, outcome.errors.clone()));
            }
        }
    }
    for (module, input, errors) in &disagreements {
        eprintln!("disagree: {module} {input:?} {errors:?}");
    }
    let unexpected: Vec<_> = disagreements
        .iter()
        .filter(|(m, i, _)| {
            !KNOWN_DISAGREEMENTS
                .iter()
                .any(|(km, ki, _)| km == m && ki == i)
        })
        .collect();
    eprintln!(
        "{checked} vectors checked, {} known disagreements",
        disagreements.len() - unexpected.len()
    );
    assert!(unexpected.is_empty(), "{unexpected:?}");
}
