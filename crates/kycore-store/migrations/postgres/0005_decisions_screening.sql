-- Duplicate documents: a keyed hash of the document number read from the MRZ, so another
-- applicant's use of the same document is found without storing the number in clear.
ALTER TABLE documents ADD COLUMN document_number_hash BYTEA;
CREATE INDEX documents_number_hash ON documents (organization_id, environment, document_number_hash);

-- Screening hits: a listed entry that may be the applicant, a business or one of its related
-- persons. Found during a case's checks or by ongoing monitoring; an analyst marks each one a
-- true or false match. The entity fingerprint changes when the list entry's content does, so
-- a remembered false match comes back only if the entry changed.
CREATE TABLE screening_hits (
    id                 TEXT PRIMARY KEY,
    organization_id    TEXT NOT NULL,
    environment        TEXT NOT NULL,
    case_id            TEXT NOT NULL REFERENCES cases (id),
    applicant_id       TEXT NOT NULL,
    -- Who was screened: `applicant`, `business` or `related_person:<id>`.
    subject            TEXT NOT NULL,
    list_id            TEXT NOT NULL,
    list_version       TEXT NOT NULL,
    entity_id          TEXT NOT NULL,
    entity_fingerprint TEXT NOT NULL,
    score              DOUBLE PRECISION NOT NULL,
    -- JSON: the entry's names and type, the matched name and the explanation (list data only).
    detail             TEXT NOT NULL,
    -- `case_checks` or `monitoring`.
    source             TEXT NOT NULL,
    -- `open`, `true_match` or `false_match`.
    status             TEXT NOT NULL,
    review_note        TEXT,
    reviewed_by        TEXT,
    reviewed_at        BIGINT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX screening_hits_case ON screening_hits (organization_id, environment, case_id, id);
CREATE INDEX screening_hits_applicant ON screening_hits (organization_id, environment, applicant_id, entity_id);

-- One row per set of list versions that ongoing monitoring has re-screened against, so a
-- restart or a second server does not re-screen everyone again.
CREATE TABLE monitoring_runs (
    versions_key       TEXT PRIMARY KEY,
    started_at         BIGINT NOT NULL,
    finished_at        BIGINT,
    applicants_screened BIGINT NOT NULL DEFAULT 0,
    hits_found         BIGINT NOT NULL DEFAULT 0
);
