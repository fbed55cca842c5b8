-- Keep in step with ../postgres/0023_console_users.sql.
-- The console's people: analysts and admins of one organization, signing in with an e-mail
-- and a password (an argon2id PHC string; the password itself is never stored).
CREATE TABLE console_users (
    id               TEXT NOT NULL PRIMARY KEY,
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    -- Lowercased and trimmed, so one person cannot hold two accounts in one organization.
    email            TEXT NOT NULL,
    -- admin | analyst | viewer
    role             TEXT NOT NULL,
    password_hash    TEXT NOT NULL,
    disabled_at      BIGINT,
    -- Failed sign-ins since the last success; past a threshold the account waits until
    -- locked_until, a wait that doubles with each further failure.
    failed_logins    BIGINT NOT NULL,
    locked_until     BIGINT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (organization_id, email)
);
CREATE INDEX console_users_email ON console_users (email);

-- Signed-in browsers. Only a SHA-256 of the cookie's token is kept: a copy of the database
-- does not sign anyone in. A session ends at expires_at, or earlier when idle too long.
CREATE TABLE console_sessions (
    token_hash       BLOB NOT NULL PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES console_users (id),
    -- Which environment's cases the console shows: sandbox or live, switched by the user.
    environment      TEXT NOT NULL,
    -- The token every form of this session carries.
    csrf_token       TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    last_seen_at     BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);
