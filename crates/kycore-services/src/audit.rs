//! The tamper-evident audit trail.
//!
//! Each organization's audit entries form a hash chain in commit order (the store's writer
//! links them just before each commit, see `kycore_store::audit`). An entry's hash is an
//! HMAC-SHA256 under the organization's chain key ([`crate::crypto::AuditKeys`], derived
//! from the root secret, never stored) over an unambiguous encoding of every stored field
//! and the previous entry's hash: [`entry_hash`], the one function both the writer (through
//! [`ChainHasher`]) and the verifier use.
//!
//! What the chain proves: an entry edited, deleted from the middle, inserted or moved shows
//! up as a break, and whoever holds only the database cannot forge a consistent chain. What
//! it does not: deleting the newest entries together with moving the head back leaves a
//! shorter valid chain; only a head kept elsewhere ([`ChainReport::head_hash`]) reveals it.

use std::sync::Arc;

use hmac::Mac;
use kycore_domain::tenancy::Scope;
use kycore_store::audit::{self as stored, AuditChain, AuditRecord, GENESIS_HASH};
use kycore_store::organizations;
use serde_json::Value;
use time::OffsetDateTime;

use crate::crypto::AuditKeys;
use crate::pagination::{Page, PageRequest};
use crate::time_format::datetime_of;
use crate::{ServiceError, Services};

/// Bumped if the encoding below ever changes; part of every hash.
const ENCODING: &[u8] = b"kycore audit entry v1";
/// Entries verification reads at a time: the table is never loaded whole.
const VERIFY_PAGE: i64 = 1000;
/// Unchained entries a start chains per unit of work.
const ADOPT_PAGE: i64 = 500;
/// Breaks reported per organization; past that only counted.
const MAX_BREAKS: usize = 100;

/// The keyed hash of an entry whose `seq` and `prev_hash` are set. Every stored field goes
/// in, each length-prefixed (optional ones behind a presence byte), so no two different
/// entries encode alike.
pub(crate) fn entry_hash(keys: &AuditKeys, entry: &AuditRecord) -> Vec<u8> {
    fn bytes(mac: &mut hmac::Hmac<sha2::Sha256>, value: &[u8]) {
        mac.update(&(value.len() as u64).to_be_bytes());
        mac.update(value);
    }
    fn optional(mac: &mut hmac::Hmac<sha2::Sha256>, value: Option<&[u8]>) {
        match value {
            Some(value) => {
                mac.update(&[1]);
                bytes(mac, value);
            }
            None => mac.update(&[0]),
        }
    }
    let mut mac = keys.mac_for(&entry.organization_id);
    bytes(&mut mac, ENCODING);
    bytes(&mut mac, entry.organization_id.as_bytes());
    bytes(&mut mac, entry.environment.as_bytes());
    optional(
        &mut mac,
        entry.seq.map(i64::to_be_bytes).as_ref().map(|s| &s[..]),
    );
    bytes(&mut mac, entry.id.as_bytes());
    bytes(&mut mac, entry.actor_type.as_bytes());
    optional(&mut mac, entry.actor_id.as_deref().map(str::as_bytes));
    bytes(&mut mac, entry.action.as_bytes());
    bytes(&mut mac, entry.target_type.as_bytes());
    bytes(&mut mac, entry.target_id.as_bytes());
    optional(&mut mac, entry.case_id.as_deref().map(str::as_bytes));
    bytes(&mut mac, entry.detail.as_bytes());
    mac.update(&entry.created_at.to_be_bytes());
    optional(&mut mac, entry.prev_hash.as_deref());
    mac.finalize().into_bytes().to_vec()
}

/// What the store's writers hash entries with.
pub(crate) struct ChainHasher(pub AuditKeys);

impl AuditChain for ChainHasher {
    fn hash(&self, entry: &AuditRecord) -> Vec<u8> {
        entry_hash(&self.0, entry)
    }
}

/// An audit entry as a trail shows it.
#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub id: String,
    /// Place in the organization's chain (shared by its environments), from 1.
    pub seq: i64,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub case_id: Option<String>,
    pub detail: Value,
    pub created_at: OffsetDateTime,
    /// Lowercase hex.
    pub prev_hash: String,
    /// Lowercase hex.
    pub hash: String,
}

