//! `/v1/organization/branding`: the organization's own look on its hosted pages, per
//! environment.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kycore_domain::FieldError;
use kycore_services::ServiceError;
use kycore_services::branding::{Branding, BrandingChanges};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::rfc3339;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, Caller};

/// A PATCH: what is absent stays as it is; `null` clears it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBrandingBody {
    /// The name applicants know you by; the organization's name when not set.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub display_name: Option<Option<String>>,
    /// `#rrggbb` for buttons and links; refused (`insufficient_contrast`) under 4.5:1
    /// against white, which would make them hard to read.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, pattern = "^#[0-9a-fA-F]{6}$")]
    pub brand_color: Option<Option<String>>,
    /// Where applicants read how their data is used.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 2048)]
    pub privacy_notice_url: Option<Option<String>>,
    /// Who controls the applicant's data: a legal name and address.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub data_controller: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub support_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 2048)]
    pub support_url: Option<Option<String>>,
    /// A PNG or JPEG (base64), at most 256 KiB and 2000 pixels a side; stored re-encoded as
    /// PNG, without metadata.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Byte)]
    pub logo: Option<Option<String>>,
}

/// A field that is present, `null` or not: `Some(None)` for `null`.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BrandingBody {
    /// The organization's name, shown when `display_name` is not set.
    pub organization_name: String,
    pub display_name: Option<String>,
    pub brand_color: Option<String>,
    pub privacy_notice_url: Option<String>,
    pub data_controller: Option<String>,
    pub support_email: Option<String>,
    pub support_url: Option<String>,
    /// Whether a logo is set (the hosted pages show it in their header).
    pub has_logo: bool,
    /// When it last changed; `null` when it never was.
    pub updated_at: Option<String>,
}

impl From<&Branding> for BrandingBody {
    fn from(b: &Branding) -> Self {
        BrandingBody {
            organization_name: b.organization_name.clone(),
            display_name: b.display_name.clone(),
            brand_color: b.brand_color.clone(),
            privacy_notice_url: b.privacy_notice_url.clone(),
            data_controller: b.data_controller.clone(),
            support_email: b.support_email.clone(),
            support_url: b.support_url.clone(),
            has_logo: b.has_logo,
            updated_at: b.updated_at.map(rfc3339),
        }
    }
}

/// The organization's branding of its hosted pages.
#[utoipa::path(get, path = "/v1/organization/branding", tag = "organization",
    responses((status = 200, body = BrandingBody)), security(("api_key" = [])))]
pub async fn get_branding(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<BrandingBody>, ApiError> {
    let branding = state.services.branding(caller.scope()).await?;
    Ok(Json(BrandingBody::from(&branding)))
}

/// Change the branding of the organization's hosted pages in the key's environment (a
/// sandbox key brands sandbox cases only).
#[utoipa::path(patch, path = "/v1/organization/branding", tag = "organization",
    request_body = UpdateBrandingBody,
    responses((status = 200, body = BrandingBody),
        (status = 422, description = "`validation_failed`: `errors[]` names each field, e.g. \
            `insufficient_contrast`, `invalid_url`, `invalid_email`, `unsupported_file_type`")),
    security(("api_key" = [])))]
pub async fn update_branding(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<UpdateBrandingBody>,
) -> Result<Json<BrandingBody>, ApiError> {
    let logo = body
        .logo
        .map(|logo| logo.map(decode_logo).transpose())
        .transpose()?;
    let changes = BrandingChanges {
        display_name: body.display_name,
        brand_color: body.brand_color,
        privacy_notice_url: body.privacy_notice_url,
        data_controller: body.data_controller,
        support_email: body.support_email,
        support_url: body.support_url,
        logo,
    };
    let ctx = caller.context::<Branding, BrandingBody>(StatusCode::OK);
    let branding = state.services.update_branding(&ctx, changes).await?;
    Ok(Json(BrandingBody::from(&branding)))
}

fn decode_logo(encoded: String) -> Result<Vec<u8>, ApiError> {
    STANDARD.decode(encoded.trim()).map_err(|_| {
        ApiError::from(ServiceError::Validation(vec![FieldError {
            field: "logo".into(),
            code: "invalid_base64",
            message: "the logo's bytes in standard base64".into(),
        }]))
    })
}
