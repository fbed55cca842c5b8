-- Personal data under keys with a lifecycle. Keep in step with
-- ../sqlite/0013_personal_data_keys.sql.
--
-- The master key no longer seals data itself: it wraps a random root secret (the deployment
-- row) and one data key per organization and per applicant (`data_keys`). Rotating the master
-- key re-wraps these rows only; erasing an applicant deletes its data key, so copies of its
-- sealed data (backups included) stop opening. Everything that can identify a person moves
-- into sealed columns: check results, screening hit details and review notes, document
-- rejection reasons, a case's metadata, redirect URL and decision note.
--
-- No release stored data under the previous layout; the columns it replaces are dropped
-- with their contents, and a database set up before this version is set up again on the
-- next start (its earlier sealed data cannot be opened under the new keys).
DROP TABLE deployment;
CREATE TABLE deployment (
    id             BIGINT NOT NULL PRIMARY KEY,
    -- The root secret (link-token and lookup-hash keys derive from it), sealed under the
    -- master key.
    root_key       BYTEA NOT NULL,
    -- Which master key wrapped `root_key`: a fingerprint that does not reveal the key.
    master_key_id  TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);

CREATE TABLE data_keys (
    -- The owner's id: an organization's (data only it owns) or an applicant's.
    id               TEXT NOT NULL PRIMARY KEY,
    organization_id  TEXT NOT NULL,
    -- The key, sealed under the master key with the owner's id as associated data.
    wrapped          BYTEA NOT NULL,
    master_key_id    TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
-- A rotation walks the keys still wrapped by the previous master key.
CREATE INDEX data_keys_master ON data_keys (master_key_id, id);

ALTER TABLE checks DROP COLUMN result;
ALTER TABLE checks DROP COLUMN explanation;
ALTER TABLE checks DROP COLUMN raw;
-- JSON {result, explanation, raw} sealed under the applicant's key; NULL once redacted.
ALTER TABLE checks ADD COLUMN sealed BYTEA;

ALTER TABLE screening_hits DROP COLUMN detail;
ALTER TABLE screening_hits DROP COLUMN review_note;
-- The screened names and dates and the explanation (JSON), sealed; NULL once redacted.
ALTER TABLE screening_hits ADD COLUMN detail_sealed BYTEA;
ALTER TABLE screening_hits ADD COLUMN review_note_sealed BYTEA;

ALTER TABLE documents DROP COLUMN rejection_reason;
-- JSON [{code, message}], sealed: a message may quote what the document says.
ALTER TABLE documents ADD COLUMN rejection_sealed BYTEA;

ALTER TABLE cases DROP COLUMN metadata;
ALTER TABLE cases DROP COLUMN redirect_url;
-- JSON {metadata, redirect_url, decision_note}, sealed under the applicant's key.
ALTER TABLE cases ADD COLUMN sealed BYTEA;
