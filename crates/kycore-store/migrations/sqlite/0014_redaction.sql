-- Redaction and retention. Keep in step with ../postgres/0014_redaction.sql.
--
-- A redacted case keeps its status, decision, reason codes, events and audit trail; its
-- sealed values and document files are gone and `redacted_at` says when. An erased applicant
-- keeps its id and type; its profile, lookup hashes and data key are gone. `closed_at` is
-- when a case last reached a final status: an organization's retention policy redacts cases
-- `retention_days` after it.
ALTER TABLE cases ADD COLUMN closed_at BIGINT;
ALTER TABLE cases ADD COLUMN redacted_at BIGINT;
UPDATE cases SET closed_at = updated_at WHERE status IN ('approved', 'rejected', 'expired', 'canceled');
-- The retention sweep's scan: closed cases not yet redacted.
CREATE INDEX cases_retention ON cases (organization_id, closed_at)
    WHERE redacted_at IS NULL AND closed_at IS NOT NULL;

ALTER TABLE applicants ADD COLUMN redacted_at BIGINT;

-- Days after a case's final decision its personal data is redacted; NULL keeps it.
ALTER TABLE organizations ADD COLUMN retention_days BIGINT;

-- The recurring retention sweep, like the expiry sweep.
INSERT INTO jobs (id, kind, payload, dedupe_key, run_at, attempts, max_attempts, created_at)
VALUES ('job_apply_retention', 'apply_retention', '{"kind":"apply_retention"}', 'apply_retention', 0, 0, 1000000, 0);
