-- Keep in step with ../postgres/0029_console_second_factor.sql.
-- A console user's optional second factor (TOTP): the shared secret sealed under the
-- organization's key, when it was confirmed (NULL while being set up), and the last time
-- step a code was accepted for, so a code is never accepted twice.
ALTER TABLE console_users ADD COLUMN totp_secret_sealed BLOB;
ALTER TABLE console_users ADD COLUMN totp_enabled_at BIGINT;
ALTER TABLE console_users ADD COLUMN totp_last_step BIGINT;
