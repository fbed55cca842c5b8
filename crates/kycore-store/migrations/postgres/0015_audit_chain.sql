-- A tamper-evident audit trail. Keep in step with ../sqlite/0015_audit_chain.sql.
--
-- Each organization's audit entries form one hash chain in commit order: `seq` numbers them
-- 1, 2, … without gaps, `prev_hash` is the previous entry's `hash` (32 zero bytes before the
-- first) and `hash` is an HMAC-SHA256, under a key derived from the deployment's root secret
-- for the organization, of every stored field of the entry and `prev_hash`. The writer fills
-- the three just before the commit, holding the organization's row of
-- `audit_chain_heads` locked until then, so concurrent transactions (other writers, other
-- servers on one PostgreSQL database) extend the chain one after another and never fork it.
--
-- The key is not in the database, so this migration cannot hash: entries written before it
-- stay unchained (seq NULL) until the next server start, which chains an organization's
-- unchained entries (oldest first) only while that organization has no chain yet; after
-- that an unchained entry is reported by `kycore audit verify`, never adopted.
ALTER TABLE audit_log ADD COLUMN case_id TEXT;
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN prev_hash BYTEA;
ALTER TABLE audit_log ADD COLUMN hash BYTEA;

-- The case an entry belongs to, for a case's trail (GET /v1/audit?case_id=).
UPDATE audit_log SET case_id = target_id WHERE target_type = 'case';
UPDATE audit_log SET case_id = (SELECT documents.case_id FROM documents WHERE documents.id = audit_log.target_id)
    WHERE target_type = 'document';
UPDATE audit_log SET case_id = (SELECT screening_hits.case_id FROM screening_hits WHERE screening_hits.id = audit_log.target_id)
    WHERE target_type = 'screening_hit';

CREATE UNIQUE INDEX audit_chain ON audit_log (organization_id, seq);
CREATE INDEX audit_case ON audit_log (organization_id, environment, case_id, seq);
-- Entries not chained yet: the start's scan for them.
CREATE INDEX audit_unchained ON audit_log (organization_id, created_at, id) WHERE seq IS NULL;

-- Each organization's newest chained entry; a row appears with its first chained entry.
CREATE TABLE audit_chain_heads (
    organization_id  TEXT NOT NULL PRIMARY KEY,
    seq              BIGINT NOT NULL,
    hash             BYTEA NOT NULL
);