/// What is wrong at a place in a chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakKind {
    /// The entry's fields no longer match its hash, though it sits where it was chained.
    Edited,
    /// Entries are missing: the chain jumps over their sequence numbers.
    Deleted,
    /// The entry is not where it was chained: neither its hash nor its link to the previous
    /// entry matches its place.
    Reordered,
    /// Entries carry no place in a chain that has begun: nothing vouches for them.
    Unchained,
    /// The recorded head (newest seq and hash) disagrees with the newest entry.
    Head,
}

impl BreakKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakKind::Edited => "edited",
            BreakKind::Deleted => "deleted",
            BreakKind::Reordered => "reordered",
            BreakKind::Unchained => "unchained",
            BreakKind::Head => "head_mismatch",
        }
    }
}

#[derive(Clone, Debug)]
pub struct ChainBreak {
    /// The sequence number where the chain breaks (0 when the break has none: unchained).
    pub seq: i64,
    pub kind: BreakKind,
    pub detail: String,
}

/// One organization's chain, verified.
#[derive(Clone, Debug)]
pub struct ChainReport {
    pub organization_id: String,
    /// Entries read and checked.
    pub checked: u64,
    /// The newest entry's seq and hash (hex) as read: keep them elsewhere to detect a
    /// later truncation.
    pub head_seq: i64,
    pub head_hash: String,
    /// The first breaks found, at most [`MAX_BREAKS`].
    pub breaks: Vec<ChainBreak>,
    /// Breaks found beyond those listed.
    pub more_breaks: u64,
}

impl ChainReport {
    pub fn is_intact(&self) -> bool {
        self.breaks.is_empty()
    }

    fn report(&mut self, seq: i64, kind: BreakKind, detail: String) {
        if self.breaks.len() < MAX_BREAKS {
            self.breaks.push(ChainBreak { seq, kind, detail });
        } else {
            self.more_breaks += 1;
        }
    }
}

/// Lowercase hex, for hashes on the wire and in reports.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn view(record: AuditRecord) -> Result<AuditEntry, ServiceError> {
    let unchained = || ServiceError::corrupt(format!("audit entry {} is unchained", record.id));
    Ok(AuditEntry {
        seq: record.seq.ok_or_else(unchained)?,
        prev_hash: hex(record.prev_hash.as_deref().ok_or_else(unchained)?),
        hash: hex(record.hash.as_deref().ok_or_else(unchained)?),
        detail: serde_json::from_str(&record.detail)
            .map_err(|e| ServiceError::corrupt(format!("audit detail: {e}")))?,
        created_at: datetime_of(record.created_at),
        id: record.id,
        actor_type: record.actor_type,
        actor_id: record.actor_id,
        action: record.action,
        target_type: record.target_type,
        target_id: record.target_id,
        case_id: record.case_id,
    })
}

impl Services {
    /// Gives the store's writers the chain keys, then chains the entries written without
    /// them: those from before the chain existed (migration 0015) and a new deployment's
    /// first ones, written in the unit that creates the root secret. Only organizations
    /// whose chain has not begun are adopted; later, an unchained entry is a finding of
    /// [`Services::verify_audit`], not something a start vouches for.
    pub(crate) async fn start_audit_chain(&self) -> Result<(), ServiceError> {
        let hasher = ChainHasher(self.keyring().audit_keys().clone());
        if !self.store().set_audit_chain(Arc::new(hasher)) {
            return Err(ServiceError::internal(
                "the store's audit chain was already set",
            ));
        }
        for organization_id in stored::unchained_organizations(self.store().reader()).await? {
            let mut adopted = 0usize;
            loop {
                let id = organization_id.clone();
                let chained = self
                    .store()
                    .write(move |tx| {
                        Box::pin(async move { tx.chain_unchained_audits(&id, ADOPT_PAGE).await })
                    })
                    .await
                    .map_err(ServiceError::from)?;
                // None left, or another server starting now holds the rest and chains them.
                if chained == 0 {
                    break;
                }
                adopted += chained;
            }
            tracing::info!(
                organization_id,
                adopted,
                "chained audit entries written before the organization's chain began"
            );
        }
        Ok(())
    }

