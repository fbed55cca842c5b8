-- Webhooks. Keep in step with ../postgres/0016_webhooks.sql.
--
-- Svix's split: an endpoint (where, which events, its secrets), a delivery per (event,
-- endpoint) — the message its receiver sees, with a `webhook-id` that stays the same across
-- retries — and one row per attempt (the delivery log). Deliveries are fanned out from the
-- events outbox by a single cursor (`webhook_fanout`), never by scanning the outbox.
CREATE TABLE webhook_endpoints (
    id               TEXT NOT NULL PRIMARY KEY,
    organization_id  TEXT NOT NULL,
    environment      TEXT NOT NULL,
    url              TEXT NOT NULL,
    description      TEXT,
    -- JSON array of event types and `prefix.*` patterns; NULL for every event.
    events           TEXT,
    enabled          BIGINT NOT NULL,
    -- The payload and signature scheme: `native` (Standard Webhooks) or a vendor's dialect.
    format           TEXT NOT NULL,
    -- The signing secrets (current, and the previous one during a rotation's overlap),
    -- sealed under the organization's key with the endpoint's id as associated data.
    secrets_sealed   BLOB NOT NULL,
    -- Since when every attempt has failed; NULL after a success.
    failing_since    BIGINT,
    -- Why kycore disabled the endpoint, if it did.
    disabled_reason  TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_scope ON webhook_endpoints (organization_id, environment, id);

-- How far the fan-out has read the outbox (an event position). One row, id 1; starts at the
-- outbox's end, so events from before webhooks existed are not sent.
CREATE TABLE webhook_fanout (
    id             BIGINT NOT NULL PRIMARY KEY,
    last_position  BIGINT NOT NULL
);
INSERT INTO webhook_fanout (id, last_position) SELECT 1, last_position FROM event_positions;

CREATE TABLE webhook_deliveries (
    -- The `webhook-id` the receiver sees (`msg_…`).
    id               TEXT NOT NULL PRIMARY KEY,
    organization_id  TEXT NOT NULL,
    environment      TEXT NOT NULL,
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL,
    event_position   BIGINT NOT NULL,
    -- `pending`, `delivered` or `failed` (attempts used up).
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL,
    -- When the next attempt is due, while pending.
    next_attempt_at  BIGINT,
    -- A claim's lease and token: only its holder records the attempt's outcome.
    locked_until     BIGINT,
    claim_token      TEXT,
    created_at       BIGINT NOT NULL,
    finished_at      BIGINT,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, event_position)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, next_attempt_at)
    WHERE status = 'pending';

CREATE TABLE webhook_attempts (
    id               TEXT NOT NULL PRIMARY KEY,
    organization_id  TEXT NOT NULL,
    environment      TEXT NOT NULL,
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    delivery_id      TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    url              TEXT NOT NULL,
    -- The receiver's status code; NULL when no answer came (then `error` says why).
    status_code      BIGINT,
    error            TEXT,
    duration_ms      BIGINT NOT NULL,
    -- The first 1 KB of the answer's body.
    response_body    TEXT,
    attempted_at     BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);
