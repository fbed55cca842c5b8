//! Applicants, as a platform manages them: create, read, list and update. The records are
//! written by the kernel (`kernel/applicants.rs`), sealed at rest.

use futures_util::future::BoxFuture;
use kycore_domain::applicant::ApplicantType;
use kycore_domain::tenancy::Scope;
use kycore_store::Tx;
use kycore_store::applicants::{self, ApplicantFilter};

use crate::kernel;
pub use crate::kernel::applicants::{ApplicantChanges, NewApplicant};
use crate::pagination::{Numbered, Page, PageRequest, Window};
use crate::time_format::now_millis;
use crate::views::Applicant;
use crate::{RequestContext, ServiceError, Services};

/// Which applicants a listing shows.
#[derive(Clone, Debug, Default)]
pub struct ApplicantQuery {
    pub applicant_type: Option<ApplicantType>,
    pub external_id: Option<String>,
}

impl Services {
    pub async fn create_applicant(
        &self,
        ctx: &RequestContext,
        input: NewApplicant,
    ) -> Result<Applicant, ServiceError> {
        let now = now_millis();
        let prepared = input.prepare(self.keyring(), &ctx.scope, now)?;
        let view = self.applicant_view(&prepared.record, Some(&prepared.key))?;
        let unit_ctx = ctx.clone();
        self.write_idempotent(
            ctx,
            move |tx: &mut Tx| -> BoxFuture<'_, Result<Applicant, ServiceError>> {
                Box::pin(async move {
                    kernel::applicants::insert(
                        tx,
                        &unit_ctx.principal,
                        &unit_ctx.scope,
                        &prepared,
                        now,
                    );
                    Ok(view)
                })
            },
        )
        .await
    }

    pub async fn get_applicant(&self, scope: &Scope, id: &str) -> Result<Applicant, ServiceError> {
        let record = applicants::get(self.store().reader(), scope, id)
            .await?
            .ok_or(ServiceError::not_found("applicant"))?;
        let key = self
            .applicant_key(self.store().reader(), scope, &record.id)
            .await?;
        self.applicant_view(&record, key.as_ref())
    }

    pub async fn list_applicants(
        &self,
        scope: &Scope,
        query: ApplicantQuery,
        page: &PageRequest,
    ) -> Result<Page<Applicant>, ServiceError> {
        let limit = page.fetch_limit()?;
        let filter = ApplicantFilter {
            external_id: query.external_id,
            applicant_type: query.applicant_type.map(|t| t.as_str().to_owned()),
            before_id: page.starting_after.clone(),
            limit,
        };
        let rows = applicants::list(self.store().reader(), scope, &filter).await?;
        let keys = self
            .applicant_keys(
                self.store().reader(),
                scope,
                rows.iter().map(|r| r.id.as_str()),
            )
            .await?;
        Page::from_rows(
            rows,
            limit,
            |r| r.id.clone(),
            |r| self.applicant_view(&r, keys.of(&r.id)),
        )
    }

    /// Applicants by position, newest first, with how many the query selects: for the
    /// vendors' dialects, which number their pages.
    pub async fn list_applicants_numbered(
        &self,
        scope: &Scope,
        query: ApplicantQuery,
        window: Window,
    ) -> Result<Numbered<Applicant>, ServiceError> {
        let (limit, offset) = window.bounds()?;
        let filter = ApplicantFilter {
            external_id: query.external_id,
            applicant_type: query.applicant_type.map(|t| t.as_str().to_owned()),
            before_id: None,
            limit,
        };
        let reader = self.store().reader();
        let total = applicants::count(reader, scope, &filter).await?;
        let rows = if limit == 0 {
            Vec::new()
        } else {
            applicants::list_window(reader, scope, &filter, offset).await?
        };
        let keys = self
            .applicant_keys(reader, scope, rows.iter().map(|r| r.id.as_str()))
            .await?;
        let data = rows
            .iter()
            .map(|r| self.applicant_view(r, keys.of(&r.id)))
            .collect::<Result<_, _>>()?;
        Numbered::counted(data, total)
    }

    pub async fn update_applicant(
        &self,
        ctx: &RequestContext,
        id: &str,
        changes: ApplicantChanges,
    ) -> Result<Applicant, ServiceError> {
        let services = self.clone();
        let unit_ctx = ctx.clone();
        let id = id.to_owned();
        self.write_idempotent(
            ctx,
            move |tx: &mut Tx| -> BoxFuture<'_, Result<Applicant, ServiceError>> {
                Box::pin(async move {
                    // Another tenant's id is a 404 before anything else is looked at.
                    kernel::applicants::load(tx, &unit_ctx.scope, &id).await?;
                    let key = services
                        .required_applicant_key(tx.conn().await?, &unit_ctx.scope, &id)
                        .await?;
                    let updated = kernel::applicants::update(
                        tx,
                        services.applicant_keys_with(&key),
                        &unit_ctx.principal,
                        &unit_ctx.scope,
                        &id,
                        changes,
                        now_millis(),
                    )
                    .await?;
                    services.applicant_view(&updated.record, Some(&key))
                })
            },
        )
        .await
    }
}

/// Applicants brought into the name index per housekeeping round.
const INDEX_BATCH: i64 = 200;

impl Services {
    /// Brings applicants written before the name index existed into it: each profile opened
    /// with its data key, its words hashed like a new applicant's. A profile that does not
    /// open is skipped (logged) and met again next round. Returns how many were indexed.
    pub async fn index_applicant_names(&self) -> Result<u64, ServiceError> {
        let reader = self.store().reader();
        let pending = applicants::unindexed(reader, "", INDEX_BATCH).await?;
        let mut indexed = 0;
        for record in pending {
            let tokens = match self.name_index_of(&record).await {
                Ok(tokens) => tokens,
                Err(error) => {
                    tracing::warn!(applicant = %record.id, %error, "an applicant could not be indexed by name");
                    continue;
                }
            };
            let id = record.id.clone();
            self.store()
                .write(
                    move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                        Box::pin(async move {
                            applicants::set_name_tokens(tx.conn().await?, &id, &tokens).await?;
                            Ok(())
                        })
                    },
                )
                .await?;
            indexed += 1;
        }
        Ok(indexed)
    }

    /// The name index of a stored applicant, its profile opened with its data key.
    async fn name_index_of(
        &self,
        record: &applicants::ApplicantRecord,
    ) -> Result<String, ServiceError> {
        let scope = crate::scope::parse_stored(&record.organization_id, &record.environment)?;
        let key = self
            .applicant_key(self.store().reader(), &scope, &record.id)
            .await?;
        let profile = kernel::applicants::open_profile(key.as_ref(), record)?;
        Ok(kernel::applicants::name_index(
            self.keyring(),
            &scope,
            &profile,
        ))
    }
}
