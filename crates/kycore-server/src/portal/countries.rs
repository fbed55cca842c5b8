//! Country names in the visitor's language: the ISO 3166 countries the portal offers
//! (`celes`), named from CLDR through ICU4X's display names and sorted as a reader of that
//! language looks them up. Each language's list is built once, on first use.

use std::sync::LazyLock;

use icu_experimental::displaynames::DisplayNamesOptions;
use icu_experimental::displaynames::multi::RegionDisplayNames;
use icu_locale_core::Locale;
use icu_locale_core::subtags::Region;
use icu_provider_blob::BlobDataProvider;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::i18n::Lang;

/// CLDR's country names in the portal's languages only, as ICU4X's datagen writes them
/// (`scripts/cldr-data` regenerates the file).
const CLDR_NAMES: &[u8] = include_bytes!("locales/countries.postcard");

/// Countries as (code, name), the form a `<select>`'s options take.
type Choices = Vec<(String, String)>;

/// The country choices of each language.
static COUNTRIES: LazyLock<Vec<(Lang, Choices)>> = LazyLock::new(|| {
    // A unit test reads the file, so it cannot ship unreadable; if it did, the ISO list's
    // English names would still be shown.
    let cldr = BlobDataProvider::try_new_from_static_blob(CLDR_NAMES)
        .inspect_err(|error| tracing::error!(%error, "CLDR country names unreadable"))
        .ok();
    Lang::ALL
        .into_iter()
        .map(|lang| (lang, countries_in(lang, cldr.as_ref())))
        .collect()
});

/// Every country, as (code, name), sorted by name in `lang`.
pub fn choices(lang: Lang) -> &'static [(String, String)] {
    COUNTRIES
        .iter()
        .find(|(l, _)| *l == lang)
        .map_or(&[], |(_, countries)| countries.as_slice())
}

/// The name of the country `code` in `lang`; the code itself for one the list lacks.
pub fn name(lang: Lang, code: &str) -> String {
    choices(lang)
        .iter()
        .find(|(c, _)| c == code)
        .map_or_else(|| code.to_owned(), |(_, name)| name.clone())
}

fn countries_in(lang: Lang, cldr: Option<&BlobDataProvider>) -> Choices {
    let names = lang.code().parse::<Locale>().ok().and_then(|locale| {
        let options = DisplayNamesOptions::default();
        RegionDisplayNames::try_new_with_buffer_provider(cldr?, locale.into(), options).ok()
    });
    let cldr_name = |code: &str| {
        let region = Region::try_from_str(code).ok()?;
        names.as_ref()?.of(region)
    };
    let mut countries: Choices = celes::Country::get_countries()
        .iter()
        .map(|c| {
            // The ISO list's English name only where CLDR has none, so a code is never
            // shown bare.
            let name = cldr_name(c.alpha2).unwrap_or(c.long_name);
            (c.alpha2.to_owned(), name.to_owned())
        })
        .collect();
    countries.sort_by_cached_key(|(_, name)| sort_key(name));
    countries
}

/// A name's letters without their accents and vowel marks, in lower case: close enough to
/// each language's collation for a list of country names ("Égypte" among the E's), without
/// a collator and its data.
fn sort_key(name: &str) -> String {
    name.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_named_in_each_language_from_cldr() {
        let names: Vec<String> = Lang::ALL.into_iter().map(|l| name(l, "DE")).collect();
        assert_eq!(
            names,
            ["Germany", "Deutschland", "Allemagne", "Alemania", "ألمانيا"]
        );
        assert_eq!(name(Lang::Fr, "XX"), "XX");
        for lang in Lang::ALL {
            assert!(choices(lang).len() > 240, "{}", lang.code());
        }
    }

    #[test]
    fn countries_sort_as_readers_look_them_up() {
        let position = |lang: Lang, code: &str| choices(lang).iter().position(|(c, _)| c == code);
        // "Égypte" comes among the E's, before "Espagne", not after "Zimbabwe".
        assert!(position(Lang::Fr, "EG") < position(Lang::Fr, "ES"));
        assert!(position(Lang::Fr, "EG") > position(Lang::Fr, "DK"));
    }
}
