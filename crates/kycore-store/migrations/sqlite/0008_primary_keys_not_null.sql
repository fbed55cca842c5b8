-- Primary keys that cannot be NULL. Keep in step with ../postgres/0008_primary_keys_not_null.sql.
-- SQLite lets a PRIMARY KEY column that is not INTEGER hold NULL unless it is declared NOT NULL;
-- PostgreSQL never does. SQLite cannot add NOT NULL to a column, so each table with such a key
-- is rebuilt: copied aside, dropped, created again with NOT NULL, refilled, re-indexed.
-- Dropping a parent table orphans its children's rows for a moment, so foreign keys are checked
-- at COMMIT only (sqlx runs this file in one transaction; the pragma ends with it). Re-inserting
-- the parent rows settles the count; a row that really lost its parent makes COMMIT fail.
PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE organizations_copy AS SELECT * FROM organizations;
DROP TABLE organizations;
CREATE TABLE organizations (
    id          TEXT NOT NULL PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
INSERT INTO organizations (id, name, created_at)
SELECT id, name, created_at FROM organizations_copy;
DROP TABLE organizations_copy;

CREATE TEMP TABLE api_keys_copy AS SELECT * FROM api_keys;
DROP TABLE api_keys;
CREATE TABLE api_keys (
    id               TEXT NOT NULL PRIMARY KEY,
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    environment      TEXT NOT NULL,
    kind             TEXT NOT NULL,
    key_hash         BLOB NOT NULL UNIQUE,
    hint             TEXT NOT NULL,
    publishable_key  TEXT,
    created_at       BIGINT NOT NULL,
    revoked_at       BIGINT
);
INSERT INTO api_keys (id, organization_id, environment, kind, key_hash, hint, publishable_key, created_at, revoked_at)
SELECT id, organization_id, environment, kind, key_hash, hint, publishable_key, created_at, revoked_at FROM api_keys_copy;
DROP TABLE api_keys_copy;
CREATE INDEX api_keys_scope ON api_keys (organization_id, environment);

CREATE TEMP TABLE applicants_copy AS SELECT * FROM applicants;
DROP TABLE applicants;
CREATE TABLE applicants (
    id               TEXT NOT NULL PRIMARY KEY,
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    environment      TEXT NOT NULL,
    applicant_type   TEXT NOT NULL,
    external_id      TEXT,
    profile_sealed   BLOB NOT NULL,
    id_number_hash   BLOB,
    name_dob_hash    BLOB,
    email_hash       BLOB,
    revision         BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
INSERT INTO applicants (id, organization_id, environment, applicant_type, external_id, profile_sealed, id_number_hash, name_dob_hash, email_hash, revision, created_at, updated_at)
SELECT id, organization_id, environment, applicant_type, external_id, profile_sealed, id_number_hash, name_dob_hash, email_hash, revision, created_at, updated_at FROM applicants_copy;
DROP TABLE applicants_copy;
CREATE INDEX applicants_scope ON applicants (organization_id, environment, id);
CREATE INDEX applicants_external ON applicants (organization_id, environment, external_id);
CREATE INDEX applicants_id_number ON applicants (organization_id, environment, id_number_hash);
CREATE INDEX applicants_name_dob ON applicants (organization_id, environment, name_dob_hash);

CREATE TEMP TABLE cases_copy AS SELECT * FROM cases;
DROP TABLE cases;
CREATE TABLE cases (
    id               TEXT NOT NULL PRIMARY KEY,
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    environment      TEXT NOT NULL,
    applicant_id     TEXT NOT NULL REFERENCES applicants (id),
    kind             TEXT NOT NULL,
    flow_id          TEXT NOT NULL,
    flow_version     BIGINT NOT NULL,
    status           TEXT NOT NULL,
    revision         BIGINT NOT NULL,
    external_id      TEXT,
    redirect_url     TEXT,
    metadata         TEXT NOT NULL,
    link_token_id    TEXT NOT NULL,
    link_expires_at  BIGINT NOT NULL,
    link_opened_at   BIGINT,
    decision         TEXT,
    last_event_seq   BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
INSERT INTO cases (id, organization_id, environment, applicant_id, kind, flow_id, flow_version, status, revision, external_id, redirect_url, metadata, link_token_id, link_expires_at, link_opened_at, decision, last_event_seq, created_at, updated_at)
SELECT id, organization_id, environment, applicant_id, kind, flow_id, flow_version, status, revision, external_id, redirect_url, metadata, link_token_id, link_expires_at, link_opened_at, decision, last_event_seq, created_at, updated_at FROM cases_copy;
DROP TABLE cases_copy;
CREATE INDEX cases_scope ON cases (organization_id, environment, id);
CREATE INDEX cases_status ON cases (organization_id, environment, status, id);
CREATE INDEX cases_external ON cases (organization_id, environment, external_id);
CREATE INDEX cases_applicant ON cases (organization_id, environment, applicant_id);
CREATE INDEX cases_expiry ON cases (link_expires_at) WHERE status IN ('created', 'in_progress');

CREATE TEMP TABLE events_copy AS SELECT * FROM events;
DROP TABLE events;
CREATE TABLE events (
    id               TEXT NOT NULL PRIMARY KEY,
    organization_id  TEXT NOT NULL,
    environment      TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    case_id          TEXT,
    applicant_id     TEXT,
    sequence         BIGINT,
    payload          TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    UNIQUE (case_id, sequence)
);
INSERT INTO events (id, organization_id, environment, event_type, case_id, applicant_id, sequence, payload, created_at)
SELECT id, organization_id, environment, event_type, case_id, applicant_id, sequence, payload, created_at FROM events_copy;
DROP TABLE events_copy;
CREATE INDEX events_scope ON events (organization_id, environment, id);
CREATE INDEX events_case ON events (organization_id, environment, case_id, id);

CREATE TEMP TABLE audit_log_copy AS SELECT * FROM audit_log;
DROP TABLE audit_log;
CREATE TABLE audit_log (
    id               TEXT NOT NULL PRIMARY KEY,
    organization_id  TEXT NOT NULL,
    environment      TEXT NOT NULL,
    actor_type       TEXT NOT NULL,
    actor_id         TEXT,
    action           TEXT NOT NULL,
    target_type      TEXT NOT NULL,
    target_id        TEXT NOT NULL,
    detail           TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
INSERT INTO audit_log (id, organization_id, environment, actor_type, actor_id, action, target_type, target_id, detail, created_at)
SELECT id, organization_id, environment, actor_type, actor_id, action, target_type, target_id, detail, created_at FROM audit_log_copy;
DROP TABLE audit_log_copy;
CREATE INDEX audit_target ON audit_log (organization_id, environment, target_id, id);

CREATE TEMP TABLE jobs_copy AS SELECT * FROM jobs;
DROP TABLE jobs;
CREATE TABLE jobs (
    id            TEXT NOT NULL PRIMARY KEY,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    dedupe_key    TEXT UNIQUE,
    run_at        BIGINT NOT NULL,
    attempts      BIGINT NOT NULL,
    max_attempts  BIGINT NOT NULL,
    locked_until  BIGINT,
    last_error    TEXT,
    failed_at     BIGINT,
    created_at    BIGINT NOT NULL
);
INSERT INTO jobs (id, kind, payload, dedupe_key, run_at, attempts, max_attempts, locked_until, last_error, failed_at, created_at)
SELECT id, kind, payload, dedupe_key, run_at, attempts, max_attempts, locked_until, last_error, failed_at, created_at FROM jobs_copy;
DROP TABLE jobs_copy;
CREATE INDEX jobs_due ON jobs (run_at);

CREATE TEMP TABLE checks_copy AS SELECT * FROM checks;
DROP TABLE checks;
CREATE TABLE checks (
    id               TEXT NOT NULL PRIMARY KEY,
    organization_id  TEXT NOT NULL,
    environment      TEXT NOT NULL,
    case_id          TEXT NOT NULL REFERENCES cases (id),
    kind             TEXT NOT NULL,
    status           TEXT NOT NULL,
    score            REAL,
    result           TEXT NOT NULL,
    explanation      TEXT NOT NULL,
    provider         TEXT NOT NULL,
    raw              TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
INSERT INTO checks (id, organization_id, environment, case_id, kind, status, score, result, explanation, provider, raw, created_at)
SELECT id, organization_id, environment, case_id, kind, status, score, result, explanation, provider, raw, created_at FROM checks_copy;
DROP TABLE checks_copy;
CREATE INDEX checks_case ON checks (organization_id, environment, case_id, id);

CREATE TEMP TABLE watchlist_versions_copy AS SELECT * FROM watchlist_versions;
DROP TABLE watchlist_versions;
CREATE TABLE watchlist_versions (
    id              TEXT NOT NULL PRIMARY KEY,
    list_id         TEXT NOT NULL,
    format          TEXT NOT NULL,
    path            TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    source_version  TEXT,
    entity_count    BIGINT NOT NULL,
    name_count      BIGINT NOT NULL,
    imported_at     BIGINT NOT NULL,
    status          TEXT NOT NULL,
    last_error      TEXT,
    failed_at       BIGINT
);
INSERT INTO watchlist_versions (id, list_id, format, path, sha256, source_version, entity_count, name_count, imported_at, status, last_error, failed_at)
SELECT id, list_id, format, path, sha256, source_version, entity_count, name_count, imported_at, status, last_error, failed_at FROM watchlist_versions_copy;
DROP TABLE watchlist_versions_copy;
CREATE INDEX watchlist_versions_list ON watchlist_versions (list_id, imported_at);

CREATE TEMP TABLE documents_copy AS SELECT * FROM documents;
DROP TABLE documents;
CREATE TABLE documents (
    id               TEXT NOT NULL PRIMARY KEY,
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
    updated_at       BIGINT NOT NULL,
    document_number_hash BLOB
);
INSERT INTO documents (id, organization_id, environment, case_id, document_type, subtype, side, status, attempt, rejection_reason, blob_key, content_type, size_bytes, file_hash, mrz_sealed, created_at, updated_at, document_number_hash)
SELECT id, organization_id, environment, case_id, document_type, subtype, side, status, attempt, rejection_reason, blob_key, content_type, size_bytes, file_hash, mrz_sealed, created_at, updated_at, document_number_hash FROM documents_copy;
DROP TABLE documents_copy;
CREATE INDEX documents_case ON documents (organization_id, environment, case_id, id);
CREATE INDEX documents_file_hash ON documents (organization_id, environment, file_hash);
CREATE INDEX documents_number_hash ON documents (organization_id, environment, document_number_hash);

CREATE TEMP TABLE screening_hits_copy AS SELECT * FROM screening_hits;
DROP TABLE screening_hits;
CREATE TABLE screening_hits (
    id                 TEXT NOT NULL PRIMARY KEY,
    organization_id    TEXT NOT NULL,
    environment        TEXT NOT NULL,
    case_id            TEXT NOT NULL REFERENCES cases (id),
    applicant_id       TEXT NOT NULL,
    subject            TEXT NOT NULL,
    list_id            TEXT NOT NULL,
    list_version       TEXT NOT NULL,
    entity_id          TEXT NOT NULL,
    entity_fingerprint TEXT NOT NULL,
    score              REAL NOT NULL,
    detail             TEXT NOT NULL,
    source             TEXT NOT NULL,
    status             TEXT NOT NULL,
    review_note        TEXT,
    reviewed_by        TEXT,
    reviewed_at        BIGINT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
INSERT INTO screening_hits (id, organization_id, environment, case_id, applicant_id, subject, list_id, list_version, entity_id, entity_fingerprint, score, detail, source, status, review_note, reviewed_by, reviewed_at, created_at, updated_at)
SELECT id, organization_id, environment, case_id, applicant_id, subject, list_id, list_version, entity_id, entity_fingerprint, score, detail, source, status, review_note, reviewed_by, reviewed_at, created_at, updated_at FROM screening_hits_copy;
DROP TABLE screening_hits_copy;
CREATE INDEX screening_hits_case ON screening_hits (organization_id, environment, case_id, id);
CREATE INDEX screening_hits_applicant ON screening_hits (organization_id, environment, applicant_id, entity_id);

CREATE TEMP TABLE monitoring_runs_copy AS SELECT * FROM monitoring_runs;
DROP TABLE monitoring_runs;
CREATE TABLE monitoring_runs (
    versions_key       TEXT NOT NULL PRIMARY KEY,
    started_at         BIGINT NOT NULL,
    finished_at        BIGINT,
    applicants_screened BIGINT NOT NULL DEFAULT 0,
    hits_found         BIGINT NOT NULL DEFAULT 0
);
INSERT INTO monitoring_runs (versions_key, started_at, finished_at, applicants_screened, hits_found)
SELECT versions_key, started_at, finished_at, applicants_screened, hits_found FROM monitoring_runs_copy;
DROP TABLE monitoring_runs_copy;

CREATE TEMP TABLE watchlist_sources_copy AS SELECT * FROM watchlist_sources;
DROP TABLE watchlist_sources;
CREATE TABLE watchlist_sources (
    source           TEXT NOT NULL PRIMARY KEY,
    list_id          TEXT,
    last_success_at  BIGINT,
    failing_since    BIGINT,
    failures         BIGINT NOT NULL,
    last_failure_at  BIGINT,
    error_code       TEXT,
    error_message    TEXT
);
INSERT INTO watchlist_sources (source, list_id, last_success_at, failing_since, failures, last_failure_at, error_code, error_message)
SELECT source, list_id, last_success_at, failing_since, failures, last_failure_at, error_code, error_message FROM watchlist_sources_copy;
DROP TABLE watchlist_sources_copy;

CREATE TEMP TABLE case_progress_copy AS SELECT * FROM case_progress;
DROP TABLE case_progress;
CREATE TABLE case_progress (
    case_id          TEXT NOT NULL PRIMARY KEY REFERENCES cases (id),
    organization_id  TEXT NOT NULL,
    environment      TEXT NOT NULL,
    progress         TEXT NOT NULL,
    updated_at       BIGINT NOT NULL
);
INSERT INTO case_progress (case_id, organization_id, environment, progress, updated_at)
SELECT case_id, organization_id, environment, progress, updated_at FROM case_progress_copy;
DROP TABLE case_progress_copy;
