//! The pages' translation catalogs: Fluent files compiled into the binary, one per page set
//! (the portal's in `portal/locales`, the console's in `console/locales`) and language, and
//! the choice of language for a request — an explicit `?lang=` (remembered in a cookie), else
//! the browser's `Accept-Language`, else English. Dates are written with each language's
//! `date-long` message, so a translator decides their order and month names.

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_langneg::{NegotiationStrategy, accepted_languages, negotiate_languages};
use unic_langid::LanguageIdentifier;

/// A language of the pages (the portal speaks all; the console English and German).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
    Fr,
    Es,
    Ar,
}

impl Lang {
    pub const ALL: [Lang; 5] = [Lang::En, Lang::De, Lang::Fr, Lang::Es, Lang::Ar];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::Ar => "ar",
        }
    }

    /// Which way the language's script runs, for `<html dir>`: the page's layout mirrors
    /// with it.
    pub fn dir(self) -> &'static str {
        match self {
            Lang::Ar => "rtl",
            Lang::En | Lang::De | Lang::Fr | Lang::Es => "ltr",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The best language for an `Accept-Language` header, of the portal's.
    #[cfg(test)]
    pub fn negotiate(accept_language: &str) -> Lang {
        Lang::negotiate_among(accept_language, &Lang::ALL)
    }

    /// The best language of `supported` (English first) for an `Accept-Language` header.
    pub fn negotiate_among(accept_language: &str, supported: &[Lang]) -> Lang {
        let requested = accepted_languages::parse(accept_language);
        let available: Vec<LanguageIdentifier> = supported
            .iter()
            .filter_map(|l| l.code().parse().ok())
            .collect();
        let default: Option<LanguageIdentifier> = Lang::En.code().parse().ok();
        negotiate_languages(
            &requested,
            &available,
            default.as_ref(),
            NegotiationStrategy::Lookup,
        )
        .first()
        .and_then(|chosen| Lang::parse(chosen.language.as_str()))
        .unwrap_or(Lang::En)
    }
}

/// A request's language for `catalog`: `?lang=` (returned as chosen, for the page to
/// remember), else the language cookie `cookie`, else `Accept-Language`; only languages the
/// catalog has.
pub fn choose(
    parts: &axum::http::request::Parts,
    cookie: &str,
    catalog: Catalog,
) -> (Lang, Option<Lang>) {
    #[derive(serde::Deserialize)]
    struct LangQuery {
        lang: Option<String>,
    }
    let supported = |code: &str| Lang::parse(code).filter(|l| catalog.languages().contains(l));
    let chosen = axum::extract::Query::<LangQuery>::try_from_uri(&parts.uri)
        .ok()
        .and_then(|q| q.0.lang)
        .and_then(|code| supported(&code));
    let lang = chosen
        .or_else(|| {
            crate::web_pages::cookie_value(&parts.headers, cookie).and_then(|c| supported(&c))
        })
        .unwrap_or_else(|| {
            let accept = parts
                .headers
                .get(axum::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            Lang::negotiate_among(accept, catalog.languages())
        });
    (lang, chosen)
}

/// A set of pages with its own messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Catalog {
    Portal,
    Console,
}

impl Catalog {
    /// The languages it has messages in, English first.
    pub fn languages(self) -> &'static [Lang] {
        match self {
            Catalog::Portal => &Lang::ALL,
            Catalog::Console => &[Lang::En, Lang::De],
        }
    }

    /// The Fluent file of one of its languages.
    fn source(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Catalog::Console, Lang::De) => include_str!("console/locales/de.ftl"),
            (Catalog::Console, _) => include_str!("console/locales/en.ftl"),
            (Catalog::Portal, Lang::En) => include_str!("portal/locales/en.ftl"),
            (Catalog::Portal, Lang::De) => include_str!("portal/locales/de.ftl"),
            (Catalog::Portal, Lang::Fr) => include_str!("portal/locales/fr.ftl"),
            (Catalog::Portal, Lang::Es) => include_str!("portal/locales/es.ftl"),
            (Catalog::Portal, Lang::Ar) => include_str!("portal/locales/ar.ftl"),
        }
    }
}

