//! `/v1/applicants`, and the applicant shapes cases reuse.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kycore_domain::applicant::{
    Address, ApplicantType, BusinessProfile, IndividualProfile, RelatedPerson, RelatedPersonRole,
};
use kycore_domain::ids::RelatedPersonId;
use kycore_services::applicants::{ApplicantChanges, ApplicantQuery, NewApplicant};
use kycore_services::pagination::PageRequest;
use kycore_services::views::Applicant;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{PageBody, parse_param, rfc3339, wire_enum};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

wire_enum!(
    ApplicantTypeBody <=> ApplicantType, "snake_case" { Individual, Business }
);

wire_enum!(
    /// A related person's role in the business.
    RelatedPersonRoleBody <=> RelatedPersonRole, "snake_case" {
        Ubo, Director, Representative, Signatory,
    }
);

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub line1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub line2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub state: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndividualBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub middle_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub last_name: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// E.164, e.g. `+46701234567`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// National identity or tax number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 64)]
    pub id_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<AddressBody>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub legal_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 64)]
    pub registration_number: Option<String>,
    /// ISO 3166-1 alpha-2 country of incorporation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lei: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 64)]
    pub tax_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 500)]
    pub website: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<AddressBody>,
}

/// Converts a wire shape and the domain struct of the same fields into each other: `plain`
/// fields as they are, `nested` ones through their own wire shape.
macro_rules! mirror {
    ($wire:ident <=> $domain:ident { $($plain:ident),* $(; $($nested:ident),*)? }) => {
        impl From<$wire> for $domain {
            fn from(w: $wire) -> Self {
                $domain {
                    $($plain: w.$plain,)*
                    $($($nested: w.$nested.map(Into::into),)*)?
                }
            }
        }

        impl From<&$domain> for $wire {
            fn from(d: &$domain) -> Self {
                $wire {
                    $($plain: d.$plain.clone(),)*
                    $($($nested: d.$nested.as_ref().map(Into::into),)*)?
                }
            }
        }
    };
}

