//! The OpenSanctions / FollowTheMoney loader on a small entity file written
//! for this test (`tests/data/entities.ftm.json`), and screening against it
//! across scripts.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::PathBuf;

use kycore_screening::lists::ftm_json;
use kycore_screening::{EntityType, MatchKind, NameKind, Query, Screener};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/entities.ftm.json")
}

#[test]
fn loads_screenable_entities_with_their_facts() {
    let list = ftm_json::load(&fixture(), "os_test", None).unwrap();
    assert_eq!(list.source.version.as_deref(), Some("2024-05-01T00:00:00"));
    let ids: Vec<&str> = list.entities.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "NK-test-kim",
            "NK-test-bank",
            "NK-test-pep",
            "NK-test-vessel"
        ]
    );
    let kim = &list.entities[0];
    assert_eq!(kim.entity_type, EntityType::Person);
    assert_eq!(kim.names.len(), 3);
    assert_eq!(kim.names[1].kind, NameKind::Alias);
    assert_eq!(kim.birth_dates[0].year, 1984);
    assert_eq!(kim.countries[0].code, "KP");
    let bank = &list.entities[1];
    assert_eq!(bank.identifiers[0].value, "FTBDKPPY");
    assert_eq!(list.entities[2].primary_name(), "Choe Ryong Hae");
    assert_eq!(list.entities[3].entity_type, EntityType::Vessel);
}

#[test]
fn hangul_query_finds_the_entry_and_says_how() {
    let screener = Screener::new(vec![ftm_json::load(&fixture(), "os_test", None).unwrap()]);
    let hits = screener.search(&Query::name("김정은")).unwrap();
    assert_eq!(hits[0].entity_id, "NK-test-kim");
    // One different syllable is another person.
    let hits = screener.search(&Query::name("김정일")).unwrap();
    assert!(
        hits.iter().all(|h| h.entity_id != "NK-test-kim"),
        "{hits:?}"
    );
    let hits = screener
        .search(&Query {
            threshold: Some(0.0),
            ..Query::name("김정은")
        })
        .unwrap();
    let json = serde_json::to_value(&hits[0].explanation).unwrap();
    assert!(
        json["token_matches"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["kind"] == "exact"),
        "{json}"
    );
}

#[test]
fn hangul_against_a_latin_only_entry_is_a_transliteration() {
    let mut list = ftm_json::load(&fixture(), "os_test", None).unwrap();
    list.entities[0].names.retain(|n| n.full == "Kim Jong Un");
    let screener = Screener::new(vec![list]);
    let hits = screener.search(&Query::name("김정은")).unwrap();
    let hit = hits.first().expect("Hangul query against the Latin name");
    assert_eq!(hit.entity_id, "NK-test-kim");
    let matches = &hit.explanation.token_matches;
    assert!(
        matches.iter().all(|m| m.kind == MatchKind::Transliteration),
        "{matches:?}"
    );
    let json = serde_json::to_value(&hit.explanation).unwrap();
    assert_eq!(json["token_matches"][0]["script"], "Hangul", "{json}");
    assert_eq!(
        json["token_matches"][0]["kind"], "transliteration",
        "{json}"
    );
}
