//! Loads the real list files and checks facts about them and about search
//! results on them.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::time::{Duration, Instant};

use kycore_screening::lists::{bis_dpl, csl_csv, eu_uk_combined_csv, ofac_csv, ofac_xml, un_xml};
use kycore_screening::{
    DEFAULT_THRESHOLD, EntityType, Hit, MatchKind, NameKind, PartialDate, Query, QueryError,
    Screener, Verdict,
};

fn hit_for<'a>(hits: &'a [Hit], entity_id: &str) -> Option<&'a Hit> {
    hits.iter().find(|h| h.entity_id == entity_id)
}

fn search(name: &str) -> Vec<Hit> {
    let screener = common::screener().unwrap();
    screener.search(&Query::name(name)).unwrap()
}

#[test]
fn every_format_loads_with_the_published_counts() {
    let Some(dir) = common::watchlists() else {
        return;
    };
    let sdn_dir = dir.join("us_ofac_sdn/2024-05-03_git-scrape");
    let sdn = ofac_csv::load(
        &ofac_csv::OfacPaths::in_dir(&sdn_dir, ofac_csv::OfacFlavor::Sdn),
        "sdn",
        None,
    )
    .unwrap();
    assert_eq!(sdn.entities.len(), 14_965);
    let persons = sdn
        .entities
        .iter()
        .filter(|e| e.entity_type == EntityType::Person)
        .count();
    assert_eq!(persons, 6_854);

    let bench_dir = dir.join("us_ofac_sdn/2021-07_watchman-bench");
    let sdn21 = ofac_csv::load(
        &ofac_csv::OfacPaths::in_dir(&bench_dir, ofac_csv::OfacFlavor::Sdn),
        "sdn",
        None,
    )
    .unwrap();
    assert_eq!(sdn21.entities.len(), 8_976);
    let aliases = sdn21
        .entities
        .iter()
        .flat_map(|e| &e.names)
        .filter(|n| n.kind != NameKind::Primary)
        .count();
    assert!(aliases >= 11_910, "alt.csv aliases joined: {aliases}");

    let cons_dir = dir.join("us_ofac_non_sdn/2025-12_csv");
    let cons = ofac_csv::load(
        &ofac_csv::OfacPaths::in_dir(&cons_dir, ofac_csv::OfacFlavor::Consolidated),
        "cons",
        None,
    )
    .unwrap();
    assert_eq!(cons.entities.len(), 442);

    let un = un_xml::load(&dir.join("un_sc/2026-02-27/UN_consolidated.xml"), "un").unwrap();
    assert_eq!(un.entities.len(), 1_003);
    assert_eq!(
        un.entities
            .iter()
            .filter(|e| e.entity_type == EntityType::Person)
            .count(),
        730
    );
    assert_eq!(
        un.source.version.as_deref(),
        Some("2026-02-27T00:00:09.554Z")
    );

    let enhanced = ofac_xml::load(
        &dir.join("us_ofac_non_sdn/2025-01-10_enhanced-xml/CONS_ENHANCED.ZIP"),
        "x",
    )
    .unwrap();
    assert_eq!(enhanced.entities.len(), 443);
    assert_eq!(
        enhanced.source.version.as_deref(),
        Some("2025-01-10T00:00:00")
    );

    let csl = csl_csv::load(
        &dir.join("us_trade_csl/2022-05/consolidated.csv.gz"),
        "csl",
        None,
    )
    .unwrap();
    assert_eq!(csl.entities.len(), 14_160);

    let dpl = bis_dpl::load(&dir.join("us_bis_dpl/2023-11/dpl.txt"), "dpl").unwrap();
    assert!(dpl.entities.len() > 500 && dpl.entities.len() <= 665);
    assert_eq!(dpl.source.version.as_deref(), Some("2023-11-28"));

    let combined_path = dir
        .join("combined_fca_sanctiontoolkit/2022-05-05/combined_sanction_lists_20220505_main.csv");
    let combined =
        eu_uk_combined_csv::load(&combined_path, "c", |l| l == "EU" || l == "UK Cons").unwrap();
    let count = |list: &str| {
        combined
            .entities
            .iter()
            .filter(|e| e.sublist.as_deref() == Some(list))
            .count()
    };
    assert_eq!(count("EU"), 3_372);
    assert_eq!(count("UK Cons"), 3_430);
}

