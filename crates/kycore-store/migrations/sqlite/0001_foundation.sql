-- kycore foundation schema (SQLite). Keep in step with ../postgres/0001_foundation.sql:
-- a test compares the two schemas' tables and columns.
-- Timestamps are Unix milliseconds (BIGINT) so both backends compare and sort them alike.

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id               TEXT PRIMARY KEY,
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    environment      TEXT NOT NULL,
    kind             TEXT NOT NULL,
    key_hash         BLOB NOT NULL UNIQUE,
    -- The first characters of the key, for people to recognise it in lists.
    hint             TEXT NOT NULL,
    -- Publishable keys are public by design and shown again; secret keys never are.
    publishable_key  TEXT,
    created_at       BIGINT NOT NULL,
    revoked_at       BIGINT
);
CREATE INDEX api_keys_scope ON api_keys (organization_id, environment);

CREATE TABLE applicants (
    id               TEXT PRIMARY KEY,
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    environment      TEXT NOT NULL,
    applicant_type   TEXT NOT NULL,
    external_id      TEXT,
    -- Personal data, sealed with AES-256-GCM; nothing personal is stored in clear.
    profile_sealed   BLOB NOT NULL,
    -- Keyed hashes for the equality lookups duplicate detection needs.
    id_number_hash   BLOB,
    name_dob_hash    BLOB,
    email_hash       BLOB,
    revision         BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX applicants_scope ON applicants (organization_id, environment, id);
CREATE INDEX applicants_external ON applicants (organization_id, environment, external_id);
CREATE INDEX applicants_id_number ON applicants (organization_id, environment, id_number_hash);
CREATE INDEX applicants_name_dob ON applicants (organization_id, environment, name_dob_hash);

CREATE TABLE flows (
    id               TEXT NOT NULL,
    version          BIGINT NOT NULL,
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    environment      TEXT NOT NULL,
    kind             TEXT NOT NULL,
    is_default       BIGINT NOT NULL,
    definition       TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE INDEX flows_scope ON flows (organization_id, environment, id);

CREATE TABLE cases (
    id               TEXT PRIMARY KEY,
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
CREATE INDEX cases_scope ON cases (organization_id, environment, id);
CREATE INDEX cases_status ON cases (organization_id, environment, status, id);
CREATE INDEX cases_external ON cases (organization_id, environment, external_id);
CREATE INDEX cases_applicant ON cases (organization_id, environment, applicant_id);
-- The expiry sweeper's scan: only cases still waiting for their applicant.
CREATE INDEX cases_expiry ON cases (link_expires_at) WHERE status IN ('created', 'in_progress');

CREATE TABLE events (
    id               TEXT PRIMARY KEY,
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
CREATE INDEX events_scope ON events (organization_id, environment, id);
CREATE INDEX events_case ON events (organization_id, environment, case_id, id);

CREATE TABLE audit_log (
    id               TEXT PRIMARY KEY,
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
CREATE INDEX audit_target ON audit_log (organization_id, environment, target_id, id);

CREATE TABLE idempotency_keys (
    organization_id  TEXT NOT NULL,
    environment      TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    request_hash     BLOB NOT NULL,
    response_status  BIGINT NOT NULL,
    response_body    BLOB NOT NULL,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (organization_id, environment, idempotency_key)
);
CREATE INDEX idempotency_age ON idempotency_keys (created_at);

CREATE TABLE jobs (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    -- At most one pending job per dedupe key (e.g. one expiry per case).
    dedupe_key    TEXT UNIQUE,
    run_at        BIGINT NOT NULL,
    attempts      BIGINT NOT NULL,
    max_attempts  BIGINT NOT NULL,
    locked_until  BIGINT,
    last_error    TEXT,
    -- Set once the attempts are used up; a failed job stays for inspection and is not claimed.
    failed_at     BIGINT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at);

-- Recurring system jobs exist from the start; each reschedules itself after running.
INSERT INTO jobs (id, kind, payload, dedupe_key, run_at, attempts, max_attempts, created_at)
VALUES ('job_expire_cases', 'expire_cases', '{"kind":"expire_cases"}', 'expire_cases', 0, 0, 1000000, 0);
