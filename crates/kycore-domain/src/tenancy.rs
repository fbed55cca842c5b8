//! Tenancy: every row belongs to one organization and one of its two environments.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::OrganizationId;

/// Sandbox data never mixes with live data, even inside one organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    Sandbox,
    Live,
}

impl Environment {
    pub const ALL: [Environment; 2] = [Environment::Sandbox, Environment::Live];

    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Sandbox => "sandbox",
            Environment::Live => "live",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "sandbox" => Some(Environment::Sandbox),
            "live" => Some(Environment::Live),
            _ => None,
        }
    }

    /// The marker in secret keys (`kc_test_…`, `kc_live_…`), chosen to match what integrators
    /// know from payment APIs.
    pub fn key_marker(self) -> &'static str {
        match self {
            Environment::Sandbox => "test",
            Environment::Live => "live",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The (organization, environment) pair that scopes every read and write.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scope {
    pub organization_id: OrganizationId,
    pub environment: Environment,
}