#[test]
fn sdn_side_files_and_remarks_give_aliases() {
    let Some(dir) = common::watchlists() else {
        return;
    };
    let bench_dir = dir.join("us_ofac_sdn/2021-07_watchman-bench");
    let list = ofac_csv::load(
        &ofac_csv::OfacPaths::in_dir(&bench_dir, ofac_csv::OfacFlavor::Sdn),
        "sdn21",
        None,
    )
    .unwrap();
    let screener = Screener::new(vec![list]);
    let hits = screener
        .search(&Query::name("National Bank of Cuba"))
        .unwrap();
    let hit = hit_for(&hits, "306").expect("alt.csv alias of BANCO NACIONAL DE CUBA");
    assert_eq!(hit.matched_name, "NATIONAL BANK OF CUBA");
    assert_eq!(hit.name, "BANCO NACIONAL DE CUBA");

    let hits = search("Alexei Rakhmanov");
    let hit = hit_for(&hits, "36051").expect("remarks a.k.a. of RAKHMANOV, Aleksey Lvovich");
    assert_eq!(hit.list, "us_ofac_sdn");
    assert!(hit.matched_name.contains("Alexei"));
}

#[test]
fn other_scripts_are_transliterated() {
    if common::screener().is_none() {
        return;
    }
    let hits = search("Владимир Путин");
    assert!(
        hit_for(&hits, "35096").is_some(),
        "Cyrillic Putin: {hits:?}"
    );
    let hits = search("صدام حسين التكريتي");
    let hit =
        hit_for(&hits, "6908048").expect("Arabic Saddam Hussein via the UN original-script name");
    assert!(hit.score > 0.9);
    let hits = search("Николас Мадуро Морос");
    assert!(
        hit_for(&hits, "22790").is_some(),
        "Cyrillic Maduro: {hits:?}"
    );
}

#[test]
fn typos_and_word_order_still_match() {
    if common::screener().is_none() {
        return;
    }
    for query in [
        "Nicolas Maduro Moros",
        "MOROS MADURO nicolas",
        "Nicolas Madura Moros",
        "Nicloas Maduro Moros",
    ] {
        let hits = search(query);
        assert!(hit_for(&hits, "22790").is_some(), "{query}: {hits:?}");
    }
    let hits = search("Vladimir Vladimirovich Puttin");
    let hit = hit_for(&hits, "35096").expect("typo in surname");
    assert!(
        hit.explanation
            .token_matches
            .iter()
            .any(|m| matches!(m.kind, MatchKind::Typo { edits: 1 })),
        "{:?}",
        hit.explanation
    );
}

#[test]
fn contradicting_birth_date_drops_below_threshold() {
    let Some(screener) = common::screener() else {
        return;
    };
    let base = Query::name("Nicolas Maduro Moros");
    let plain = screener.search(&base).unwrap();
    let plain_score = hit_for(&plain, "22790").unwrap().score;

    let agreeing = Query {
        date_of_birth: PartialDate::parse("1962-11-23"),
        ..base.clone()
    };
    let hits = screener.search(&agreeing).unwrap();
    let hit = hit_for(&hits, "22790").unwrap();
    assert!(hit.score >= plain_score);
    assert_eq!(hit.explanation.qualifiers[0].verdict, Verdict::Agrees);

    let contradicting = Query {
        date_of_birth: PartialDate::parse("1975-02-01"),
        ..base.clone()
    };
    let hits = screener.search(&contradicting).unwrap();
    assert!(
        hit_for(&hits, "22790").is_none(),
        "different birth year must not match: {hits:?}"
    );
    // Below the threshold by a margin, and the explanation says why.
    let all = Query {
        threshold: Some(0.0),
        ..contradicting
    };
    let hits = screener.search(&all).unwrap();
    let hit = hit_for(&hits, "22790").unwrap();
    assert!(hit.score <= plain_score - 0.3, "{}", hit.score);
    let dob = &hit.explanation.qualifiers[0];
    assert_eq!(dob.verdict, Verdict::Contradicts);
    assert!(dob.detail.contains("13 years apart"), "{}", dob.detail);

    let wrong_type = Query {
        entity_type: Some(EntityType::Organization),
        ..base
    };
    let hits = screener.search(&wrong_type).unwrap();
    assert!(hit_for(&hits, "22790").is_none_or(|h| h.score < plain_score));
}

