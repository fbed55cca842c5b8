-- Keep in step with ../sqlite/0022_document_review.sql.
-- Who gave a document its verdict, when a person did: the checks judge identity documents
-- only, so a proof of address waits for a person, who may also overrule the checks.
ALTER TABLE documents ADD COLUMN reviewed_by TEXT;
ALTER TABLE documents ADD COLUMN reviewed_at BIGINT;
