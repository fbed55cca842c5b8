//! Prefixed, time-sortable identifiers (`case_01j…`).
//!
//! The prefix makes a leaked id self-describing and lets the API reject an id of the wrong
//! kind before touching storage. The suffix is a lowercase ULID, so ids sort by creation time
//! and serve directly as pagination cursors.

use std::fmt;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// Longest suffix accepted when parsing; generated ids use 26 characters, built-in flows use
/// readable names such as `flow_kyc_default`.
const MAX_SUFFIX_LEN: usize = 64;

macro_rules! prefixed_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// A fresh id, ordered after every id this process generated before.
            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, next_ulid().to_string().to_lowercase()))
            }

            /// Accepts only ids of this kind: right prefix, then `[a-z0-9_]`.
            pub fn parse(raw: &str) -> Option<Self> {
                let suffix = raw.strip_prefix($prefix)?;
                valid_suffix(suffix).then(|| Self(raw.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Wraps a value read back from our own storage, which only ever holds ids we made.
            pub fn from_trusted(raw: String) -> Self {
                Self(raw)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// ULIDs are random within one millisecond; events written in the same millisecond must
/// still list in the order they happened, so generation is monotonic within the process.
fn next_ulid() -> ulid::Ulid {
    static GENERATOR: Mutex<Option<ulid::Generator>> = Mutex::new(None);
    let Ok(mut guard) = GENERATOR.lock() else {
        return ulid::Ulid::new();
    };
    guard
        .get_or_insert_with(ulid::Generator::new)
        .generate()
        .unwrap_or_else(|_| ulid::Ulid::new())
}

fn valid_suffix(suffix: &str) -> bool {
    !suffix.is_empty()
        && suffix.len() <= MAX_SUFFIX_LEN
        && suffix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

prefixed_id!(
    /// A tenant.
    OrganizationId,
    "org_"
);
prefixed_id!(
    /// A secret or publishable API key (the id, never the key itself).
    ApiKeyId,
    "key_"
);
prefixed_id!(
    /// A person signed in to the console: an admin, analyst or viewer of one organization.
    ConsoleUserId,
    "user_"
);
prefixed_id!(
    /// A person or business being verified.
    ApplicantId,
    "app_"
);
prefixed_id!(
    /// An owner, director or representative declared on a business applicant.
    RelatedPersonId,
    "rp_"
);
prefixed_id!(
    /// A verification template.
    FlowId,
    "flow_"
);
prefixed_id!(
    /// One verification of one applicant.
    CaseId,
    "case_"
);
prefixed_id!(
    /// An immutable record of a change.
    EventId,
    "evt_"
);
prefixed_id!(
    /// A document submitted for a case.
    DocumentId,
    "doc_"
);
prefixed_id!(
    /// A file uploaded before a document of a case takes it.
    HeldFileId,
    "file_"
);
prefixed_id!(
    /// The stored result of one check on a case.
    CheckId,
    "chk_"
);
prefixed_id!(
    /// An append-only audit entry.
    AuditId,
    "aud_"
);
prefixed_id!(
    /// A background job.
    JobId,
    "job_"
);
prefixed_id!(
    /// The id of one hosted-link token; a case keeps only its current one, which is how a
    /// superseded or revoked link is recognised.
    LinkTokenId,
    "lnk_"
);
prefixed_id!(
    /// A listed entry that may be a case's party, awaiting or after an analyst's review.
    ScreeningHitId,
    "hit_"
);
prefixed_id!(
    /// A URL that receives the tenant's events as webhooks.
    WebhookEndpointId,
    "whep_"
);
prefixed_id!(
    /// One event owed to one webhook endpoint: the `webhook-id` its receiver sees, the same
    /// across retries and redeliveries.
    WebhookMessageId,
    "msg_"
);
prefixed_id!(
    /// One try at delivering a webhook message.
    WebhookAttemptId,
    "whatt_"
);

/// A generated id as a UUID string (`case_01j…` → `0190…-…`), for APIs whose clients parse
/// ids as UUIDs. A ULID is 128 bits like a UUID, so the conversion is lossless and needs no
/// storage; [`id_from_uuid`] turns it back. `None` for an id whose suffix is not a ULID
/// (built-in names such as `flow_kyc_default`).
pub fn id_as_uuid(id: &str, prefix: &str) -> Option<String> {
    let suffix = id.strip_prefix(prefix)?;
    let bits = ulid::Ulid::from_string(&suffix.to_ascii_uppercase())
        .ok()?
        .0;
    let hex = format!("{bits:032x}");
    Some(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

/// The id with `prefix` a UUID string stands for: the inverse of [`id_as_uuid`]. `None` for
/// anything but a UUID (hyphenated, any case).
pub fn id_from_uuid(uuid: &str, prefix: &str) -> Option<String> {
    let groups: Vec<&str> = uuid.split('-').collect();
    let shaped = groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()));
    if !shaped {
        return None;
    }
    let bits = u128::from_str_radix(&groups.concat(), 16).ok()?;
    let ulid = ulid::Ulid(bits).to_string().to_ascii_lowercase();
    Some(format!("{prefix}{ulid}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_uuids() {
        let id = CaseId::generate();
        let uuid = id_as_uuid(id.as_str(), CaseId::PREFIX).unwrap();
        assert_eq!(uuid.len(), 36);
        assert_eq!(id_from_uuid(&uuid, CaseId::PREFIX).unwrap(), id.as_str());
        assert_eq!(
            id_from_uuid(&uuid.to_ascii_uppercase(), CaseId::PREFIX).unwrap(),
            id.as_str()
        );
        assert_eq!(
            id_as_uuid("case_00000000000000000000000001", "case_").unwrap(),
            "00000000-0000-0000-0000-000000000001"
        );
        assert_eq!(id_as_uuid("flow_kyc_default", "flow_"), None);
        assert_eq!(id_as_uuid(id.as_str(), "app_"), None);
        for bad in [
            "",
            "not-a-uuid",
            "0000000-0000-0000-0000-0000000000001",
            "g0000000-0000-0000-0000-000000000001",
        ] {
            assert_eq!(id_from_uuid(bad, "case_"), None, "{bad}");
        }
    }

    #[test]
    fn generated_ids_carry_their_prefix_and_parse_back() {
        let id = CaseId::generate();
        assert!(id.as_str().starts_with("case_"));
        assert_eq!(id.as_str().len(), "case_".len() + 26);
        assert_eq!(CaseId::parse(id.as_str()), Some(id));
    }

    #[test]
    fn ids_of_another_kind_or_malformed_are_refused() {
        let applicant = ApplicantId::generate();
        assert_eq!(CaseId::parse(applicant.as_str()), None);
        assert_eq!(CaseId::parse("case_"), None);
        assert_eq!(CaseId::parse("case_ABC"), None);
        assert_eq!(CaseId::parse("case_a'; drop table cases"), None);
        assert_eq!(CaseId::parse(&format!("case_{}", "a".repeat(65))), None);
        assert!(FlowId::parse("flow_kyc_default").is_some());
    }

    #[test]
    fn ids_generated_in_one_millisecond_keep_their_order() {
        let ids: Vec<EventId> = (0..1000).map(|_| EventId::generate()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }
}
