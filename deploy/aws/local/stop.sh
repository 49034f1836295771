#!/usr/bin/env bash
# Stops the emulators start.sh started (the pids it recorded in $STOCKWATCH_AWS_LOCAL_STATE, default .run).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
state="${STOCKWATCH_AWS_LOCAL_STATE:-$here/.run}"
for name in dynamodb fauxqs; do
    pidfile="$state/$name.pid"
    [ -e "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    if kill "$pid" 2>/dev/null; then
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
done