struct Bundles {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

fn bundle(catalog: Catalog, lang: Lang) -> FluentBundle<FluentResource> {
    // The catalogs are part of the binary and a unit test parses them, so a broken one
    // cannot ship; failing loudly at first use is right.
    let resource = FluentResource::try_new(catalog.source(lang).to_owned())
        .unwrap_or_else(|(_, errors)| panic!("{} catalog: {errors:?}", lang.code()));
    let id: LanguageIdentifier = lang.code().parse().expect("a valid language code");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Isolation marks are for mixing scripts in plain text; in HTML they only add bytes.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .unwrap_or_else(|errors| panic!("{} catalog: {errors:?}", lang.code()));
    bundle
}

fn bundles(catalog: Catalog) -> Bundles {
    Bundles {
        bundles: catalog
            .languages()
            .iter()
            .map(|l| (*l, bundle(catalog, *l)))
            .collect(),
    }
}

static PORTAL: LazyLock<Bundles> = LazyLock::new(|| bundles(Catalog::Portal));
static CONSOLE: LazyLock<Bundles> = LazyLock::new(|| bundles(Catalog::Console));

/// Texts of one catalog in one language.
#[derive(Clone, Copy, Debug)]
pub struct Texts {
    pub lang: Lang,
    pub catalog: Catalog,
}

impl Texts {
    pub fn portal(lang: Lang) -> Texts {
        Texts {
            lang,
            catalog: Catalog::Portal,
        }
    }

    /// The console's texts; a language it lacks reads English.
    pub fn console(lang: Lang) -> Texts {
        Texts {
            lang,
            catalog: Catalog::Console,
        }
    }

    /// The message `id`; the id itself when the catalog lacks it (a test keeps that from
    /// happening for every id the pages use).
    pub fn get(&self, id: &str) -> String {
        self.format(id, None)
    }

    pub fn with(&self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        self.format(id, Some(&fluent_args))
    }

    /// A calendar date (`YYYY-MM-DD`, as stored and as `<input type=date>` sends it) the way
    /// this language writes it; anything else as it is.
    pub fn date(&self, iso: &str) -> String {
        match kycore_domain::applicant::parse_date(iso) {
            Some(date) => self.with(
                "date-long",
                &[
                    ("day", date.day().into()),
                    ("month", u8::from(date.month()).into()),
                    ("year", date.year().into()),
                ],
            ),
            None => iso.to_owned(),
        }
    }

    /// Whether the catalog has `id` (error codes fall back to a generic text).
    pub fn has(&self, id: &str) -> bool {
        self.bundle().has_message(id)
    }

    fn bundle(&self) -> &'static FluentBundle<FluentResource> {
        let catalog: &Bundles = match self.catalog {
            Catalog::Portal => &PORTAL,
            Catalog::Console => &CONSOLE,
        };
        catalog
            .bundles
            .iter()
            .find(|(l, _)| *l == self.lang)
            .map(|(_, b)| b)
            .unwrap_or(&catalog.bundles[0].1)
    }

    fn format(&self, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        let bundle = self.bundle();
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            tracing::warn!(id, lang = self.lang.code(), catalog = ?self.catalog, "missing text");
            return id.to_owned();
        };
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use fluent_bundle::FluentResource;
    use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

    /// Each message's id, with the variables its text uses.
    fn messages(catalog: Catalog, lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
        let resource = FluentResource::try_new(catalog.source(lang).to_owned()).unwrap();
        resource
            .entries()
            .filter_map(|e| match e {
                Entry::Message(m) => {
                    let mut variables = BTreeSet::new();
                    if let Some(pattern) = &m.value {
                        pattern_variables(pattern, &mut variables);
                    }
                    Some((m.id.name.to_owned(), variables))
                }
                _ => None,
            })
            .collect()
    }

    fn pattern_variables(pattern: &Pattern<&str>, into: &mut BTreeSet<String>) {
        for element in &pattern.elements {
            if let PatternElement::Placeable { expression } = element {
                expression_variables(expression, into);
            }
        }
    }

    fn expression_variables(expression: &Expression<&str>, into: &mut BTreeSet<String>) {
        match expression {
            Expression::Inline(inline) => inline_variables(inline, into),
            Expression::Select { selector, variants } => {
                inline_variables(selector, into);
                for variant in variants {
                    pattern_variables(&variant.value, into);
                }
            }
        }
    }

