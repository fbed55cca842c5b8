//! Country normalisation: every list writes countries differently (ISO codes,
//! English short names, official long names), so all of them are reduced to
//! ISO 3166-1 alpha-2 before they are compared.

use std::str::FromStr;

use celes::Country;

/// Names seen in the lists that the ISO tables do not spell the same way.
const EXTRA_NAMES: &[(&str, &str)] = &[
    ("democraticrepublicofthecongo", "CD"),
    ("drc", "CD"),
    ("republicofthecongo", "CG"),
    ("southkorea", "KR"),
    ("korearepublicof", "KR"),
    ("koreanorth", "KP"),
    ("dprk", "KP"),
    ("democraticpeoplesrepublicofkorea", "KP"),
    ("iranislamicrepublicof", "IR"),
    ("syrianarabrepublic", "SY"),
    ("russianfederation", "RU"),
    ("uk", "GB"),
    ("greatbritain", "GB"),
    ("unitedstates", "US"),
    ("usa", "US"),
    ("turkiye", "TR"),
    ("palestinianterritories", "PS"),
    ("westbank", "PS"),
    ("gaza", "PS"),
    ("kosovo", "XK"),
    ("laos", "LA"),
    ("bolivia", "BO"),
    ("tanzania", "TZ"),
    ("moldova", "MD"),
    ("vietnam", "VN"),
    ("ivorycoast", "CI"),
    ("cotedivoire", "CI"),
    ("czechia", "CZ"),
    ("macedonia", "MK"),
    ("northmacedonia", "MK"),
    ("crimea", "UA"),
];

/// Returns the alpha-2 code for a code or name, or `None` when unknown.
pub fn to_iso2(raw: &str) -> Option<String> {
    let key: String = any_ascii::any_ascii(raw.trim())
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if key.is_empty() || key.len() > 80 {
        return None;
    }
    if let Some((_, code)) = EXTRA_NAMES.iter().find(|(name, _)| *name == key) {
        return Some((*code).to_owned());
    }
    let country = Country::from_str(&key)
        .or_else(|_| Country::from_alias(&key))
        .or_else(|_| Country::from_str(key.trim_start_matches("the")))
        .ok()?;
    Some(country.alpha2.to_owned())
}

#[cfg(test)]
mod tests {
    use super::to_iso2;

    #[test]
    fn list_spellings_reduce_to_alpha2() {
        assert_eq!(to_iso2("Russia").as_deref(), Some("RU"));
        assert_eq!(to_iso2("SY").as_deref(), Some("SY"));
        assert_eq!(
            to_iso2("Democratic Republic of the Congo").as_deref(),
            Some("CD")
        );
        assert_eq!(to_iso2("Iran").as_deref(), Some("IR"));
        assert_eq!(to_iso2("United Kingdom").as_deref(), Some("GB"));
        assert_eq!(to_iso2("Atlantis"), None);
    }
}
