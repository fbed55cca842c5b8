//! The portal's translation catalog: Fluent files compiled into the binary, one per
//! language, and the choice of language for a request — an explicit `?lang=` (remembered in
//! a cookie), else the browser's `Accept-Language`, else English.

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_langneg::{NegotiationStrategy, accepted_languages, negotiate_languages};
use unic_langid::LanguageIdentifier;

/// A language the portal speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::De];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    fn source(self) -> &'static str {
        match self {
            Lang::En => include_str!("locales/en.ftl"),
            Lang::De => include_str!("locales/de.ftl"),
        }
    }

    /// The best language for an `Accept-Language` header.
    pub fn negotiate(accept_language: &str) -> Lang {
        let requested = accepted_languages::parse(accept_language);
        let available: Vec<LanguageIdentifier> = Lang::ALL
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

struct Catalog {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

fn bundle(lang: Lang) -> FluentBundle<FluentResource> {
    // The catalogs are part of the binary and a unit test parses them, so a broken one
    // cannot ship; failing loudly at first use is right.
    let resource = FluentResource::try_new(lang.source().to_owned())
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

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| Catalog {
    bundles: Lang::ALL.into_iter().map(|l| (l, bundle(l))).collect(),
});

/// Texts in one language.
#[derive(Clone, Copy, Debug)]
pub struct Texts {
    pub lang: Lang,
}

impl Texts {
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

    /// Whether the catalog has `id` (error codes fall back to a generic text).
    pub fn has(&self, id: &str) -> bool {
        self.bundle().has_message(id)
    }

    fn bundle(&self) -> &'static FluentBundle<FluentResource> {
        let catalog = &*CATALOG;
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
            tracing::warn!(id, lang = self.lang.code(), "missing portal text");
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
    use super::*;
    use fluent_bundle::FluentResource;
    use fluent_syntax::ast::Entry;

    fn ids(lang: Lang) -> Vec<String> {
        let resource = FluentResource::try_new(lang.source().to_owned()).unwrap();
        let mut ids: Vec<String> = resource
            .entries()
            .filter_map(|e| match e {
                Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect();
        ids.sort();
        ids
    }

    #[test]
    fn every_language_has_every_message() {
        assert_eq!(ids(Lang::De), ids(Lang::En));
        assert!(ids(Lang::En).len() > 100);
    }

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(Lang::negotiate("de-CH, de;q=0.9, en;q=0.8"), Lang::De);
        assert_eq!(Lang::negotiate("fr-FR, de;q=0.5"), Lang::De);
        assert_eq!(Lang::negotiate("fr-FR"), Lang::En);
        assert_eq!(Lang::negotiate(""), Lang::En);
        assert_eq!(Lang::negotiate(";;;garbage=="), Lang::En);
    }

    #[test]
    fn messages_take_arguments_and_plurals() {
        let de = Texts { lang: Lang::De };
        assert_eq!(
            de.with("progress", &[("current", 2.into()), ("total", 5.into())]),
            "Schritt 2 von 5"
        );
        let en = Texts { lang: Lang::En };
        assert_eq!(
            en.with("attempts-left", &[("count", 1.into())]),
            "You can upload this 1 more time."
        );
        assert_eq!(en.get("no-such-message"), "no-such-message");
    }
}
