-- Keep in step with ../postgres/0026_four_eyes.sql.
-- A flow with four eyes needs two different people to approve a case: the first approval
-- waits here for the second. A rejection or a resubmission clears it.
ALTER TABLE cases ADD COLUMN first_approved_by TEXT;
ALTER TABLE cases ADD COLUMN first_approved_at BIGINT;
