-- Keep in step with ../sqlite/0020_portal_mail.sql.
-- A related person's own link e-mailed to them: when it was last asked for (a job then sends
-- it) and when it last went out. The address and the link are not stored here: the job reads
-- the person's sealed e-mail and builds the link when it runs.
ALTER TABLE related_person_cases ADD COLUMN email_requested_at BIGINT;
ALTER TABLE related_person_cases ADD COLUMN email_sent_at BIGINT;

-- Phone hand-offs: a short-lived, single-use token that opens a new portal session for the
-- case on another device. Only the token's SHA-256 is kept; the session's link is named so a
-- replaced link refuses the hand-off too.
CREATE TABLE portal_handoffs (
    token_hash       TEXT NOT NULL PRIMARY KEY,
    organization_id  TEXT NOT NULL,
    environment      TEXT NOT NULL,
    case_id          TEXT NOT NULL REFERENCES cases (id),
    link_token_id    TEXT NOT NULL,
    expires_at       BIGINT NOT NULL,
    used_at          BIGINT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX portal_handoffs_expiry ON portal_handoffs (expires_at);
CREATE INDEX portal_handoffs_case ON portal_handoffs (case_id);
