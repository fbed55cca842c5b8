-- The deployment's one truth. Keep in step with ../postgres/0012_deployment.sql.
-- One row (id 1), written by the first server that starts on an empty database, in the
-- same transaction as the default organization: a check value of the master key, so a
-- server started with another key refuses to start instead of writing data nobody can read.
CREATE TABLE deployment (
    id          BIGINT NOT NULL PRIMARY KEY,
    -- HMAC-SHA256 of a fixed label under a key derived from the master key.
    key_check   BLOB NOT NULL,
    created_at  BIGINT NOT NULL
);
