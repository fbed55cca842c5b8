-- Keep in step with ../sqlite/0028_applicant_name_tokens.sql.
-- A blind index for finding applicants by name or e-mail without opening sealed profiles:
-- keyed hashes of the normalized words, each between spaces (" h1 h2 "); empty when the
-- applicant has no such field. NULL when erased, or written before this index existed (the
-- worker's housekeeping fills those in).
ALTER TABLE applicants ADD COLUMN name_tokens TEXT;
