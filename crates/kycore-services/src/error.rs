//! The services' error: what went wrong in terms a caller can act on. The HTTP edge turns
//! each variant into a problem+json response with the stable code given here.

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
    /// A capability is not ready (e.g. no watchlist loaded); retrying later may succeed.
    #[error("{message}")]
    Unavailable { code: &'static str, message: String },
    #[error("stored data could not be decrypted")]
    Crypto,
    #[error(transparent)]
    Store(#[from] StoreError),
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

    /// A stable code for the error, as the HTTP edge and events report it.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::NotFound { .. } => "not_found",
            ServiceError::Validation(_) => "validation_failed",
            ServiceError::InvalidTransition(_) => "invalid_transition",
            ServiceError::InvalidRequest { code, .. }
            | ServiceError::Conflict { code, .. }
            | ServiceError::Unauthenticated { code, .. }
            | ServiceError::Unavailable { code, .. } => code,
            ServiceError::Crypto | ServiceError::Store(_) => "internal_error",
        }
    }

    /// Someone else changed the object between our read and our write.
    pub(crate) fn concurrent_change(resource: &'static str) -> Self {
        ServiceError::conflict(
            "concurrent_modification",
            format!("the {resource} was changed by another request; retry"),
        )
    }
}

impl From<ValidationErrors> for ServiceError {
    fn from(errors: ValidationErrors) -> Self {
        ServiceError::Validation(errors.into_vec())
    }
}
