//! kycore's domain: the vocabulary every other layer speaks.
//!
//! Pure types and rules — identifiers, tenancy, applicants, flows, cases and the case state
//! machine, events — with no I/O. Everything here is deterministic given its inputs (the
//! current date, when a rule needs one, is passed in), which is what lets the state machine
//! be tested exhaustively.

#![forbid(unsafe_code)]

pub mod applicant;
pub mod case;
pub mod check;
pub mod event;
pub mod flow;
pub mod ids;
pub mod progress;
pub mod rules;
pub mod tenancy;
pub mod validation;

pub use validation::{FieldError, ValidationErrors};
