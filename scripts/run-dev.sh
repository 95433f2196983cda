#!/usr/bin/env bash
# The embedded default: SQLite under var/, a task worker, a demo agency and demo citizens, the dev
# OIDC provider (citizen login) and the demo agency's pull sources ("Uw gegevens", certificates).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export BURGERPROFIEL_PROFILE="${BURGERPROFIEL_PROFILE:-development}"
export BURGERPROFIEL_BASE_DIR="${BURGERPROFIEL_BASE_DIR:-$PWD}"
BIND="${BIND:-127.0.0.1:8000}"
OIDC_PORT="${OIDC_PORT:-8001}"
SOURCES_PORT="${SOURCES_PORT:-8002}"
export OIDC_ISSUER="${OIDC_ISSUER:-http://127.0.0.1:$OIDC_PORT}"
mkdir -p var
[ -d node_modules/oidc-provider ] || npm ci --no-audit --no-fund

"$BIN/burgerprofiel" migrate --no-input -v 0
"$BIN/burgerprofiel" demo seed

# The portal's client secret at the dev provider: the development secret of this checkout.
export DJANGO_SETTINGS_MODULE=burgerprofiel.conf.settings
OIDC_CLIENT_SECRET="${OIDC_CLIENT_SECRET:-$("$BIN/python" -c 'import django; django.setup(); from django.conf import settings; print(settings.OIDC_CLIENT_SECRET)')}"
export OIDC_CLIENT_SECRET

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

"$BIN/burgerprofiel" worker > var/worker.log 2>&1 &
pids+=($!)

# Where the demo's e-mail and SMS go: a local SMTP sink (one file per mail in var/mail) and an SMS centre.
"$BIN/python" -m burgerprofiel.notifications.devpeers.smtpsink --port "${SMTP_PORT:-1025}" --maildir var/mail \
  > var/smtp.log 2>&1 &
pids+=($!)
node src/burgerprofiel/notifications/devpeers/smsc.mjs "${SMPP_PORT:-2775}" > var/sms.log 2>&1 &
pids+=($!)

OIDC_PORT="$OIDC_PORT" OIDC_REDIRECT_URIS="http://$BIND/oidc/callback" \
  OIDC_POST_LOGOUT_URIS="http://$BIND/afgemeld" \
  node devpeers/oidc/provider.mjs > var/oidc.log 2>&1 &
pids+=($!)

"$BIN/python" -m burgerprofiel.personal_data.devpeers --port "$SOURCES_PORT" \
  --jwks-url "http://$BIND/oauth/jwks" > var/demo-sources.log 2>&1 &
pids+=($!)

# Register the demo sources with the demo agency (once; a second run finds them registered).
AGENCY_ID=$("$BIN/python" -c "import json;print(json.load(open('$BURGERPROFIEL_BASE_DIR/var/demo-agency.json'))['agency_id'])")
S="http://127.0.0.1:$SOURCES_PORT"
register() { "$BIN/burgerprofiel" agency source add --agency "$AGENCY_ID" "$@" > /dev/null 2>&1 || true; }
register --component uw_gegevens --url "$S/gezin" --theme "U en uw gezin" --loket https://www.vlaanderen.be
register --component uw_gegevens --url "$S/mobiliteit" --theme "Mobiliteit" --loket https://www.vlaanderen.be
register --component uw_gegevens --url "$S/groeipakket" --theme "Groeipakket" --loket https://www.groeipakket.be
register --component attesten --url "$S/attesten" --theme "U en uw gezin" --loket https://www.vlaanderen.be

cat <<MSG

  burgerprofiel draait op http://$BIND
    burgerportaal      http://$BIND/   (aanmelden als demo-burger An, Jan of Lotte)
    API-documentatie   http://$BIND/api/v1/docs
    backoffice         http://$BIND/backoffice/   (maak een account: .venv/bin/burgerprofiel staff create ...)
    demo-instantie     var/demo-agency.json (client_id en client_secret)
    aanmelddienst      $OIDC_ISSUER (dev OIDC-provider, log: var/oidc.log)
    demo-bronnen       http://127.0.0.1:$SOURCES_PORT (log: var/demo-sources.log)
    e-mail en sms      var/mail/ (elke verstuurde mail) en var/sms.log (elke verstuurde sms)
    worker-log         var/worker.log
  Stoppen: Ctrl-C

MSG
"$BIN/burgerprofiel" serve --bind "$BIND" --no-migrate
