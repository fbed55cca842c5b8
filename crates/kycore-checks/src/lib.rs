//! Native, offline verification checks for kycore.
//!
//! A pure library: no I/O, no clock inside the rules ("today" is a
//! parameter), no panics on any input. The server owns storage, lookups and
//! scheduling and calls in here with plain values.
//!
//! - [`mrz`]: ICAO 9303 machine-readable zones, parsed, checked and compared
//!   with applicant data.
//! - [`document`]: the document rules (expiry, minimum age, sides, attempts,
//!   duplicates, data matches) giving an accepted or rejected verdict.
//! - [`identifiers`]: LEI, IBAN, VAT, company numbers, EIN, phone, e-mail, country.
//! - [`validate`](mod@validate): the ad-hoc validation endpoint's types and dispatch.
//! - [`rules`]: the flow's decision rules, CEL expressions over a case's facts.
//! - [`reading`]: what the document engines read from a photo (MRZ, licence barcode, face),
//!   as stored, and the checks that judge it.
//! - [`checks`]: every result above in the uniform shape the server stores.
#![forbid(unsafe_code)]

pub mod checks;
pub mod codes;
pub mod dates;
pub mod document;
pub mod identifiers;
pub mod mrz;
pub mod reading;
pub mod rules;
pub mod validate;

pub use codes::{CheckError, ErrorCode};
pub use validate::{IdentifierKind, ValidationOutcome, ValidationRequest, validate, validate_on};
