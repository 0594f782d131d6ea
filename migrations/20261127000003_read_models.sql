-- Read models kept by the projector (crates/projection). Every row is the fold of its
-- aggregate's events up to `last_sequence`, so replays and redeliveries are idempotent:
-- an event at or below `last_sequence` is skipped, a gap triggers a re-fold from `events`.
-- No column ever holds a sealed or plain credential or client secret.
--
-- All four tables can be rebuilt from `events` at any time (`rebuild`).

CREATE TABLE connections
(
    name          text PRIMARY KEY,
    tenant_id     text        NOT NULL,
    client_id     text        NOT NULL,
    cloud         jsonb       NOT NULL,
    created_at    timestamptz NOT NULL,
    rotated_at    timestamptz,
    deleted_at    timestamptz,
    last_sequence bigint      NOT NULL
);

CREATE TABLE dynamic_secrets
(
    name                text PRIMARY KEY,
    connection          text        NOT NULL,
    user_object_id      text        NOT NULL,
    user_principal_name text        NOT NULL,
    display_name        text        NOT NULL,
    default_ttl_secs    bigint      NOT NULL,
    max_ttl_secs        bigint      NOT NULL,
    credential_kind     text        NOT NULL,
    live_lease_id       text,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz,
    deleted_at          timestamptz,
    last_sequence       bigint      NOT NULL
);

CREATE INDEX dynamic_secrets_by_connection ON dynamic_secrets (connection, name);
CREATE INDEX dynamic_secrets_by_user ON dynamic_secrets (user_principal_name);

CREATE TABLE leases
(
    lease_id                  text PRIMARY KEY,
    secret                    text        NOT NULL,
    connection                text        NOT NULL,
    user_object_id            text        NOT NULL,
    user_principal_name       text        NOT NULL,
    -- requested | active | activation_failed | revoking | revoked
    status                    text        NOT NULL,
    ttl_secs                  bigint      NOT NULL,
    issued_at                 timestamptz NOT NULL,
    expires_at                timestamptz NOT NULL,
    max_expires_at            timestamptz NOT NULL,
    activated_at              timestamptz,
    activation_failed_at      timestamptz,
    activation_failure        text,
    revocation_requested_at   timestamptz,
    revoked_at                timestamptz,
    -- manual | expired | secret_deleted
    revocation_reason         text,
    forced                    boolean     NOT NULL DEFAULT false,
    user_missing              boolean     NOT NULL DEFAULT false,
    renewals                  integer     NOT NULL DEFAULT 0,
    activation_attempts       integer     NOT NULL DEFAULT 0,
    revocation_attempts       integer     NOT NULL DEFAULT 0,
    revocation_failing        boolean     NOT NULL DEFAULT false,
    -- {"kind", "message", "request_id", "at"} of the latest failed Graph attempt
    last_error                jsonb,
    requested_by              text        NOT NULL,
    request_id                text,
    updated_at                timestamptz NOT NULL,
    last_sequence             bigint      NOT NULL
);

-- lease_id is a UUID v7, so ordering by it is ordering by issue time (list cursors).
CREATE INDEX leases_by_secret ON leases (secret, lease_id);
CREATE INDEX leases_by_status ON leases (status, lease_id);
CREATE INDEX leases_by_requester ON leases (requested_by, lease_id);
CREATE INDEX leases_by_user_and_time ON leases (user_principal_name, issued_at);
CREATE INDEX leases_revocation_failing ON leases (lease_id) WHERE revocation_failing;

-- One row per interval during which a lease held a working credential: from
-- LeaseActivated (valid_from) to LeaseRevoked (valid_to; NULL while it may still work).
-- Answers "who held a working password for <user> at <time>, and who asked for it?".
-- `forced` marks an interval closed by an operator without a confirmed Graph call: the
-- password may have kept working after valid_to.
CREATE TABLE lease_activity
(
    lease_id            text        NOT NULL,
    secret              text        NOT NULL,
    user_principal_name text        NOT NULL,
    valid_from          timestamptz NOT NULL,
    valid_to            timestamptz,
    forced              boolean     NOT NULL DEFAULT false,
    requested_by        text        NOT NULL,
    request_id          text,
    PRIMARY KEY (lease_id, valid_from)
);

CREATE INDEX lease_activity_by_user_and_time ON lease_activity (user_principal_name, valid_from);
