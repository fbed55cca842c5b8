//! E-mail address syntax (RFC 5322 addr-spec) via `email_address`. Policy on
//! top: no display names, no IP-literal domains, and a domain with at least
//! two labels. Deliverability (DNS, SMTP) cannot be checked offline.

use email_address::{EmailAddress, Options};
use serde_json::json;

use crate::codes::{CheckError, ErrorCode};
use crate::validate::ValidationOutcome;

/// Validates an e-mail address.
pub fn validate(value: &str) -> ValidationOutcome {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return ValidationOutcome::rejected(CheckError::new(
            ErrorCode::EmptyValue,
            "the value is empty",
        ));
    }
    let options = Options {
        minimum_sub_domains: 2,
        allow_domain_literal: false,
        allow_display_text: false,
    };
    match EmailAddress::parse_with_options(trimmed, options) {
        Ok(address) => {
            // Domains are case-insensitive; local parts may not be, so only the domain is folded.
            let domain = address.domain().to_lowercase();
            let normalized = format!("{}@{domain}", address.local_part());
            let details = json!({ "local_part": address.local_part(), "domain": domain, "deliverability_checked": false });
            ValidationOutcome::accepted(normalized, details)
        }
        Err(error) => ValidationOutcome::rejected(map_error(&error)),
    }
}

fn map_error(error: &email_address::Error) -> CheckError {
    use email_address::Error as E;
    let code = match error {
        E::LocalPartTooLong | E::DomainTooLong | E::SubDomainTooLong | E::DomainTooFew => {
            ErrorCode::InvalidLength
        }
        E::InvalidCharacter => ErrorCode::InvalidCharacter,
        _ => ErrorCode::InvalidFormat,
    };
    CheckError::new(code, error.to_string())
}
