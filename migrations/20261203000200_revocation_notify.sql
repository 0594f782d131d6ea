-- Workers wake on a notification when a revocation becomes due now (a new row, or a
-- forced revocation re-driven at once) instead of polling: the payload is the row's
-- connection, so a worker whose slots for that connection are all taken can ignore it.
-- Rows rescheduled into the future notify nothing; the worker sleeps until the earliest.
CREATE FUNCTION revocation_attempts_notify() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    PERFORM pg_notify('leasehold_revocations', NEW.connection);
    RETURN NULL;
END;
$$;

CREATE TRIGGER revocation_attempts_due_now
    AFTER INSERT OR UPDATE OF due_at
    ON revocation_attempts
    FOR EACH ROW
    WHEN (NEW.due_at <= now() AND NEW.claimed_until IS NULL)
EXECUTE FUNCTION revocation_attempts_notify();
