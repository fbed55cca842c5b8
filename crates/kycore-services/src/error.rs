//! The services' error: what went wrong in terms a caller can act on. Each edge (the native
//! API, a dialect, the portal) turns a variant into its own answer with the stable code
//! given here. Failures are sorted by who can fix them: the caller (validation, conflicts),
//! nobody right now (a dependency is down: retry later), or us (stored data that does not
//! read back, a broken invariant).

use kycore_domain::case::TransitionError;
use kycore_domain::{FieldError, ValidationErrors};
use kycore_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Also the answer for another tenant's ids: their existence is never revealed.
    #[error("no such {resource}")]
    NotFound { resource: &'static str },
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    #[error("{message}")]
    InvalidRequest { code: &'static str, message: String },
    #[error(transparent)]
    InvalidTransition(#[from] TransitionError),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{message}")]
    Unauthenticated { code: &'static str, message: String },
    /// It existed and was erased on purpose (a redacted document's file).
    #[error("{message}")]
    Gone { code: &'static str, message: String },
    /// Something kycore depends on is down or not ready (the database's writer, the blob
    /// store, a verification provider, the watchlists); retrying later may succeed.
    #[error("{message}")]
    Unavailable { code: &'static str, message: String },
    /// Stored data that does not read back: a row, a sealed value, a file.
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// An invariant of our own code broke (a token that cannot be signed, a panicked unit).
    #[error("internal error: {0}")]
    Internal(String),
    /// The database refused or failed a statement.
    #[error(transparent)]
    Store(StoreError),
}

impl ServiceError {
    pub fn not_found(resource: &'static str) -> Self {
        ServiceError::NotFound { resource }
    }

    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        ServiceError::InvalidRequest {
            code,
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Conflict {
            code,
            message: message.into(),
        }
    }

    pub fn unavailable(code: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Unavailable {
            code,
            message: message.into(),
        }
    }

    pub fn corrupt(what: impl Into<String>) -> Self {
        ServiceError::Corrupt(what.into())
    }

    pub fn internal(what: impl Into<String>) -> Self {
        ServiceError::Internal(what.into())
    }

    /// A stable code for the error, as the edges and events report it.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::NotFound { .. } => "not_found",
            ServiceError::Validation(_) => "validation_failed",
            ServiceError::InvalidTransition(_) => "invalid_transition",
            ServiceError::InvalidRequest { code, .. }
            | ServiceError::Conflict { code, .. }
            | ServiceError::Unauthenticated { code, .. }
            | ServiceError::Gone { code, .. }
            | ServiceError::Unavailable { code, .. } => code,
            ServiceError::Corrupt(_) | ServiceError::Internal(_) | ServiceError::Store(_) => {
                "internal_error"
            }
        }
    }

    /// Someone else changed the object between our read and our write.
    pub(crate) fn concurrent_change(resource: &'static str) -> Self {
        ServiceError::conflict(
            "concurrent_modification",
            format!(
                "the {resource} was changed by another request at the same time; read it again and retry"
            ),
        )
    }
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::WriterGone => ServiceError::unavailable(
                "storage_unavailable",
                "the database cannot take writes right now; retry shortly",
            ),
            StoreError::UnitPanicked => ServiceError::internal("the unit of work panicked"),
            StoreError::Corrupt(what) => ServiceError::Corrupt(what),
            other => ServiceError::Store(other),
        }
    }
}

impl From<ValidationErrors> for ServiceError {
    fn from(errors: ValidationErrors) -> Self {
        ServiceError::Validation(errors.into_vec())
    }
}

impl From<crate::crypto::CryptoError> for ServiceError {
    fn from(error: crate::crypto::CryptoError) -> Self {
        match error {
            crate::crypto::CryptoError::Unseal => {
                ServiceError::corrupt("sealed data does not open with its key")
            }
            crate::crypto::CryptoError::UnknownMasterKey(id) => ServiceError::unavailable(
                "master_key_missing",
                format!(
                    "data is wrapped by master key {id}, which this server was not given; \
                     configure it as the previous master key until the rotation has finished"
                ),
            ),
            other => ServiceError::internal(other.to_string()),
        }
    }
}

/// Trims a person's free text (a note, a message) in place, refusing it with `code` when it
/// was longer than `max` characters as sent — the limit the API's schema states.
pub(crate) fn trim_within(
    text: &mut String,
    max: usize,
    code: &'static str,
) -> Result<(), ServiceError> {
    let too_long = text.chars().count() > max;
    *text = text.trim().to_owned();
    if too_long {
        return Err(ServiceError::invalid(
            code,
            format!("at most {max} characters"),
        ));
    }
    Ok(())
}
