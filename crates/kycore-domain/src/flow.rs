//! Flows: versioned verification templates. A case pins the flow version it was created with.
//!
//! The content is deliberately small for now (kind, countries, link lifetime, default flag);
//! steps, document requirements, checks and rules are added by the portal and checks work.

use serde::{Deserialize, Serialize};

use crate::applicant::normalize_country;
use crate::case::CaseKind;
use crate::ids::FlowId;
use crate::validation::ValidationErrors;

/// Links live a day unless the flow says otherwise.
pub const DEFAULT_LINK_LIFETIME_SECONDS: u32 = 24 * 60 * 60;
/// Links may live between five minutes and ninety days.
const LINK_LIFETIME_RANGE: std::ops::RangeInclusive<u32> = 300..=90 * 24 * 60 * 60;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlowDefinition {
    pub name: String,
    pub kind: CaseKind,
    /// Countries this flow is the default for; empty means "any".
    pub countries: Vec<String>,
    pub is_default: bool,
    pub link_lifetime_seconds: u32,
}

impl FlowDefinition {
    pub fn normalize_and_validate(&mut self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() || self.name.chars().count() > 200 {
            errors.add(
                "name",
                "invalid_length",
                "a name of 1 to 200 characters is required",
            );
        }
        for (i, country) in self.countries.iter_mut().enumerate() {
            match normalize_country(country) {
                Some(code) => *country = code,
                None => errors.add(
                    format!("countries[{i}]"),
                    "invalid_country",
                    format!("`{country}` is not an ISO 3166-1 alpha-2 country code"),
                ),
            }
        }
        self.countries.sort();
        self.countries.dedup();
        if !LINK_LIFETIME_RANGE.contains(&self.link_lifetime_seconds) {
            errors.add(
                "link_lifetime_seconds",
                "out_of_range",
                format!(
                    "between {} and {} seconds",
                    LINK_LIFETIME_RANGE.start(),
                    LINK_LIFETIME_RANGE.end()
                ),
            );
        }
        errors.into_result()
    }

    pub fn covers_country(&self, country: Option<&str>) -> bool {
        match country {
            Some(c) => self.countries.iter().any(|fc| fc == c),
            None => false,
        }
    }
}

/// A flow every organization has without creating it.
pub struct BuiltinFlow {
    pub id: &'static str,
    pub definition: fn() -> FlowDefinition,
}

pub const BUILTIN_FLOWS: [BuiltinFlow; 2] = [
    BuiltinFlow {
        id: "flow_kyc_default",
        definition: || builtin(CaseKind::Kyc, "Default KYC"),
    },
    BuiltinFlow {
        id: "flow_kyb_default",
        definition: || builtin(CaseKind::Kyb, "Default KYB"),
    },
];

fn builtin(kind: CaseKind, name: &str) -> FlowDefinition {
    FlowDefinition {
        name: name.to_owned(),
        kind,
        countries: Vec::new(),
        is_default: true,
        link_lifetime_seconds: DEFAULT_LINK_LIFETIME_SECONDS,
    }
}

/// The built-in flow for `id`, if it is one.
pub fn builtin_flow(id: &FlowId) -> Option<FlowDefinition> {
    BUILTIN_FLOWS
        .iter()
        .find(|f| f.id == id.as_str())
        .map(|f| (f.definition)())
}

/// The built-in default for a kind of case.
pub fn builtin_default(kind: CaseKind) -> (FlowId, FlowDefinition) {
    let flow = match kind {
        CaseKind::Kyc => &BUILTIN_FLOWS[0],
        CaseKind::Kyb => &BUILTIN_FLOWS[1],
    };
    (
        FlowId::from_trusted(flow.id.to_owned()),
        (flow.definition)(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_defaults_match_their_kind() {
        for kind in [CaseKind::Kyc, CaseKind::Kyb] {
            let (id, def) = builtin_default(kind);
            assert_eq!(def.kind, kind);
            assert_eq!(builtin_flow(&id), Some(def));
        }
    }

    #[test]
    fn validation_normalizes_countries_and_bounds_the_lifetime() {
        let mut def = FlowDefinition {
            name: " Sweden ".into(),
            kind: CaseKind::Kyc,
            countries: vec!["se".into(), "SE".into()],
            is_default: true,
            link_lifetime_seconds: 3600,
        };
        def.normalize_and_validate().unwrap();
        assert_eq!(def.countries, vec!["SE"]);
        assert_eq!(def.name, "Sweden");
        def.link_lifetime_seconds = 10;
        def.countries.push("ZZ".into());
        let codes: Vec<_> = def
            .normalize_and_validate()
            .unwrap_err()
            .into_vec()
            .iter()
            .map(|e| e.code)
            .collect();
        assert_eq!(codes, vec!["invalid_country", "out_of_range"]);
    }
}
