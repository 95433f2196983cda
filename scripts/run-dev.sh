#!/usr/bin/env bash
# The embedded default: SQLite under var/, a task worker, a demo agency and demo citizens, the dev
# OIDC provider (citizen login), two demo agencies as processes of their own (examples/demo_agency:
# they push dossiers, meldingen and a payment request through the API, serve "Uw gegevens" and
# certificates, receive webhooks) and a FAKE payment provider (Mollie's API) for "Betalingen".
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export BURGERPROFIEL_PROFILE="${BURGERPROFIEL_PROFILE:-development}"
export BURGERPROFIEL_BASE_DIR="${BURGERPROFIEL_BASE_DIR:-$PWD}"
BIND="${BIND:-127.0.0.1:8000}"
OIDC_PORT="${OIDC_PORT:-8001}"
WEBHOOK_PORT="${WEBHOOK_PORT:-8003}"
MOLLIE_PORT="${MOLLIE_PORT:-8004}"
AGENCY2_PORT="${AGENCY2_PORT:-8005}"
# Links in mail and the platform's own URLs name the address it listens on.
export PUBLIC_URL="${PUBLIC_URL:-http://$BIND}"
export OIDC_ISSUER="${OIDC_ISSUER:-http://127.0.0.1:$OIDC_PORT}"
# Payments go to the FAKE Mollie started below (no money moves); it calls the platform's webhook back.
export MOLLIE_API_ENDPOINT="${MOLLIE_API_ENDPOINT:-http://127.0.0.1:$MOLLIE_PORT}"
export PAYMENTS_WEBHOOK_URL="${PAYMENTS_WEBHOOK_URL:-http://$BIND/betaaldienst/webhook}"
SMTP_PORT="${SMTP_PORT:-1025}"
SMPP_PORT="${SMPP_PORT:-2775}"
# The worker delivers to the SMTP sink and SMS centre started below, on whatever ports they were given.
export NOTIFICATIONS_SMTP_PORT="${NOTIFICATIONS_SMTP_PORT:-$SMTP_PORT}"
export NOTIFICATIONS_SMPP_PORT="${NOTIFICATIONS_SMPP_PORT:-$SMPP_PORT}"
VAR="$BURGERPROFIEL_BASE_DIR/var"  # the logs, the mail and the database live with the checkout's data
mkdir -p "$VAR"
[ -d node_modules/oidc-provider ] || npm ci --no-audit --no-fund

# Every child runs in a session (so a process group) of its own: `setsid` in a background job that is
# not a group leader makes its pid the group id. Stopping a group stops what the child started too
# (gunicorn's workers, node's helpers). TERM, INT and HUP (a supervisor, Ctrl-C, a closed terminal or
# tmux) stop every group, give them a few seconds, kill what is left and exit. Bash runs a trap only
# between commands, so the server runs in the background too and the script waits for it: a trap
# interrupts `wait` at once, where it would wait for a foreground server to end by itself.
groups=()
start() { setsid "$@" & groups+=("$!"); }
stop() {
  trap - EXIT INT TERM HUP
  local group
  for group in "${groups[@]}"; do kill -TERM -- "-$group" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    local alive=0
    for group in "${groups[@]}"; do kill -0 -- "-$group" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.1
  done
  for group in "${groups[@]}"; do kill -KILL -- "-$group" 2>/dev/null || true; done
}
trap stop EXIT
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap 'stop; exit 129' HUP

# The portal's client secret at the dev provider: the development secret of this checkout (made on the
# first settings load; no database needed).
OIDC_CLIENT_SECRET="${OIDC_CLIENT_SECRET:-$(DJANGO_SETTINGS_MODULE=burgerprofiel.conf.settings "$BIN/python" -c \
  'import django; django.setup(); from django.conf import settings; print(settings.OIDC_CLIENT_SECRET)')}"
export OIDC_CLIENT_SECRET

# The peers that need no database start first, beside the migration: a local SMTP sink (one file per
# mail in var/mail), an SMS centre, the dev OIDC provider (citizen login) and the FAKE payment provider
# (Mollie's API, a hosted checkout where one picks the outcome, the webhook call).
start "$BIN/python" -m burgerprofiel.notifications.devpeers.smtpsink --port "$SMTP_PORT" \
  --maildir "$VAR/mail" > "$VAR/smtp.log" 2>&1
