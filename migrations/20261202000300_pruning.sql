-- Pruning of rows that are only needed for a while: published outbox rows (JetStream
-- has the events; the events table keeps them forever) and the idempotency keys of
-- lease.create once their lease has long ended. Indexes let the pruner find them
-- without scanning.
CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL;
CREATE INDEX lease_requests_created_at ON lease_requests (created_at);
