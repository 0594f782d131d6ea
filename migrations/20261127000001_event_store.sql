-- The event store as postgres-es expects it, plus a global position and the time each
-- event was recorded. postgres-es names its insert columns, so the extra defaulted
-- columns are safe.
CREATE TABLE events
(
    aggregate_type  text                         NOT NULL,
    aggregate_id    text                         NOT NULL,
    sequence        bigint CHECK (sequence >= 0) NOT NULL,
    event_type      text                         NOT NULL,
    event_version   text                         NOT NULL,
    payload         json                         NOT NULL,
    metadata        json                         NOT NULL,
    global_position bigint GENERATED ALWAYS AS IDENTITY,
    recorded_at     timestamptz                  NOT NULL DEFAULT now(),
    PRIMARY KEY (aggregate_type, aggregate_id, sequence)
);

CREATE UNIQUE INDEX events_global_position ON events (global_position);
CREATE INDEX events_recorded_at ON events (recorded_at);

CREATE TABLE snapshots
(
    aggregate_type   text                                 NOT NULL,
    aggregate_id     text                                 NOT NULL,
    last_sequence    bigint CHECK (last_sequence >= 0)    NOT NULL,
    current_snapshot bigint CHECK (current_snapshot >= 0) NOT NULL,
    payload          json                                 NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id, last_sequence)
);

-- Transactional outbox: one row per event, written by a trigger in the same
-- transaction as the append, so an event is published if and only if it committed.
-- The relay reads rows whose published_at is NULL (never "id > last seen": a row that
-- commits late would be skipped).
CREATE TABLE outbox
(
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    global_position bigint      NOT NULL,
    aggregate_type  text        NOT NULL,
    aggregate_id    text        NOT NULL,
    sequence        bigint      NOT NULL,
    event_type      text        NOT NULL,
    event_version   text        NOT NULL,
    payload         json        NOT NULL,
    metadata        json        NOT NULL,
    recorded_at     timestamptz NOT NULL,
    published_at    timestamptz,
    UNIQUE (aggregate_type, aggregate_id, sequence)
);

CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

CREATE FUNCTION events_to_outbox() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    INSERT INTO outbox (global_position, aggregate_type, aggregate_id, sequence, event_type,
                        event_version, payload, metadata, recorded_at)
    VALUES (NEW.global_position, NEW.aggregate_type, NEW.aggregate_id, NEW.sequence,
            NEW.event_type, NEW.event_version, NEW.payload, NEW.metadata, NEW.recorded_at);
    -- Delivered only if the transaction commits; wakes the relay.
    PERFORM pg_notify('leasehold_outbox', NEW.aggregate_type);
    RETURN NEW;
END;
$$;

CREATE TRIGGER events_outbox
    AFTER INSERT
    ON events
    FOR EACH ROW
EXECUTE FUNCTION events_to_outbox();

-- Data keys (design §7): each sealed value's AES key, wrapped under the master key.
-- Destroying a key (wrapped = NULL) makes its sealed value unrecoverable while the
-- event log keeps the history.
CREATE TABLE data_keys
(
    key_id        text PRIMARY KEY,
    master_key_id text,
    wrapped       bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    destroyed_at  timestamptz,
    CHECK ((wrapped IS NULL) = (destroyed_at IS NOT NULL))
);

CREATE INDEX data_keys_master ON data_keys (master_key_id) WHERE wrapped IS NOT NULL;
