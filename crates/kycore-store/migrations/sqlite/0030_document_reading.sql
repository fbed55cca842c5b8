-- Keep in step with ../postgres/0030_document_reading.sql.
-- What the document engines read from an uploaded image (the MRZ, a licence's barcode, the
-- face's embedding), as JSON sealed under the applicant's data key: biometric and personal
-- data, erased with the rest when a case is redacted.
ALTER TABLE documents ADD COLUMN reading_sealed BLOB;
