-- Keep in step with ../postgres/0018_document_details.sql.
-- What the applicant typed from a document without a machine-readable zone (its number and
-- expiry date), sealed under the applicant's data key like the MRZ.
ALTER TABLE documents ADD COLUMN details_sealed BLOB;
