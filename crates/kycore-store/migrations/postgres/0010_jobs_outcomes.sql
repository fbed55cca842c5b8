-- Jobs that last as long as their work. Keep in step with ../sqlite/0010_jobs_outcomes.sql.
-- A claim hands the job a token: only its holder may renew the lease, finish or fail the
-- job, so a worker whose lease ran out cannot settle a job another worker now runs.
-- Finished jobs (done, or failed for good) are kept for a while so operators can see what
-- ran, its attempts and its last error; the worker prunes them later.
ALTER TABLE jobs ADD COLUMN claim_token TEXT;
-- When the latest attempt started.
ALTER TABLE jobs ADD COLUMN started_at BIGINT;
-- When the job was done or failed for good; NULL while it waits or runs.
ALTER TABLE jobs ADD COLUMN finished_at BIGINT;
UPDATE jobs SET finished_at = failed_at WHERE failed_at IS NOT NULL;
DROP INDEX jobs_due;
CREATE INDEX jobs_due ON jobs (run_at) WHERE finished_at IS NULL;
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
