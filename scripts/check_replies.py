#!/usr/bin/env python3
"""Validates captured leasehold replies against the JSON Schemas in docs/schema/.

Usage: check_replies.py SCHEMA_DIR REPLIES_JSONL

Each line of REPLIES_JSONL is {"op": "lease.create", "reply": {...}}; the reply must be
valid under SCHEMA_DIR/reply.<op>.json. Exits 1 listing every invalid reply.
"""

import json
import pathlib
import sys

from jsonschema import Draft202012Validator


def main() -> int:
    schema_dir = pathlib.Path(sys.argv[1])
    validators = {}
    failures = []
    checked = 0
    with open(sys.argv[2], encoding="utf-8") as replies:
        for number, line in enumerate(replies, 1):
            record = json.loads(line)
            op = record["op"]
            if op not in validators:
                path = schema_dir / f"reply.{op}.json"
                if not path.exists():
                    failures.append(f"line {number}: no schema for {op} ({path})")
                    continue
                schema = json.loads(path.read_text(encoding="utf-8"))
                Draft202012Validator.check_schema(schema)
                validators[op] = Draft202012Validator(schema)
            errors = sorted(validators[op].iter_errors(record["reply"]), key=str)
            checked += 1
            for error in errors:
                where = "/".join(str(p) for p in error.absolute_path) or "(root)"
                failures.append(f"line {number}: {op} at {where}: {error.message}")
    for failure in failures:
        print(failure, file=sys.stderr)
    print(f"{checked} replies checked, {len(failures)} invalid")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
