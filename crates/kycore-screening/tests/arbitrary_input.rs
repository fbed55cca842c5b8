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
    fn name_like_strings_never_panic(name in "[\\p{L}\\p{N}\\p{P}\\p{S} ]{0,400}") {
        let screener = small_screener();
        let _ = screener.search(&Query { threshold: Some(0.0), ..Query::name(name) });
    }
}
