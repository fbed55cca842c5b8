-- Events in commit order. Keep in step with ../sqlite/0009_event_positions.sql.
-- Every event gets a position in the deployment's commit order. The writer numbers a
-- transaction's new events just before it commits, holding the lock on the counter row
-- until then, so positions grow in the order transactions become visible: a reader polling
-- "after position N" never misses an event committed late by another writer or server.
-- Inside the transaction that appends them, new events have no position yet.
ALTER TABLE events ADD COLUMN position BIGINT;
UPDATE events SET position = numbered.n
FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM events) AS numbered
WHERE events.id = numbered.id;
CREATE UNIQUE INDEX events_position ON events (position);
CREATE INDEX events_scope_position ON events (organization_id, environment, position);
-- The writer's scan for the events it must number: only this transaction's new ones.
CREATE INDEX events_unpositioned ON events (id) WHERE position IS NULL;

CREATE TABLE event_positions (
    -- One row, id 1.
    id             BIGINT NOT NULL PRIMARY KEY,
    last_position  BIGINT NOT NULL
);
INSERT INTO event_positions (id, last_position) SELECT 1, COUNT(*) FROM events;
