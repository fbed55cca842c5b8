//! An organization's branding of the hosted pages, per environment: one row, read by every
//! portal page and replaced whole when the organization changes it.

use kycore_domain::tenancy::Scope;
use sqlx::{Any, Executor, FromRow};

use crate::{Millis, StoreError};

#[derive(Clone, Debug, Default, PartialEq, Eq, FromRow)]
pub struct BrandingRecord {
    pub organization_id: String,
    pub environment: String,
    pub display_name: Option<String>,
    /// `#rrggbb`.
    pub brand_color: Option<String>,
    pub privacy_notice_url: Option<String>,
    pub data_controller: Option<String>,
    pub support_email: Option<String>,
    pub support_url: Option<String>,
    pub logo: Option<Vec<u8>>,
    pub logo_content_type: Option<String>,
    pub updated_at: Millis,
}

macro_rules! columns {
    () => {
        "organization_id, environment, display_name, brand_color, privacy_notice_url, data_controller, \
         support_email, support_url, logo, logo_content_type, updated_at"
    };
}

pub async fn get<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
) -> Result<Option<BrandingRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM organization_branding WHERE organization_id = $1 AND environment = $2"
    ))
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .fetch_optional(db)
    .await?)
}

/// Writes the organization's branding if it is still the version read (`read_updated_at`,
/// `None` when there was none); false when someone changed it meanwhile.
pub async fn put<'e>(
    db: impl Executor<'e, Database = Any>,
    record: &BrandingRecord,
    read_updated_at: Option<Millis>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(concat!(
        "INSERT INTO organization_branding (",
        columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (organization_id, environment) DO UPDATE SET display_name = excluded.display_name, \
         brand_color = excluded.brand_color, privacy_notice_url = excluded.privacy_notice_url, \
         data_controller = excluded.data_controller, support_email = excluded.support_email, \
         support_url = excluded.support_url, logo = excluded.logo, \
         logo_content_type = excluded.logo_content_type, updated_at = excluded.updated_at \
         WHERE organization_branding.updated_at = $12"
    ))
    .bind(&record.organization_id)
    .bind(&record.environment)
    .bind(&record.display_name)
    .bind(&record.brand_color)
    .bind(&record.privacy_notice_url)
    .bind(&record.data_controller)
    .bind(&record.support_email)
    .bind(&record.support_url)
    .bind(&record.logo)
    .bind(&record.logo_content_type)
    .bind(record.updated_at)
    // No row was read: any row found now was written meanwhile, and no updated_at is -1.
    .bind(read_updated_at.unwrap_or(-1))
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
