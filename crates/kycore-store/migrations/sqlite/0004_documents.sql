-- Documents submitted for a case. The file itself is in the blob store, sealed; the MRZ text
-- is personal data and sealed too; the file hash is keyed (duplicate detection, tenant-scoped).
CREATE TABLE documents (
    id               TEXT PRIMARY KEY,
    organization_id  TEXT NOT NULL,
    environment      TEXT NOT NULL,
    case_id          TEXT NOT NULL REFERENCES cases (id),
    document_type    TEXT NOT NULL,
    subtype          TEXT,
    side             TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempt          BIGINT NOT NULL,
    rejection_reason TEXT,
    blob_key         TEXT NOT NULL,
    content_type     TEXT NOT NULL,
    size_bytes       BIGINT NOT NULL,
    file_hash        BLOB NOT NULL,
    mrz_sealed       BLOB,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX documents_case ON documents (organization_id, environment, case_id, id);
CREATE INDEX documents_file_hash ON documents (organization_id, environment, file_hash);
