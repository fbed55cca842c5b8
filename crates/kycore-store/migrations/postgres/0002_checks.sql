-- Check results: one row per check a provider ran on a case, never updated.
CREATE TABLE checks (
    id               TEXT PRIMARY KEY,
    organization_id  TEXT NOT NULL,
    environment      TEXT NOT NULL,
    case_id          TEXT NOT NULL REFERENCES cases (id),
    kind             TEXT NOT NULL,
    status           TEXT NOT NULL,
    score            DOUBLE PRECISION,
    -- Machine-readable result (JSON) and the sentence a reviewer reads.
    result           TEXT NOT NULL,
    explanation      TEXT NOT NULL,
    provider         TEXT NOT NULL,
    -- The provider's own representation (JSON), kept for audit.
    raw              TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX checks_case ON checks (organization_id, environment, case_id, id);
