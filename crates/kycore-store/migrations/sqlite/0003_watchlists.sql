-- Imported watchlist versions (SQLite). Keep in step with ../postgres/0003_watchlists.sql.
-- Lists are shared by every organization of a deployment, so there are no tenant columns.
-- A list (list_id) has many versions; the screener serves each list's newest 'ok' version,
-- and a version that failed to load is marked 'failed' so the previous one is served.

CREATE TABLE watchlist_versions (
    id              TEXT PRIMARY KEY,
    list_id         TEXT NOT NULL,
    -- The file format, e.g. ofac-sdn-csv, un-xml (see kycore-services' ListFormat).
    format          TEXT NOT NULL,
    -- The main file, relative to the data directory; side files sit next to it.
    path            TEXT NOT NULL,
    -- SHA-256 (hex) of the imported file(s), to skip re-importing an unchanged list.
    sha256          TEXT NOT NULL,
    -- The publisher's own version stamp when the file carries one.
    source_version  TEXT,
    entity_count    BIGINT NOT NULL,
    name_count      BIGINT NOT NULL,
    imported_at     BIGINT NOT NULL,
    -- 'ok' or 'failed'.
    status          TEXT NOT NULL,
    last_error      TEXT,
    failed_at       BIGINT
);
CREATE INDEX watchlist_versions_list ON watchlist_versions (list_id, imported_at);