    fn inline_variables(inline: &InlineExpression<&str>, into: &mut BTreeSet<String>) {
        match inline {
            InlineExpression::VariableReference { id } => {
                into.insert(id.name.to_owned());
            }
            InlineExpression::Placeable { expression } => expression_variables(expression, into),
            InlineExpression::FunctionReference { arguments, .. } => {
                for argument in &arguments.positional {
                    inline_variables(argument, into);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn every_language_has_every_message_with_the_same_variables() {
        for catalog in [Catalog::Portal, Catalog::Console] {
            catalog_is_complete(catalog);
        }
    }

    fn catalog_is_complete(catalog: Catalog) {
        let english = messages(catalog, Lang::En);
        assert!(english.len() > 50);
        for lang in catalog.languages().iter().copied() {
            let translated = messages(catalog, lang);
            let missing: Vec<_> = english
                .keys()
                .filter(|id| !translated.contains_key(*id))
                .collect();
            let extra: Vec<_> = translated
                .keys()
                .filter(|id| !english.contains_key(*id))
                .collect();
            let mismatched: Vec<_> = english
                .iter()
                .filter(|(id, variables)| translated.get(*id).is_some_and(|t| t != *variables))
                .map(|(id, _)| id)
                .collect();
            assert!(
                missing.is_empty() && extra.is_empty() && mismatched.is_empty(),
                "{catalog:?} {}: missing {missing:?}, not in en.ftl {extra:?}, other variables in {mismatched:?}",
                lang.code()
            );
        }
    }

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(Lang::negotiate("de-CH, de;q=0.9, en;q=0.8"), Lang::De);
        assert_eq!(Lang::negotiate("fr-FR, de;q=0.5"), Lang::Fr);
        assert_eq!(Lang::negotiate("es-MX"), Lang::Es);
        assert_eq!(Lang::negotiate("ar-EG, en;q=0.5"), Lang::Ar);
        assert_eq!(Lang::negotiate("pt-BR, de;q=0.5"), Lang::De);
        assert_eq!(Lang::negotiate("pt-BR"), Lang::En);
        assert_eq!(Lang::negotiate(""), Lang::En);
        assert_eq!(Lang::negotiate(";;;garbage=="), Lang::En);
    }

    #[test]
    fn only_arabic_runs_right_to_left() {
        let rtl: Vec<Lang> = Lang::ALL.into_iter().filter(|l| l.dir() == "rtl").collect();
        assert_eq!(rtl, [Lang::Ar]);
    }

    #[test]
    fn messages_take_arguments_and_plurals() {
        let de = Texts::portal(Lang::De);
        assert_eq!(
            de.with("progress", &[("current", 2.into()), ("total", 5.into())]),
            "Schritt 2 von 5"
        );
        let en = Texts::portal(Lang::En);
        assert_eq!(
            en.with("attempts-left", &[("count", 1.into())]),
            "You can upload this 1 more time."
        );
        assert_eq!(en.get("no-such-message"), "no-such-message");
        let ar = Texts::portal(Lang::Ar);
        assert_eq!(
            ar.with("attempts-left", &[("count", 2.into())]),
            "يمكنك رفع هذا الملف مرتين أخريين."
        );
    }

    #[test]
    fn dates_are_written_the_way_each_language_writes_them() {
        let dates: Vec<String> = Lang::ALL
            .into_iter()
            .map(|lang| Texts::portal(lang).date("1974-08-01"))
            .collect();
        assert_eq!(
            dates,
            [
                "1 August 1974",
                "1. August 1974",
                "1 août 1974",
                "1 de agosto de 1974",
                "1 أغسطس 1974"
            ]
        );
        assert_eq!(Texts::portal(Lang::Fr).date("1974-13-01"), "1974-13-01");
    }

    /// A date field's hint and its error give their example as the review shows dates, not
    /// as `YYYY-MM-DD`, which no browser's date control shows.
    #[test]
    fn date_hints_and_errors_write_dates_like_the_review() {
        for lang in Lang::ALL {
            let texts = Texts::portal(lang);
            let example = texts.date("1990-03-31");
            for id in ["hint-date", "error-invalid_date"] {
                let text = texts.get(id);
                assert!(text.contains(&example), "{}: {id} = {text:?}", lang.code());
                assert!(!text.contains("1990-03-31"), "{}: {id}", lang.code());
            }
        }
    }
}