start node src/burgerprofiel/notifications/devpeers/smsc.mjs "$SMPP_PORT" > "$VAR/sms.log" 2>&1
OIDC_PORT="$OIDC_PORT" OIDC_REDIRECT_URIS="http://$BIND/oidc/callback" \
  OIDC_POST_LOGOUT_URIS="http://$BIND/afgemeld" \
  start node devpeers/oidc/provider.mjs > "$VAR/oidc.log" 2>&1
start "$BIN/python" -m burgerprofiel.payments.fake.mollie --port "$MOLLIE_PORT" > "$VAR/fake-mollie.log" 2>&1

"$BIN/burgerprofiel" migrate --no-input -v 0

# No dossiers and no payment seeded inside the platform: the demo agency makes them through the API.
# --second-agency: a second tenant (only "Uw gegevens" and meldingen), its client in var/demo-agency-2.json.
# The demo agencies' pull sources ("Uw gegevens", certificates): each process lists what it serves and
# the seed registers those (once). Every source of make run is an agency's own process.
"$BIN/python" examples/demo_agency/app.py --list-sources --port "$WEBHOOK_PORT" > "$VAR/demo-sources.jsonl"
"$BIN/python" examples/demo_agency/app.py --list-sources --port "$AGENCY2_PORT" --role gemeente \
  > "$VAR/demo-sources-2.jsonl"
"$BIN/burgerprofiel" demo seed --without-dossiers --second-agency --webhook-url "http://127.0.0.1:$WEBHOOK_PORT/webhooks" \
  --sources "$VAR/demo-sources.jsonl" --second-agency-sources "$VAR/demo-sources-2.jsonl"

start "$BIN/burgerprofiel" worker > "$VAR/worker.log" 2>&1

# The demo agency (examples/demo_agency), its own process on the agency client library only: it pushes
# An's dossiers (DOSIS bulk), a melding and a payment request through the API, serves "Uw gegevens" and
# certificates, receives the platform's webhooks (error reports, requests, payments) verified with the
# endpoint's Standard Webhooks secret (one line each in var/webhooks.log), and shows both on its own page.
start "$BIN/python" examples/demo_agency/app.py --platform "http://$BIND" --port "$WEBHOOK_PORT" \
  --credentials "$VAR/demo-agency.json" --webhook-secret-file "$VAR/demo-webhook.json" \
  > "$VAR/webhooks.log" 2> "$VAR/demo-agency.log"
# The second demo agency: the same program as another tenant (--role gemeente), with its own client.
start "$BIN/python" examples/demo_agency/app.py --platform "http://$BIND" --port "$AGENCY2_PORT" \
  --credentials "$VAR/demo-agency-2.json" --role gemeente > /dev/null 2> "$VAR/demo-agency-2.log"

cat <<MSG

  burgerprofiel draait op http://$BIND
    burgerportaal      http://$BIND/   (aanmelden als demo-burger An, Jan of Lotte)
    API-documentatie   http://$BIND/api/v1/docs
    backoffice         http://$BIND/backoffice/   (maak een account: .venv/bin/burgerprofiel staff create ...)
    demo-instantie     var/demo-agency.json (client_id en client_secret)
                       foutmeldingen: /api/v1/error-reports, aanvragen: /api/v1/service-requests,
                       gebeurtenissen: /api/v1/events en als webhook naar de demo-instantie (var/webhooks.log)
    demo-instantie     http://127.0.0.1:$WEBHOOK_PORT/ (eigen proces: wat ze verstuurde en welke webhooks ze ontving)
    tweede instantie   http://127.0.0.1:$AGENCY2_PORT/ (Demo-gemeente Zonnebeke: alleen Uw gegevens en meldingen,
                       een andere tenant met een eigen client in var/demo-agency-2.json)
    aanmelddienst      $OIDC_ISSUER (dev OIDC-provider, log: var/oidc.log)
    e-mail en sms      var/mail/ (elke verstuurde mail) en var/sms.log (elke verstuurde sms)
    betalingen         nep-betaaldienst (fake Mollie) op $MOLLIE_API_ENDPOINT (log: var/fake-mollie.log);
                       An heeft een openstaande betaling onder "Betalingen" (gevraagd door de demo-instantie)
    worker-log         var/worker.log
  Stoppen: Ctrl-C

MSG
# The server last: when it answers, the demo agencies and the worker are there too.
start "$BIN/burgerprofiel" serve --bind "$BIND" --no-migrate
server=${groups[-1]}
# Returns when the server ends (its status becomes the script's) or, at once, when a signal's trap ran.
wait "$server"
