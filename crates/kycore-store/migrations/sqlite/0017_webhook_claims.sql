-- Keep in step with ../postgres/0017_webhook_claims.sql.
-- Claims look at one endpoint at a time: how many of its deliveries are held (leased and
-- not settled) is counted from this index of held rows, never from all pending ones.
CREATE INDEX webhook_deliveries_held ON webhook_deliveries (endpoint_id, locked_until)
    WHERE status = 'pending' AND locked_until IS NOT NULL;
