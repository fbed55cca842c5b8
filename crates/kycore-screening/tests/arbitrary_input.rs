//! Property tests: no input string makes normalisation, date parsing or a
//! search panic, and searches stay fast.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::{Duration, Instant};

use kycore_screening::model::{Entity, EntityType, ListSource, LoadedList, NameKind, NameQuality};
use kycore_screening::{PartialDate, Query, Screener, normalize};
use proptest::prelude::*;

fn small_screener() -> Screener {
    let names = [
        "PUTIN, Vladimir Vladimirovich",
        "BANCO NACIONAL DE CUBA",
        "Mohammed Ali",
        "JSC ARGUMENT",
        "11420 CORP.",
    ];
    let entities = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut e = Entity::new(i.to_string(), EntityType::Unknown);
            e.add_name(n, NameKind::Primary, NameQuality::Strong);
            e
        })
        .collect();
    Screener::new(vec![LoadedList {
        source: ListSource::new("t", None, "test"),
        entities,
    }])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings_never_panic(name in any::<String>(), dob in any::<String>()) {
        let screener = small_screener();
        let _ = normalize::tokenize(&name);
        let _ = PartialDate::parse(&dob);
        let started = Instant::now();
        let _ = screener.search(&Query::name(name.clone()));
        let _ = screener.score_pair("Person", &name, &dob);
        prop_assert!(started.elapsed() < Duration::from_millis(200));
    }

    #[test]
    fn folding_is_idempotent(
        name in any::<String>(),
        name_like in "[\\p{L}\\p{M}\\p{N}'’. -]{0,30}",
        latin in "[dzhjoa ]{0,24}",
    ) {
        for text in [name, name_like, latin] {
            let once = normalize::fold(&text);
            prop_assert_eq!(normalize::fold(&once), once, "{:?}", text);
        }
    }

    #[test]
    fn name_like_strings_never_panic(name in "[\\p{L}\\p{N}\\p{P}\\p{S} ]{0,400}") {
        let screener = small_screener();
        let _ = screener.search(&Query { threshold: Some(0.0), ..Query::name(name) });
    }
}

#[test]
fn hostile_names_give_sane_results_fast() {
    let screener = small_screener();
    let thai_run: String = "ก".repeat(300);
    let han_run: String = "習".repeat(300);
    let flood = format!("Pu{}tin", "\u{0301}".repeat(290));
    let cases = [
        "Vladimir Путин 習近平 محمد".to_owned(),
        "\u{202e}nituP rimidalV\u{202c}".to_owned(),
        "Vla\u{200b}dimir\u{200d} Pu\u{feff}tin".to_owned(),
        flood,
        thai_run,
        han_run,
        "ـــــ ،،، ׳׳׳".to_owned(),
    ];
    // A bound that catches a blow-up (a search growing with the square of
    // a 300-letter word takes seconds), not one that measures speed: this
    // runs unoptimized, beside the rest of the suite on two cores, where
    // the Thai run once took 59 ms against an earlier bound of 50. Speed is
    // the benchmark's (README).
    for name in cases {
        let started = Instant::now();
        let result = screener.search(&Query::name(name.clone()));
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{name:?} took {:?}",
            started.elapsed()
        );
        if let Ok(hits) = result {
            assert!(hits.len() <= 10);
        }
    }
    // Invisible characters change nothing.
    let loose = |name: &str| Query {
        threshold: Some(0.0),
        ..Query::name(name)
    };
    let hidden = screener
        .search(&loose("Vla\u{200b}dimir\u{200d} Pu\u{feff}tin"))
        .unwrap();
    let plain = screener.search(&loose("Vladimir Putin")).unwrap();
    assert_eq!(hidden, plain);
    assert_eq!(plain[0].entity_id, "0");
}

#[test]
fn a_pair_is_explained_as_it_is_scored() {
    let screener = small_screener();
    let score = screener.score_pair("Person", "Hannah Townsand", "TOWNSEND, Anna");
    let explanation = screener
        .explain_pair("Person", "Hannah Townsand", "TOWNSEND, Anna")
        .unwrap();
    assert!((explanation.name_score - score).abs() < 0.001);
    assert_eq!(explanation.token_matches.len(), 2);
    // A nickname and a typo: two differences.
    assert!(explanation.differences_factor < 1.0);
    assert!(screener.explain_pair("Person", "..", "Anna").is_none());
}
