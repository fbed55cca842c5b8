-- Primary keys that cannot be NULL. Keep in step with ../sqlite/0008_primary_keys_not_null.sql.
-- Nothing to do on PostgreSQL: its PRIMARY KEY columns are NOT NULL already. The SQLite
-- migration of the same number rebuilds the tables whose keys SQLite would let be NULL.
SELECT 1;
