//! `/v1/screenings`: ad-hoc screening of one name against the deployment's watchlists; and a
//! case's screening hits with their review.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kycore_screening::{EntityType, Explanation};
use kycore_services::HitVerdict;
use kycore_services::screening::{HitReview, ListMatch, ScreeningRequest, ScreeningType};
use kycore_services::views::ScreeningHit;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::cases::ScreeningHitBody;
use super::wire_enum;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, Caller};

wire_enum!(
    /// What a screened name belongs to.
    ScreeningTypeBody <=> ScreeningType, "snake_case" { Person, Organization, Vessel, Aircraft }
);

wire_enum!(
    /// An analyst's verdict on a hit.
    HitVerdictBody <=> HitVerdict, "snake_case" { TrueMatch, FalseMatch }
);

/// An ad-hoc screening of one name.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreeningBody {
    /// The name to screen, in any script (at most 300 characters, 24 words), with at least
    /// one letter or digit.
    #[schema(min_length = 1, max_length = 300)]
    pub name: String,
    /// What the name belongs to; a clash with a listed entry's type lowers its score.
    #[serde(default, rename = "type")]
    pub entity_type: Option<ScreeningTypeBody>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; agreement raises a score, a different year lowers it.
    #[serde(default)]
    pub date_of_birth: Option<String>,
    /// A country (ISO 3166 code or name): nationality, residence or registration.
    #[serde(default)]
    pub country: Option<String>,
    /// More countries, like `country`.
    #[serde(default)]
    pub countries: Vec<String>,
    /// Lowest score reported, 0–1; 0.75 when not given.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1)]
    pub threshold: Option<f64>,
    /// Only these list ids (see `kycore lists status`); every loaded list when not given.
    #[serde(default)]
    pub lists: Option<Vec<String>>,
    /// Most hits returned, 1–100; 10 when not given.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

impl From<ScreeningBody> for ScreeningRequest {
    fn from(body: ScreeningBody) -> Self {
        ScreeningRequest {
            name: body.name,
            entity_type: body.entity_type.map(Into::into),
            date_of_birth: body.date_of_birth,
            country: body.country,
            countries: body.countries,
            threshold: body.threshold,
            lists: body.lists,
            limit: body.limit,
        }
    }
}

/// One list entry that matches, with why.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListMatchBody {
    /// The entry's id on its list.
    pub entity_id: String,
    /// The entry's primary name.
    pub name: String,
    /// The name (primary or alias) that matched best.
    pub matched_name: String,
    /// 0–1: how likely the entry is the screened party on the evidence given. 0.75 or more
    /// is a match worth review; 0.8 or more was a true match in nearly every evaluated case.
    pub score: f64,
    /// The list id.
    pub list: String,
    /// `person`, `organization`, `vessel`, `aircraft` or `unknown`.
    #[schema(value_type = String)]
    pub entity_type: EntityType,
    /// Which words matched how, unmatched words, and each qualifier's effect on the score.
    #[schema(value_type = Object)]
    pub explanation: Explanation,
}

impl From<&ListMatch> for ListMatchBody {
    fn from(hit: &ListMatch) -> Self {
        ListMatchBody {
            entity_id: hit.entity_id.clone(),
            name: hit.name.clone(),
            matched_name: hit.matched_name.clone(),
            score: hit.score,
            list: hit.list.clone(),
            entity_type: hit.entity_type,
            explanation: hit.explanation.clone(),
        }
    }
}

/// The hits of a screening, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScreeningResultBody {
    pub data: Vec<ListMatchBody>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewHitBody {
    pub verdict: HitVerdictBody,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// The hits of a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScreeningHitList {
    pub data: Vec<ScreeningHitBody>,
}

/// Screen a name against the loaded watchlists (sanctions, denied parties). Nothing is
/// stored; hits at or above `threshold` come best first, each with its explanation.
#[utoipa::path(post, path = "/v1/screenings", tag = "screenings", request_body = ScreeningBody,
    responses(
        (status = 200, body = ScreeningResultBody),
        (status = 422, description = "`validation_failed`: an invalid name, date of birth, threshold, limit or list id"),
        (status = 503, description = "`screening_unavailable`: no watchlist is loaded yet"),
    ),
    security(("api_key" = [])))]
pub async fn screen(
    State(state): State<AppState>,
    _caller: Caller,
    ApiJson(body): ApiJson<ScreeningBody>,
) -> Result<Json<ScreeningResultBody>, ApiError> {
    let matches = state.services.screen(body.into()).await?;
    Ok(Json(ScreeningResultBody {
        data: matches.iter().map(ListMatchBody::from).collect(),
    }))
}

/// A case's screening hits: possible watchlist matches for the applicant, the business or
/// its related persons, found during the checks or by ongoing monitoring.
#[utoipa::path(get, path = "/v1/cases/{id}/screening-hits", tag = "screenings",
    params(("id" = String, Path)),
    responses((status = 200, body = ScreeningHitList)),
    security(("api_key" = [])))]
pub async fn list_case_hits(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ScreeningHitList>, ApiError> {
    let hits = state
        .services
        .case_screening_hits(caller.scope(), &id)
        .await?;
    Ok(Json(ScreeningHitList {
        data: hits.iter().map(ScreeningHitBody::from).collect(),
    }))
}

/// Mark a hit a true or a false match. A false match is remembered for the applicant: the
/// same list entry, unchanged, is not reported for them again.
#[utoipa::path(post, path = "/v1/cases/{id}/screening-hits/{hit_id}/review", tag = "screenings",
    params(("id" = String, Path), ("hit_id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, pattern = r"^[\x21-\x7e]{1,255}$",
        description = "Replays the stored response when retried")),
    request_body = ReviewHitBody,
    responses((status = 200, body = ScreeningHitBody),
        (status = 409, description = "`concurrent_modification`: the case changed meanwhile, read it again")),
    security(("api_key" = [])))]
pub async fn review_hit(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, hit_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ReviewHitBody>,
) -> Result<Json<ScreeningHitBody>, ApiError> {
    let review = HitReview {
        verdict: body.verdict.into(),
        note: body.note,
    };
    let ctx = caller.context::<ScreeningHit, ScreeningHitBody>(StatusCode::OK);
    let hit = state
        .services
        .review_screening_hit(&ctx, &id, &hit_id, review)
        .await?;
    Ok(Json(ScreeningHitBody::from(&hit)))
}
