-- How the scheduled refreshes of each configured list source went (PostgreSQL). Keep in step
-- with ../sqlite/0005_watchlist_sources.sql. One row per source ([[watchlists]] in
-- kycore.toml), deployment-wide like watchlist_versions, so every server sharing the
-- database sees one status and one failure streak per source.

CREATE TABLE watchlist_sources (
    -- The path or URL as shown to people: a URL without credentials, query or fragment.
    source           TEXT PRIMARY KEY,
    list_id          TEXT,
    last_success_at  BIGINT,
    -- First failure of the current streak; NULL once a refresh succeeds.
    failing_since    BIGINT,
    -- Failed rounds in the current streak.
    failures         BIGINT NOT NULL,
    last_failure_at  BIGINT,
    -- The last failure's stable code (download_failed, list_unreadable…) and message.
    error_code       TEXT,
    error_message    TEXT
);
