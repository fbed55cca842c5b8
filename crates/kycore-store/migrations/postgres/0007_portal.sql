-- The hosted portal. Keep in step with the other backend's 0007_portal.sql.

-- Where the applicant is in the case's hosted flow (JSON of the domain's `Progress`): steps
-- done, consent, the chosen identity document and this round's uploads. One row per case,
-- so the link resumes on any device.
CREATE TABLE case_progress (
    case_id          TEXT PRIMARY KEY REFERENCES cases (id),
    organization_id  TEXT NOT NULL,
    environment      TEXT NOT NULL,
    progress         TEXT NOT NULL,
    updated_at       BIGINT NOT NULL
);

-- A business's related person verified through a KYC case of their own (a child case),
-- started from the parent's portal: `here` in the same browser, or `link` sent to them.
-- The child case is written in the same unit of work, after this row, so it has no foreign
-- key.
CREATE TABLE related_person_cases (
    parent_case_id     TEXT NOT NULL REFERENCES cases (id),
    related_person_id  TEXT NOT NULL,
    organization_id    TEXT NOT NULL,
    environment        TEXT NOT NULL,
    case_id            TEXT NOT NULL,
    mode               TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    PRIMARY KEY (parent_case_id, related_person_id)
);
CREATE INDEX related_person_cases_child ON related_person_cases (case_id);
