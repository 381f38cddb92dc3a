#!/usr/bin/env bash
# Runs the README's start command on a free port and checks that the plans endpoint answers.
set -euo pipefail
port=${SMOKE_PORT:-3917}
data=$(mktemp -d)
log=$(mktemp)
PORT=$port SAMPLE_DATA_DIR=$data npm start >"$log" 2>&1 &
pid=$!
cleanup() { kill -- -$pid 2>/dev/null || kill $pid 2>/dev/null || true; pkill -P $pid 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 1 120); do
  if body=$(curl -fsS "http://127.0.0.1:$port/api/payments/plans" 2>/dev/null); then
    echo "$body" | head -c 400; echo
    echo "$body" | grep -q '"key":"pro"' || { echo "plans answer lacks the pro plan" >&2; exit 1; }
    exit 0
  fi
  kill -0 $pid 2>/dev/null || break
  sleep 1
done
echo "the sample did not answer; its log:" >&2
tail -50 "$log" >&2
exit 1