#[test]
fn common_names_alone_weigh_less_than_rare_ones() {
    let Some(screener) = common::screener() else {
        return;
    };
    let common = screener.score_pair("Person", "Mohammed Ali", "Mohammed Ali");
    let rare = screener.score_pair("Person", "Nicolas Maduro", "Nicolas Maduro");
    assert!(common < rare, "common {common} rare {rare}");
    // A listed name of common words alone still meets itself.
    let generic = screener.score_pair("Company", "INT LTD EOOD", "INT LTD EOOD");
    assert!(generic >= DEFAULT_THRESHOLD, "{generic}");
    assert!(screener.score_pair("Person", "John Smith", "Jane Doe") < 0.3);
    assert!(
        screener.score_pair("Person", "Vladimir Putin", "PUTIN, Vladimir Vladimirovich")
            >= DEFAULT_THRESHOLD
    );
    assert!(screener.score_pair("Company", "Belletech Corp", "11420 CORP.") < DEFAULT_THRESHOLD);
}

#[test]
fn bad_inputs_fail_cleanly_and_fast() {
    let Some(screener) = common::screener() else {
        return;
    };
    let long = "Mohammed ".repeat(1_200);
    let many_words = "ab ".repeat(40);
    let cases: Vec<(&str, Option<QueryError>)> = vec![
        ("", Some(QueryError::EmptyName)),
        ("   \t\n", Some(QueryError::EmptyName)),
        ("😀🔥🎉", Some(QueryError::EmptyName)),
        ("\u{0}\u{1}\u{7f}", Some(QueryError::EmptyName)),
        (
            &long,
            Some(QueryError::NameTooLong {
                chars: long.chars().count(),
                max: 300,
            }),
        ),
        (
            &many_words,
            Some(QueryError::TooManyWords {
                tokens: 40,
                max: 24,
            }),
        ),
        ("a", None),
        ("Vladimir Путин 習近平 😀 محمد", None),
        ("Ma\u{0}duro\u{202e} Moros", None),
        ("al al al al al al al al al al al al", None),
    ];
    for (name, expected) in cases {
        let started = Instant::now();
        let result = screener.search(&Query::name(name));
        assert!(
            started.elapsed() < Duration::from_millis(200),
            "{name:?} took {:?}",
            started.elapsed()
        );
        match expected {
            Some(error) => assert_eq!(result.unwrap_err(), error),
            None => assert!(result.is_ok(), "{name:?}: {result:?}"),
        }
    }
    let bad_threshold = Query {
        threshold: Some(f64::NAN),
        ..Query::name("x y")
    };
    assert_eq!(
        screener.search(&bad_threshold).unwrap_err(),
        QueryError::InvalidThreshold
    );
    let bad_list = Query {
        lists: Some(vec!["nope".to_owned()]),
        ..Query::name("x y")
    };
    assert!(matches!(
        screener.search(&bad_list),
        Err(QueryError::UnknownList(_))
    ));
}

#[test]
fn screener_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Screener>();
    let Some(screener) = common::screener() else {
        return;
    };
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                assert!(
                    !screener
                        .search(&Query::name("Nicolas Maduro"))
                        .unwrap()
                        .is_empty()
                )
            });
        }
    });
}
