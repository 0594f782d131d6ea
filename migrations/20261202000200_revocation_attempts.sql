-- Revocations scheduled from PostgreSQL: one row per lease whose credential still has to
-- be made useless, kept by a trigger on `events` in the same transaction as the event that
-- starts, delays or ends the revocation. The worker claims due rows with
-- `FOR UPDATE SKIP LOCKED`, so a purged or lost message, a crashed worker or a broken tenant
-- never loses or blocks a revocation. Due times come from the database's clock only.
CREATE TABLE revocation_attempts
(
    lease_id        text PRIMARY KEY,
    -- The connection (tenant + app) the Graph calls go through: claims are fair per connection.
    connection      text        NOT NULL,
    requested_at    timestamptz NOT NULL DEFAULT now(),
    due_at          timestamptz NOT NULL DEFAULT now(),
    -- Attempts so far, including folded ones (drives the backoff).
    attempt         integer     NOT NULL DEFAULT 0,
    -- Kind of the last recorded failure, and identical failures since then not yet recorded.
    last_error_kind text,
    folded          integer     NOT NULL DEFAULT 0,
    folded_error    text,
    folded_throttled integer    NOT NULL DEFAULT 0,
    folded_at       timestamptz,
    -- True after a forced revocation: the lease is closed, the scramble still retried.
    forced          boolean     NOT NULL DEFAULT false,
    claimed_until   timestamptz,
    claim_token     text
);

CREATE INDEX revocation_attempts_due ON revocation_attempts (due_at);

CREATE FUNCTION lease_connection(lease text) RETURNS text
    LANGUAGE sql STABLE AS
$$
SELECT payload -> 'LeaseRequested' ->> 'connection'
  FROM events
 WHERE aggregate_type = 'Lease' AND aggregate_id = lease AND event_type = 'LeaseRequested'
 LIMIT 1
$$;

CREATE FUNCTION events_to_revocation_attempts() RETURNS trigger
    LANGUAGE plpgsql AS
$$
DECLARE
    body jsonb;
BEGIN
    IF NEW.aggregate_type <> 'Lease' THEN
        RETURN NEW;
    END IF;
    IF NEW.event_type = 'LeaseRevocationRequested' THEN
        INSERT INTO revocation_attempts (lease_id, connection)
        VALUES (NEW.aggregate_id, COALESCE(lease_connection(NEW.aggregate_id), ''))
        ON CONFLICT (lease_id) DO NOTHING;
    ELSIF NEW.event_type = 'RevocationAttemptFailed' THEN
        body := NEW.payload -> 'RevocationAttemptFailed';
        UPDATE revocation_attempts
           SET attempt         = GREATEST(attempt, (body ->> 'attempt')::integer),
               last_error_kind = body -> 'error' ->> 'kind',
               folded          = 0,
               folded_error    = NULL,
               folded_throttled = 0,
               folded_at       = NULL,
               due_at          = now() + make_interval(
                       secs => COALESCE((body ->> 'retry_in_ms')::bigint, 60000) / 1000.0),
               claimed_until   = NULL,
               claim_token     = NULL
         WHERE lease_id = NEW.aggregate_id;
    ELSIF NEW.event_type = 'LeaseRevoked' THEN
        IF (NEW.payload -> 'LeaseRevoked' ->> 'forced')::boolean THEN
            INSERT INTO revocation_attempts (lease_id, connection, forced)
            VALUES (NEW.aggregate_id, COALESCE(lease_connection(NEW.aggregate_id), ''), true)
            ON CONFLICT (lease_id) DO UPDATE
                SET forced = true, due_at = now(), claimed_until = NULL, claim_token = NULL;
        ELSE
            DELETE FROM revocation_attempts WHERE lease_id = NEW.aggregate_id;
        END IF;
    ELSIF NEW.event_type = 'ForcedRevocationConfirmed' THEN
        DELETE FROM revocation_attempts WHERE lease_id = NEW.aggregate_id;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER events_revocation_attempts
    AFTER INSERT
    ON events
    FOR EACH ROW
EXECUTE FUNCTION events_to_revocation_attempts();

-- Leases already revoking when this migration runs are re-driven at once.
INSERT INTO revocation_attempts (lease_id, connection)
SELECT r.aggregate_id, COALESCE(lease_connection(r.aggregate_id), '')
  FROM events r
 WHERE r.aggregate_type = 'Lease'
   AND r.event_type = 'LeaseRevocationRequested'
   AND NOT EXISTS (SELECT 1
                     FROM events d
                    WHERE d.aggregate_type = 'Lease'
                      AND d.aggregate_id = r.aggregate_id
                      AND d.event_type = 'LeaseRevoked')
ON CONFLICT (lease_id) DO NOTHING;
