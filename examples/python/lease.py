#!/usr/bin/env python3
"""Lease a leasehold dynamic secret over NATS, use the password, then revoke the lease.

leasehold's API is plain NATS request/reply with JSON (docs/nats-api.md), so any
language with a NATS client can use it. This one needs nats-py (`pip install nats-py`).

    LEASEHOLD_ACTOR=dev python3 lease.py ops-alice [TTL]

Environment:
    LEASEHOLD_ACTOR           who is asking (the <actor> token of the subjects); required
    LEASEHOLD_NATS_URL        default nats://127.0.0.1:4222 (may carry user:password@)
    LEASEHOLD_SUBJECT_PREFIX  default leasehold

Prints one JSON object per step on stdout. Exit codes follow the CLI: 3 when leasehold
refuses (the error goes to stderr), 4 when NATS or the engine cannot be reached.
"""

import asyncio
import json
import os
import sys
import uuid

import nats
from nats.errors import NoRespondersError, TimeoutError


class Refused(Exception):
    """leasehold answered {"error": {"code", "message", "details"}}."""

    def __init__(self, error):
        super().__init__(f"{error['code']}: {error['message']}")
        self.error = error


async def call(nc, subject, payload, request_id=None):
    """Sends one request and returns the `ok` part of the reply."""
    headers = {"Leasehold-Request-Id": request_id} if request_id else None
    msg = await nc.request(subject, json.dumps(payload).encode(), timeout=30, headers=headers)
    reply = json.loads(msg.data)
    if "error" in reply:
        raise Refused(reply["error"])
    return reply["ok"]


async def main(secret, ttl):
    url = os.environ.get("LEASEHOLD_NATS_URL", "nats://127.0.0.1:4222")
    prefix = os.environ.get("LEASEHOLD_SUBJECT_PREFIX", "leasehold")
    actor = os.environ["LEASEHOLD_ACTOR"]
    # Replies come back on the actor's own inbox prefix, which NATS permissions may
    # reserve to that user (deploy/nats/leasehold.conf).
    nc = await nats.connect(
        url,
        inbox_prefix=f"_INBOX_{actor}",
        connect_timeout=3,
        allow_reconnect=False,
    )
    commands = f"{prefix}.cmd.{actor}"
    try:
        # A request id makes the create idempotent: retrying it returns the same lease.
        created = await call(
            nc,
            f"{commands}.lease.create",
            {"secret": secret, "ttl": ttl},
            request_id=str(uuid.uuid4()),
        )
        lease = created["lease"]
        if created["status"] != "active":
            # Activation is slow: the credential can be fetched later with the query
            # lease.get {"lease_id": …, "credentials": true}.
            print(json.dumps({"step": "pending", "lease_id": lease["lease_id"]}))
            return
        credential = created["credential"]
        print(json.dumps({
            "step": "created",
            "lease_id": lease["lease_id"],
            "username": credential["username"],
            "expires_at": lease["expires_at"],
        }))
        # … sign in as credential["username"] with credential["password"] here …
        revoked = await call(nc, f"{commands}.lease.revoke", {"lease_id": lease["lease_id"]})
        print(json.dumps({
            "step": "revoked",
            "lease_id": lease["lease_id"],
            "status": revoked["lease"]["status"],
        }))
    finally:
        await nc.drain()


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3) or "LEASEHOLD_ACTOR" not in os.environ:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else "15m"))
    except Refused as e:
        print(f"leasehold refused: {e}", file=sys.stderr)
        sys.exit(3)
    except (NoRespondersError, TimeoutError, OSError) as e:
        print(f"no answer from leasehold over NATS: {e!r}", file=sys.stderr)
        sys.exit(4)
