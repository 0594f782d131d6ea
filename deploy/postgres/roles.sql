-- Least-privilege database roles for leasehold (docs/security.md, "Database roles").
-- Run as the database owner AFTER `leasehold migrate` (which runs as the owner), in the
-- leasehold database, and again after every upgrade that adds tables:
--
--   psql -v ON_ERROR_STOP=1 -1 -d leasehold -f deploy/postgres/roles.sql
--
-- Set the passwords with `\password leasehold_engine` / `\password leasehold_auditor`.
-- The role `leasehold_chain` (created by the migrations, NOLOGIN) owns the chain
-- triggers; nobody logs in as it.

DO
$$
    BEGIN
        CREATE ROLE leasehold_engine LOGIN;
    EXCEPTION
        WHEN duplicate_object THEN NULL;
    END;
$$;
DO
$$
    BEGIN
        CREATE ROLE leasehold_auditor LOGIN;
    EXCEPTION
        WHEN duplicate_object THEN NULL;
    END;
$$;

-- The engine (`leasehold serve`): reads and writes its own tables...
GRANT USAGE ON SCHEMA public TO leasehold_engine;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO leasehold_engine;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO leasehold_engine;
-- ...but appends to the event log only: no rewriting or erasing history...
REVOKE UPDATE, DELETE, TRUNCATE ON events FROM leasehold_engine;
-- ...and never writes the chain tables (the chain triggers do, as leasehold_chain), nor
-- the migration bookkeeping.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON chain_heads, event_log, event_log_head,
    _sqlx_migrations FROM leasehold_engine;
-- The record of refused snapshots is append-only too.
REVOKE UPDATE, DELETE, TRUNCATE ON snapshot_rejections FROM leasehold_engine;

-- The auditor (backups, ad-hoc SQL, an external verifier): reads everything but the
-- wrapped data keys, writes nothing.
GRANT USAGE ON SCHEMA public TO leasehold_auditor;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO leasehold_auditor;
REVOKE SELECT ON data_keys FROM leasehold_auditor;
