-- Tamper evidence (docs/audit.md): every event carries `hash`, chaining it to the previous
-- event of its aggregate, and `chain_heads` anchors the last event of every aggregate, so
-- an edited, deleted or re-ordered event shows up in `verify`:
--
--   hash = sha256(prev_hash (or nothing for the first event) || canonical bytes)
--
-- The canonical bytes are reproduced exactly by `leasehold-audit` (crates/audit/src/
-- canonical.rs); change one, change both, and bump the version tag.
--
--   "leasehold-event-v1\n" then, for each field, "<byte length>:<UTF-8 bytes>\n":
--   aggregate_type, aggregate_id, sequence (decimal), event_type, event_version,
--   payload::text, metadata::text, recorded_at as UTC "YYYY-MM-DDTHH:MM:SS.ffffffZ".
--
-- payload and metadata are `json` (not jsonb), so their text is kept exactly as inserted.
-- recorded_at is formatted in UTC, whatever the session's TimeZone.

ALTER TABLE events
    ADD COLUMN prev_hash bytea,
    ADD COLUMN hash      bytea;

-- The last event of every aggregate as the trigger saw it appended: a deleted tail is
-- detectable only against this anchor (and against exported copies of it, see docs).
CREATE TABLE chain_heads
(
    aggregate_type text   NOT NULL,
    aggregate_id   text   NOT NULL,
    last_sequence  bigint NOT NULL,
    hash           bytea  NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id)
);

-- One length-prefixed field of the canonical form.
CREATE FUNCTION event_chain_field(value text) RETURNS bytea
    LANGUAGE sql
    IMMUTABLE
    STRICT AS
$$
SELECT convert_to(length(convert_to(value, 'UTF8'))::text || ':', 'UTF8')
           || convert_to(value, 'UTF8')
           || '\x0a'::bytea
$$;

-- The canonical bytes of one event (see the header of this file).
CREATE FUNCTION event_chain_canonical(aggregate_type text, aggregate_id text, sequence bigint,
                                      event_type text, event_version text, payload json,
                                      metadata json, recorded_at timestamptz) RETURNS bytea
    LANGUAGE sql
    STABLE AS
$$
SELECT convert_to('leasehold-event-v1' || chr(10), 'UTF8')
           || event_chain_field(aggregate_type)
           || event_chain_field(aggregate_id)
           || event_chain_field(sequence::text)
           || event_chain_field(event_type)
           || event_chain_field(event_version)
           || event_chain_field(payload::text)
           || event_chain_field(metadata::text)
           || event_chain_field(to_char(recorded_at AT TIME ZONE 'UTC',
                                        'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
$$;

-- Fills prev_hash and hash of a new event and moves its aggregate's chain head. Runs
-- BEFORE INSERT, so the AFTER INSERT triggers (outbox, deadlines) see the row complete;
-- they do not copy the hash. Whatever the inserter put in prev_hash/hash is overwritten.
-- The previous sequence exists and is visible: postgres-es appends an aggregate's
-- sequences in order, and the primary key lets only one writer win each sequence.
CREATE FUNCTION events_chain() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    SELECT e.hash
      INTO NEW.prev_hash
      FROM events e
     WHERE e.aggregate_type = NEW.aggregate_type
       AND e.aggregate_id = NEW.aggregate_id
       AND e.sequence = NEW.sequence - 1;
    NEW.hash := sha256(coalesce(NEW.prev_hash, ''::bytea)
        || event_chain_canonical(NEW.aggregate_type, NEW.aggregate_id, NEW.sequence,
                                 NEW.event_type, NEW.event_version, NEW.payload,
                                 NEW.metadata, NEW.recorded_at));
    INSERT INTO chain_heads (aggregate_type, aggregate_id, last_sequence, hash)
    VALUES (NEW.aggregate_type, NEW.aggregate_id, NEW.sequence, NEW.hash)
    ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE
        SET last_sequence = EXCLUDED.last_sequence,
            hash          = EXCLUDED.hash
        WHERE chain_heads.last_sequence < EXCLUDED.last_sequence;
    RETURN NEW;
END;
$$;

-- Chain the events stored before this migration, aggregate by aggregate, in order.
DO
$$
    DECLARE
        r         record;
        prev_type text;
        prev_id   text;
        prev_seq  bigint;
        prev      bytea;
        h         bytea;
    BEGIN
        FOR r IN SELECT aggregate_type, aggregate_id, sequence, event_type, event_version,
                        payload, metadata, recorded_at
                   FROM events
                  ORDER BY aggregate_type, aggregate_id, sequence
            LOOP
                IF r.aggregate_type IS DISTINCT FROM prev_type
                    OR r.aggregate_id IS DISTINCT FROM prev_id
                    OR r.sequence <> prev_seq + 1 THEN
                    prev := NULL;
                END IF;
                h := sha256(coalesce(prev, ''::bytea)
                    || event_chain_canonical(r.aggregate_type, r.aggregate_id, r.sequence,
                                             r.event_type, r.event_version, r.payload,
                                             r.metadata, r.recorded_at));
                UPDATE events
                   SET prev_hash = prev,
                       hash      = h
                 WHERE aggregate_type = r.aggregate_type
                   AND aggregate_id = r.aggregate_id
                   AND sequence = r.sequence;
                prev_type := r.aggregate_type;
                prev_id := r.aggregate_id;
                prev_seq := r.sequence;
                prev := h;
            END LOOP;
        INSERT INTO chain_heads (aggregate_type, aggregate_id, last_sequence, hash)
        SELECT DISTINCT ON (aggregate_type, aggregate_id) aggregate_type, aggregate_id,
                                                          sequence, hash
          FROM events
         ORDER BY aggregate_type, aggregate_id, sequence DESC;
    END;
$$;

CREATE TRIGGER events_chain
    BEFORE INSERT
    ON events
    FOR EACH ROW
EXECUTE FUNCTION events_chain();
