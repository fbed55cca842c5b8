-- Keep in step with ../sqlite/0024_document_listing_and_review_start.sql.
-- A scope's documents newest first, whatever their case: vendors list documents on their own.
CREATE INDEX documents_scope ON documents (organization_id, environment, id);
-- Who is reviewing a document now, and since when: a reviewer takes a document so that
-- others see it is being looked at, and lets it go unjudged when interrupted.
ALTER TABLE documents ADD COLUMN review_started_by TEXT;
ALTER TABLE documents ADD COLUMN review_started_at BIGINT;
