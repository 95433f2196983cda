#!/usr/bin/env bash
# The embedded default: SQLite under var/, a task worker, a demo agency and demo citizens.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export BURGERPROFIEL_PROFILE="${BURGERPROFIEL_PROFILE:-development}"
export BURGERPROFIEL_BASE_DIR="${BURGERPROFIEL_BASE_DIR:-$PWD}"
BIND="${BIND:-127.0.0.1:8000}"

"$BIN/burgerprofiel" migrate --no-input -v 0
"$BIN/burgerprofiel" demo seed

"$BIN/burgerprofiel" worker > var/worker.log 2>&1 &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  burgerprofiel draait op http://$BIND
    API-documentatie   http://$BIND/api/v1/docs
    backoffice         http://$BIND/backoffice/   (maak een account: .venv/bin/burgerprofiel staff create ...)
    demo-instantie     var/demo-agency.json (client_id en client_secret)
    worker-log         var/worker.log
  Stoppen: Ctrl-C

MSG
"$BIN/burgerprofiel" serve --bind "$BIND" --no-migrate
