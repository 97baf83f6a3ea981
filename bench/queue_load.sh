#!/usr/bin/env bash
# Load test for issue 2's benchmark: with 10,000 inquiries in an SQLite database,
# load the coordinator's queue page (signed in: the session is checked and the
# read is audited), GET /api/v1/inquiries with a token, and /healthz, from the
# same server, 32 connections each in turn. Prints requests/s and p99 latency for
# each, and the server's peak memory (VmHWM).
#
# Usage: bench/queue_load.sh [SECONDS_PER_RUN] [INQUIRIES]
# Needs wrk and curl (apt-get install -y wrk curl). Sends traffic only to
# 127.0.0.1 and stops by itself.
set -euo pipefail
secs=${1:-15}
count=${2:-10000}
here=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/threshold-target}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 2; }

cargo build -q --release --manifest-path "$here/Cargo.toml" -p threshold-cli --bin threshold --example bench_seed
bin="$CARGO_TARGET_DIR/release/threshold"
seed="$CARGO_TARGET_DIR/release/examples/bench_seed"

work=$(mktemp -d /var/tmp/threshold-bench.XXXXXX)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

db="sqlite://$work/bench.db"
key="$work/threshold.key"
eval "$("$seed" "$db" "$key" "$count")"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
THRESHOLD_LOG=warn "$bin" serve ${THRESHOLD_BENCH_SERVE_ARGS:-} --database-url "$db" --key-file "$key" --addr "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

# Sign in like a browser: password, then the TOTP code.
jar="$work/cookies"
csrf() { sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n1; }
token=$(curl -fs -c "$jar" -b "$jar" "$base/signin" | csrf)
curl -fs -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf=$token" \
  --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" "$base/signin"
token=$(curl -fs -c "$jar" -b "$jar" "$base/signin/code" | csrf)
code=$("$bin" totp-code "$TOTP_SECRET")
curl -fs -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf=$token" --data-urlencode "code=$code" "$base/signin/code"
session=$(awk '$6 ~ /threshold_session/ {print $6"="$7}' "$jar")
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $session" "$base/inquiries")
[ "$status" = 200 ] || { echo "could not sign in (queue page answered $status)" >&2; exit 1; }

run() { # name, then wrk arguments
  local name=$1; shift
  local out
  out=$(wrk -t2 -c32 -d"${secs}s" --latency "$@")
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  local errors
  errors=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf '%-28s %10s req/s   p99 %8s%s\n' "$name" "$rps" "$p99" "${errors:+   NON-2XX: $errors}"
}

echo "Threshold queue benchmark: $count inquiries, SQLite, 32 connections, ${secs}s each, $(nproc) cores"
run "queue page (signed in)" -H "Cookie: $session" "$base/inquiries"
run "GET /api/v1/inquiries" -H "Authorization: Bearer $TOKEN" "$base/api/v1/inquiries"
run "/healthz" "$base/healthz"
peak=$(awk '/VmHWM/ {print $2" "$3}' "/proc/$server_pid/status")
echo "server peak memory (VmHWM): $peak"
audit=$(sqlite3 "$work/bench.db" 'select count(*) from audit_log' 2>/dev/null || echo "?")
echo "audit entries written: $audit"