    /// A tenant's audit entries in chain order, one case's when `case_id` is given; `after`
    /// is a seq from the previous page (`next_cursor`).
    pub async fn audit_trail(
        &self,
        scope: &Scope,
        case_id: Option<String>,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Page<AuditEntry>, ServiceError> {
        let limit = PageRequest {
            limit,
            starting_after: None,
        }
        .fetch_limit()?;
        let rows = stored::list(
            self.store().reader(),
            scope,
            &case_id,
            after.unwrap_or(0),
            limit,
        )
        .await?;
        let entries = rows.into_iter().map(view).collect::<Result<Vec<_>, _>>()?;
        Page::from_rows(entries, limit, |e| e.seq.to_string(), Ok)
    }

    /// Walks every organization's chain (or one's), page by page, and reports where each
    /// breaks.
    pub async fn verify_audit(
        &self,
        organization_id: Option<&str>,
    ) -> Result<Vec<ChainReport>, ServiceError> {
        let organizations = match organization_id {
            Some(id) => vec![self.organization(Some(id)).await?.to_string()],
            None => {
                let mut ids = organizations::list_ids(self.store().reader()).await?;
                ids.extend(stored::chained_organizations(self.store().reader()).await?);
                ids.sort();
                ids.dedup();
                ids
            }
        };
        let mut reports = Vec::with_capacity(organizations.len());
        for organization_id in organizations {
            reports.push(self.verify_chain(organization_id).await?);
        }
        Ok(reports)
    }

    async fn verify_chain(&self, organization_id: String) -> Result<ChainReport, ServiceError> {
        let keys = self.keyring().audit_keys();
        let db = self.store().reader();
        let mut report = ChainReport {
            organization_id,
            checked: 0,
            head_seq: 0,
            head_hash: hex(&GENESIS_HASH),
            breaks: Vec::new(),
            more_breaks: 0,
        };
        // The head is read first: entries committed while the walk goes on lie beyond it
        // and are checked like the rest, while the head names what existed before the walk.
        let head = stored::head(db, &report.organization_id).await?;
        // The hash of the entry at the head's seq, as the walk finds it.
        let mut at_head: Option<Vec<u8>> = None;
        let mut last_seq = 0i64;
        let mut last_hash = GENESIS_HASH.to_vec();
        // Whether the previous entry was reported: the one after a moved or missing entry
        // does not follow it either, and saying so again adds nothing.
        let mut after_break = false;
        loop {
            let page =
                stored::chain_page(db, &report.organization_id, last_seq, VERIFY_PAGE).await?;
            let full = page.len() as i64 == VERIFY_PAGE;
            for entry in page {
                // The page's query only returns chained entries.
                let seq = entry.seq.unwrap_or_default();
                let stored_hash = entry.hash.clone().unwrap_or_default();
                let intact = entry_hash(keys, &entry) == stored_hash;
                let follows = entry.prev_hash.as_deref() == Some(last_hash.as_slice());
                let expected = last_seq + 1;
                let breaks_before = report.breaks.len() as u64 + report.more_breaks;
                if seq > expected {
                    let missing = if seq == expected + 1 {
                        format!("entry {expected} is missing")
                    } else {
                        format!("entries {expected} to {} are missing", seq - 1)
                    };
                    report.report(expected, BreakKind::Deleted, missing);
                    if !intact {
                        report.report(
                            seq,
                            BreakKind::Edited,
                            "hash mismatch: the entry's fields do not match its hash".into(),
                        );
                    }
                } else if !intact && follows {
                    report.report(
                        seq,
                        BreakKind::Edited,
                        "hash mismatch: the entry's fields do not match its hash".into(),
                    );
                } else if !intact {
                    report.report(
                        seq,
                        BreakKind::Reordered,
                        format!(
                            "sequence/prev-hash mismatch: the entry was not chained at {seq}, \
                             after entry {last_seq}"
                        ),
                    );
                } else if !follows && !after_break {
                    // Intact where it stands, yet not chained to what precedes it: the
                    // entry before was replaced (its hash rewritten) or removed.
                    report.report(
                        seq,
                        BreakKind::Deleted,
                        format!(
                            "prev-hash mismatch: entry {last_seq} is not the entry this one \
                             was chained to"
                        ),
                    );
                }
                after_break = report.breaks.len() as u64 + report.more_breaks > breaks_before;
                if head.as_ref().is_some_and(|(head_seq, _)| *head_seq == seq) {
                    at_head = Some(stored_hash.clone());
                }
                report.checked += 1;
                last_seq = seq;
                last_hash = stored_hash;
            }
            if !full {
                break;
            }
        }
        report.head_seq = last_seq;
        report.head_hash = hex(&last_hash);
        match head {
            // A chain that began during the walk has a head by now.
            None if last_seq > 0 && stored::head(db, &report.organization_id).await?.is_none() => {
                report.report(
                    last_seq,
                    BreakKind::Head,
                    "the chain's head record is missing".into(),
                );
            }
            None => {}
            Some((seq, _)) if seq > last_seq => report.report(
                last_seq + 1,
                BreakKind::Deleted,
                format!(
                    "the newest entries are missing: the head is at {seq}, the entries end at \
                     {last_seq}"
                ),
            ),
            Some((seq, hash)) if at_head.as_ref() != Some(&hash) => report.report(
                seq,
                BreakKind::Head,
                format!("the head's hash does not match entry {seq}'s"),
            ),
            Some(_) => {}
        }
        let unchained = stored::unchained_ids(db, &report.organization_id, 11).await?;
        // Before an organization's chain begins its entries wait for a start to chain them.
        if !unchained.is_empty() && last_seq > 0 {
            let shown: Vec<&str> = unchained.iter().take(10).map(String::as_str).collect();
            let more = if unchained.len() > 10 { ", …" } else { "" };
            report.report(
                0,
                BreakKind::Unchained,
                format!("entries outside the chain: {}{more}", shown.join(", ")),
            );
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Keyring;

    fn entry() -> AuditRecord {
        AuditRecord {
            id: "aud_1".into(),
            organization_id: "org_a".into(),
            environment: "sandbox".into(),
            actor_type: "secret_key".into(),
            actor_id: Some("key_1".into()),
            action: "case.created".into(),
            target_type: "case".into(),
            target_id: "case_1".into(),
            detail: "{}".into(),
            created_at: 1,
            case_id: Some("case_1".into()),
            seq: Some(1),
            prev_hash: Some(GENESIS_HASH.to_vec()),
            hash: None,
        }
    }

    #[test]
    fn every_field_and_the_organization_key_change_the_hash() {
        let keyring = Keyring::for_tests();
        let keys = keyring.audit_keys();
        let base = entry_hash(keys, &entry());
        assert_eq!(base, entry_hash(keys, &entry()));
        let changes: &[fn(&mut AuditRecord)] = &[
            |e| e.organization_id = "org_b".into(),
            |e| e.environment = "live".into(),
            |e| e.seq = Some(2),
            |e| e.id = "aud_2".into(),
            |e| e.actor_type = "system".into(),
            |e| e.actor_id = None,
            |e| e.action = "case.canceled".into(),
            |e| e.target_type = "cases".into(),
            |e| e.target_id = "case_2".into(),
            |e| e.case_id = None,
            |e| e.detail = "{\"a\":1}".into(),
            |e| e.created_at = 2,
            |e| e.prev_hash = Some(vec![1; 32]),
            // Moving a byte from one field to the next is not the same entry.
            |e| {
                e.target_type = "cas".into();
                e.target_id = "ecase_1".into();
            },
        ];
        for change in changes {
            let mut changed = entry();
            change(&mut changed);
            assert_ne!(entry_hash(keys, &changed), base);
        }
        assert_ne!(
            entry_hash(Keyring::for_tests().audit_keys(), &entry()),
            base
        );
    }
}
