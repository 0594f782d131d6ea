-- Durable lease deadlines for the scheduler, kept by a trigger on `events` in the same
-- transaction as the event that sets or ends the deadline, so no crash can lose one.
CREATE TABLE lease_deadlines
(
    lease_id      text PRIMARY KEY,
    expires_at    timestamptz NOT NULL,
    claimed_until timestamptz
);

CREATE INDEX lease_deadlines_due ON lease_deadlines (expires_at);

CREATE FUNCTION events_to_deadlines() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    IF NEW.aggregate_type <> 'Lease' THEN
        RETURN NEW;
    END IF;
    IF NEW.event_type = 'LeaseRequested' THEN
        INSERT INTO lease_deadlines (lease_id, expires_at)
        VALUES (NEW.aggregate_id, (NEW.payload -> 'LeaseRequested' ->> 'expires_at')::timestamptz)
        ON CONFLICT (lease_id) DO UPDATE SET expires_at = EXCLUDED.expires_at;
        PERFORM pg_notify('leasehold_deadlines', NEW.aggregate_id);
    ELSIF NEW.event_type = 'LeaseRenewed' THEN
        UPDATE lease_deadlines
           SET expires_at = (NEW.payload -> 'LeaseRenewed' ->> 'expires_at')::timestamptz,
               claimed_until = NULL
         WHERE lease_id = NEW.aggregate_id;
    ELSIF NEW.event_type IN ('LeaseRevocationRequested', 'LeaseRevoked', 'LeaseActivationFailed') THEN
        DELETE FROM lease_deadlines WHERE lease_id = NEW.aggregate_id;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER events_deadlines
    AFTER INSERT
    ON events
    FOR EACH ROW
EXECUTE FUNCTION events_to_deadlines();

-- Idempotency keys of lease.create: the same (actor, request id) always names the same
-- lease.
CREATE TABLE lease_requests
(
    actor      text        NOT NULL,
    request_id text        NOT NULL,
    secret     text        NOT NULL,
    lease_id   text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor, request_id)
);
