-- Keep in step with ../sqlite/0027_case_assignment.sql.
-- The person working on a case, so that analysts do not review the same case twice.
ALTER TABLE cases ADD COLUMN assigned_to TEXT;
