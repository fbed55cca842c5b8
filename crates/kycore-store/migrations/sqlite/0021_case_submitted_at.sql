-- Keep in step with ../postgres/0021_case_submitted_at.sql.
-- When a case was last submitted for checks: vendor dialects report it (VOVE's
-- `submittedAt`), and an analyst sees how long a case has waited.
ALTER TABLE cases ADD COLUMN submitted_at BIGINT;