mirror!(AddressBody <=> Address { line1, line2, city, postal_code, state, country });
mirror!(IndividualBody <=> IndividualProfile {
    first_name, middle_name, last_name, date_of_birth, nationality, email, phone, id_number;
    address
});
mirror!(BusinessBody <=> BusinessProfile {
    legal_name, registration_number, country, state, lei, vat_number, tax_id, website, email,
    phone;
    address
});

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelatedPersonBody {
    /// Assigned by kycore. Send it back in an update to keep the person's identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub role: RelatedPersonRoleBody,
    /// 0–100; meaningful for `ubo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 100)]
    pub ownership_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl From<RelatedPersonBody> for RelatedPerson {
    fn from(p: RelatedPersonBody) -> Self {
        RelatedPerson {
            // An id that is not one of ours names no known person: the person is new.
            id: p.id.as_deref().and_then(RelatedPersonId::parse),
            role: p.role.into(),
            ownership_percent: p.ownership_percent,
            first_name: p.first_name,
            last_name: p.last_name,
            date_of_birth: p.date_of_birth,
            nationality: p.nationality,
            email: p.email,
        }
    }
}

impl From<&RelatedPerson> for RelatedPersonBody {
    fn from(p: &RelatedPerson) -> Self {
        RelatedPersonBody {
            id: p.id.as_ref().map(ToString::to_string),
            role: p.role.into(),
            ownership_percent: p.ownership_percent,
            first_name: p.first_name.clone(),
            last_name: p.last_name.clone(),
            date_of_birth: p.date_of_birth.clone(),
            nationality: p.nationality.clone(),
            email: p.email.clone(),
        }
    }
}

fn persons_in(persons: Vec<RelatedPersonBody>) -> Vec<RelatedPerson> {
    persons.into_iter().map(Into::into).collect()
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApplicantBody {
    #[serde(rename = "type")]
    pub applicant_type: ApplicantTypeBody,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub individual: Option<IndividualBody>,
    #[serde(default)]
    pub business: Option<BusinessBody>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub related_persons: Vec<RelatedPersonBody>,
}

impl From<CreateApplicantBody> for NewApplicant {
    fn from(body: CreateApplicantBody) -> Self {
        NewApplicant {
            applicant_type: body.applicant_type.into(),
            external_id: body.external_id,
            individual: body.individual.map(Into::into),
            business: body.business.map(Into::into),
            related_persons: persons_in(body.related_persons),
        }
    }
}

/// Fields given replace the stored ones; `related_persons`, when given, replaces the list.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateApplicantBody {
    #[serde(default)]
    #[schema(max_length = 200)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub individual: Option<IndividualBody>,
    #[serde(default)]
    pub business: Option<BusinessBody>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub related_persons: Option<Vec<RelatedPersonBody>>,
}

impl From<UpdateApplicantBody> for ApplicantChanges {
    fn from(body: UpdateApplicantBody) -> Self {
        ApplicantChanges {
            external_id: body.external_id,
            individual: body.individual.map(Into::into),
            business: body.business.map(Into::into),
            related_persons: body.related_persons.map(persons_in),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicantBody {
    pub id: String,
    #[serde(rename = "type")]
    pub applicant_type: ApplicantTypeBody,
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub individual: Option<IndividualBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business: Option<BusinessBody>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_persons: Vec<RelatedPersonBody>,
    pub revision: i64,
    /// When the applicant was erased; absent while they are kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redacted_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Applicant> for ApplicantBody {
    fn from(a: &Applicant) -> Self {
        ApplicantBody {
            id: a.id.clone(),
            applicant_type: a.applicant_type.into(),
            external_id: a.external_id.clone(),
            individual: a.individual.as_ref().map(Into::into),
            business: a.business.as_ref().map(Into::into),
            related_persons: a.related_persons.iter().map(Into::into).collect(),
            revision: a.revision,
            redacted_at: a.redacted_at.map(rfc3339),
            created_at: rfc3339(a.created_at),
            updated_at: rfc3339(a.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListApplicants {
    #[serde(rename = "type")]
    #[param(rename = "type", value_type = Option<ApplicantTypeBody>)]
    applicant_type: Option<String>,
    external_id: Option<String>,
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// An applicant id from the previous page.
    starting_after: Option<String>,
}

/// Create an applicant.
#[utoipa::path(post, path = "/v1/applicants", tag = "applicants", request_body = CreateApplicantBody,
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[\x21-\x7e]{1,255}$",
        description = "Replays the stored response when retried")),
    responses((status = 201, body = ApplicantBody)),
    security(("api_key" = [])))]
pub async fn create_applicant(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateApplicantBody>,
) -> Result<(StatusCode, Json<ApplicantBody>), ApiError> {
    let ctx = caller.context::<Applicant, ApplicantBody>(StatusCode::CREATED);
    let applicant = state.services.create_applicant(&ctx, body.into()).await?;
    Ok((StatusCode::CREATED, Json(ApplicantBody::from(&applicant))))
}

/// List applicants, newest first.
#[utoipa::path(get, path = "/v1/applicants", tag = "applicants", params(ListApplicants),
    responses((status = 200, body = PageBody<ApplicantBody>)),
    security(("api_key" = [])))]
pub async fn list_applicants(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListApplicants>,
) -> Result<Json<PageBody<ApplicantBody>>, ApiError> {
    let applicant_type = parse_param(query.applicant_type, "type", ApplicantType::parse)?;
    let filter = ApplicantQuery {
        applicant_type,
        external_id: query.external_id,
    };
    let page = PageRequest {
        limit: query.limit,
        starting_after: query.starting_after,
    };
    let page = state
        .services
        .list_applicants(caller.scope(), filter, &page)
        .await?;
    Ok(Json(PageBody::from(&page)))
}

/// Get an applicant.
#[utoipa::path(get, path = "/v1/applicants/{id}", tag = "applicants", params(("id" = String, Path)),
    responses((status = 200, body = ApplicantBody)),
    security(("api_key" = [])))]
pub async fn get_applicant(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ApplicantBody>, ApiError> {
    let applicant = state.services.get_applicant(caller.scope(), &id).await?;
    Ok(Json(ApplicantBody::from(&applicant)))
}

/// Update an applicant: fields given replace the stored ones.
#[utoipa::path(patch, path = "/v1/applicants/{id}", tag = "applicants", params(("id" = String, Path)),
    request_body = UpdateApplicantBody,
    responses((status = 200, body = ApplicantBody),
        (status = 409, description = "`concurrent_modification`: the applicant changed meanwhile, read it again")),
    security(("api_key" = [])))]
pub async fn update_applicant(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateApplicantBody>,
) -> Result<Json<ApplicantBody>, ApiError> {
    let ctx = caller.context::<Applicant, ApplicantBody>(StatusCode::OK);
    let applicant = state
        .services
        .update_applicant(&ctx, &id, body.into())
        .await?;
    Ok(Json(ApplicantBody::from(&applicant)))
}

/// Erase an applicant: each of their cases is redacted (each must be final), then their
/// profile, and their data key is destroyed so no stored copy of their data opens again.
/// Erasing again changes nothing.
#[utoipa::path(post, path = "/v1/applicants/{id}/redact", tag = "applicants", params(("id" = String, Path),
    ("Idempotency-Key" = Option<String>, Header, pattern = r"^[\x21-\x7e]{1,255}$",
        description = "Replays the stored response when retried")),
    responses((status = 200, body = ApplicantBody),
        (status = 409, description = "`case_not_final`: a case of the applicant is still in use, cancel or decide it first; `concurrent_modification`: a case changed meanwhile, try again")),
    security(("api_key" = [])))]
pub async fn redact_applicant(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ApplicantBody>, ApiError> {
    let ctx = caller.context::<Applicant, ApplicantBody>(StatusCode::OK);
    let applicant = state.services.redact_applicant(&ctx, &id).await?;
    Ok(Json(ApplicantBody::from(&applicant)))
}
