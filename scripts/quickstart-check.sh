#!/usr/bin/env bash
# Runs docs/quickstart.md as a reader would: every ```sh block, in order, in one shell
# (so its exports and background jobs carry over). The database and subject prefix are
# replaced by fresh ones for this run (the environment wins over the page's file), and
# everything the run made is removed at the end: background processes, the working
# directory, the database and the JetStream stream.
#   scripts/quickstart-check.sh [docs/quickstart.md]
set -euo pipefail
cd "$(dirname "$0")/.."
page=${1:-docs/quickstart.md}

run_id=$(openssl rand -hex 6)
prefix="qs${run_id}"
database="leasehold_qs_${run_id}"
work=$(mktemp -d)
script="$work/quickstart.sh"

# The page's sh blocks, verbatim.
awk '/^```sh[[:space:]]*$/ { inside = 1; next }
     /^```/ { if (inside) { inside = 0; print "" } next }
     inside { print }' "$page" > "$work/blocks.sh"
if [ ! -s "$work/blocks.sh" ]; then
  echo "quickstart-check: no sh blocks in $page" >&2
  exit 1
fi

cat > "$script" <<PRELUDE
set -euo pipefail
export TMPDIR="$work"
export LEASEHOLD_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$database"
export LEASEHOLD_SUBJECT_PREFIX="$prefix"
# Whatever the page leaves running is stopped, even when a step fails.
trap 'kill \$(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true' EXIT
set -x
PRELUDE
cat "$work/blocks.sh" >> "$script"

cleanup() {
  local stream
  stream="LEASEHOLD_EVENTS_$(printf '%s' "$prefix" | tr '[:lower:]' '[:upper:]')"
  # Delete the run's stream with a bare NATS protocol request (no client needed here).
  if exec 3<>/dev/tcp/127.0.0.1/4222; then
    printf 'CONNECT {"verbose":false}\r\nPUB $JS.API.STREAM.DELETE.%s 0\r\n\r\nPING\r\n' "$stream" >&3
    timeout 5 grep -q -m1 PONG <&3 || true
    exec 3>&-
  fi 2>/dev/null || true
  psql -q -h 127.0.0.1 -U postgres -d postgres \
    -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null 2>&1 || true
  if [ "${status:-1}" -ne 0 ]; then
    for log in "$work"/leasehold-quickstart/*.log; do
      [ -f "$log" ] && { echo "--- $log" >&2; tail -n 40 "$log" >&2; }
    done
  fi
  rm -rf "$work"
}
trap cleanup EXIT

status=0
bash "$script" || status=$?
if [ "$status" -ne 0 ]; then
  echo "quickstart-check: $page failed (exit $status)" >&2
  exit "$status"
fi
echo "quickstart-check: $page ran to the end"
