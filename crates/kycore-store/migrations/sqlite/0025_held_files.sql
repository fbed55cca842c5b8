-- Keep in step with ../postgres/0025_held_files.sql.
-- Files a platform uploads before naming the case they belong to (a vendor API whose
-- documents name files uploaded earlier). The file is in the blob store, sealed under the
-- organization's key; a document that takes it stores its own copy under the applicant's.
CREATE TABLE held_files (
    id              TEXT NOT NULL PRIMARY KEY,
    organization_id TEXT NOT NULL,
    environment     TEXT NOT NULL,
    name            TEXT,
    content_type    TEXT NOT NULL,
    size_bytes      BIGINT NOT NULL,
    blob_key        TEXT NOT NULL,
    -- JSON array of the platform's labels (`id-front`, `face-proof`…).
    tags            TEXT NOT NULL,
    description     TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX held_files_scope ON held_files (organization_id, environment, id);
-- The held file a document was made of, if it was: vendors name a document's files by it.
ALTER TABLE documents ADD COLUMN held_file_id TEXT;
