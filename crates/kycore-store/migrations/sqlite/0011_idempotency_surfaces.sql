-- Idempotency per API surface. Keep in step with ../postgres/0011_idempotency_surfaces.sql.
-- Each API surface (the native API, each vendor dialect) keeps its own keys and replays its
-- own response, so one key string used on two surfaces names two requests. Responses are
-- kept for 48 hours; those stored before this version are not carried over (a retry of a
-- request made before the upgrade runs as a new request).
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_responses (
    organization_id  TEXT NOT NULL,
    environment      TEXT NOT NULL,
    -- `native`, or a dialect's name.
    surface          TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    request_hash     BLOB NOT NULL,
    response_status  BIGINT NOT NULL,
    -- The surface's own response, sealed.
    response_body    BLOB NOT NULL,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (organization_id, environment, surface, idempotency_key)
);
CREATE INDEX idempotency_responses_age ON idempotency_responses (created_at);
