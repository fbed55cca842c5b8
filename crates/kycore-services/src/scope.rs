//! Reading a tenant scope back from what kycore itself stored or signed. A value that does
//! not parse is corrupt data, never a default tenant or environment.

use kycore_domain::ids::OrganizationId;
use kycore_domain::tenancy::{Environment, Scope};
use kycore_store::cases::CaseRecord;

use crate::ServiceError;

/// The scope named by a row's (or a job's) tenant columns.
pub(crate) fn parse_stored(
    organization_id: &str,
    environment: &str,
) -> Result<Scope, ServiceError> {
    Ok(Scope {
        organization_id: OrganizationId::parse(organization_id)
            .ok_or_else(|| ServiceError::corrupt(format!("organization id `{organization_id}`")))?,
        environment: Environment::parse(environment)
            .ok_or_else(|| ServiceError::corrupt(format!("environment `{environment}`")))?,
    })
}

/// The scope a case belongs to.
pub(crate) fn of_case(case: &CaseRecord) -> Result<Scope, ServiceError> {
    parse_stored(&case.organization_id, &case.environment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_environment_is_an_error_not_sandbox() {
        assert!(parse_stored("org_a", "sandbox").is_ok());
        assert!(parse_stored("org_a", "staging").is_err());
        assert!(parse_stored("not an id", "live").is_err());
    }
}
