-- History integrity (docs/audit.md, docs/security.md "Database roles"):
--
-- 1. Snapshots carry the chain hash of the event they were taken at and a MAC the engine
--    computes with a key derived from the master key (never stored here). The engine
--    discards a snapshot whose MAC or chain hash does not match and folds the events.
-- 2. A global running hash over every event in commit order (`event_log`), written only
--    by a SECURITY DEFINER trigger owned by the role `leasehold_chain`, so an engine role
--    that may INSERT events cannot write it, nor `chain_heads`, directly. Erasing or
--    truncating history changes the running hash at a position that a signed checkpoint
--    (`leasehold audit anchor`) recorded.

-- Snapshots are a cache of folds: the unauthenticated ones go, and are taken again.
DELETE FROM snapshots;

-- key_id names the snapshot key (derived from the master key) the MAC was made with: a
-- snapshot from before a master-key rotation is simply not used, not reported as forged.
ALTER TABLE snapshots
    ADD COLUMN chain_hash bytea,
    ADD COLUMN mac        bytea,
    ADD COLUMN key_id     text;

-- The owner of the chain triggers. NOLOGIN: nobody connects as it. Roles are shared by
-- every database of the cluster, so another database (or a concurrent migration) may
-- have created it already.
DO
$$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'leasehold_chain') THEN
            CREATE ROLE leasehold_chain NOLOGIN;
        END IF;
    EXCEPTION
        WHEN duplicate_object OR unique_violation THEN NULL;
    END;
$$;

-- One row per event, in the order the events committed: the running hash at `position`
-- covers every event before it, so deleting any event (with its row here) changes every
-- later running hash, and deleting the tail moves the head below a checkpoint.
--
--   running_hash = sha256(previous running_hash (nothing for position 1)
--                         || "leasehold-log-v1\n"
--                         || field(position) || field(aggregate_type)
--                         || field(aggregate_id) || field(sequence) || event hash)
--
-- with field() as in 20261127000004_hash_chain.sql. Reproduced by `leasehold-audit`
-- (crates/audit/src/log.rs).
CREATE TABLE event_log
(
    position        bigint PRIMARY KEY CHECK (position > 0),
    global_position bigint      NOT NULL UNIQUE,
    aggregate_type  text        NOT NULL,
    aggregate_id    text        NOT NULL,
    sequence        bigint      NOT NULL,
    event_hash      bytea       NOT NULL,
    running_hash    bytea       NOT NULL,
    logged_at       timestamptz NOT NULL DEFAULT now()
);

-- The single head row: appends take its row lock at commit, so positions are handed out
-- in commit order (the lock is held until the appending transaction ends).
CREATE TABLE event_log_head
(
    id           boolean PRIMARY KEY DEFAULT true CHECK (id),
    position     bigint NOT NULL,
    running_hash bytea
);

CREATE FUNCTION event_log_hash(prev bytea, log_position bigint, aggregate_type text,
                               aggregate_id text, sequence bigint, event_hash bytea)
    RETURNS bytea
    LANGUAGE sql
    IMMUTABLE AS
$$
SELECT sha256(coalesce(prev, ''::bytea)
                  || convert_to('leasehold-log-v1' || chr(10), 'UTF8')
                  || event_chain_field(log_position::text)
                  || event_chain_field(aggregate_type)
                  || event_chain_field(aggregate_id)
                  || event_chain_field(sequence::text)
                  || event_hash)
$$;

-- Appends the new event to the global log. Runs with the rights of its owner
-- (leasehold_chain), not of the inserting role.
CREATE FUNCTION events_log() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER AS
$$
DECLARE
    head_position bigint;
    head_hash     bytea;
    next_hash     bytea;
BEGIN
    SELECT h.position, h.running_hash
      INTO head_position, head_hash
      FROM event_log_head h
     WHERE h.id
       FOR UPDATE;
    head_position := head_position + 1;
    next_hash := event_log_hash(head_hash, head_position, NEW.aggregate_type,
                                NEW.aggregate_id, NEW.sequence, NEW.hash);
    INSERT INTO event_log (position, global_position, aggregate_type, aggregate_id, sequence,
                           event_hash, running_hash)
    VALUES (head_position, NEW.global_position, NEW.aggregate_type, NEW.aggregate_id,
            NEW.sequence, NEW.hash, next_hash);
    UPDATE event_log_head SET position = head_position, running_hash = next_hash WHERE id;
    RETURN NULL;
END;
$$;

-- Log the events stored before this migration, in global-position order.
DO
$$
    DECLARE
        r    record;
        pos  bigint := 0;
        prev bytea;
    BEGIN
        FOR r IN SELECT global_position, aggregate_type, aggregate_id, sequence, hash
                   FROM events
                  ORDER BY global_position
            LOOP
                pos := pos + 1;
                prev := event_log_hash(prev, pos, r.aggregate_type, r.aggregate_id,
                                       r.sequence, r.hash);
                INSERT INTO event_log (position, global_position, aggregate_type, aggregate_id,
                                       sequence, event_hash, running_hash)
                VALUES (pos, r.global_position, r.aggregate_type, r.aggregate_id, r.sequence,
                        r.hash, prev);
            END LOOP;
        INSERT INTO event_log_head (id, position, running_hash) VALUES (true, pos, prev);
    END;
$$;

-- Deferred to COMMIT: the head row's lock is taken as the appending transaction commits
-- and held only through its commit, so appends keep running concurrently and positions
-- still follow commit order (a lock taken at the first insert would serialise whole
-- transactions: 150 instead of 250 two-event transactions/s with 8 writers).
CREATE CONSTRAINT TRIGGER events_log
    AFTER INSERT
    ON events
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
EXECUTE FUNCTION events_log();

-- Nobody but the trigger owner writes the chain tables; readers may read them.
REVOKE ALL ON event_log, event_log_head, chain_heads FROM PUBLIC;
GRANT SELECT ON events TO leasehold_chain;
GRANT SELECT, INSERT ON event_log TO leasehold_chain;
GRANT SELECT, UPDATE ON event_log_head TO leasehold_chain;
GRANT SELECT, INSERT, UPDATE ON chain_heads TO leasehold_chain;

-- Both chain triggers run as leasehold_chain, with this schema first and pg_temp last
-- (a caller's temporary table cannot stand in for the tables they name).
DO
$$
    BEGIN
        EXECUTE format('ALTER FUNCTION events_log() SET search_path = %I, pg_temp',
                       current_schema());
        EXECUTE format('ALTER FUNCTION events_chain() SET search_path = %I, pg_temp',
                       current_schema());
    END;
$$;
ALTER FUNCTION events_chain() SECURITY DEFINER;
ALTER FUNCTION events_log() OWNER TO leasehold_chain;
ALTER FUNCTION events_chain() OWNER TO leasehold_chain;

-- Snapshots the engine refused to use (bad MAC, or taken at a chain head the events no
-- longer have). Append-only for the engine (deploy/postgres/roles.sql); `audit verify`
-- lists them.
CREATE TABLE snapshot_rejections
(
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    aggregate_type text        NOT NULL,
    aggregate_id   text        NOT NULL,
    last_sequence  bigint      NOT NULL,
    reason         text        NOT NULL,
    seen_at        timestamptz NOT NULL DEFAULT now()
);
