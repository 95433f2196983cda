#!/usr/bin/env bash
# Make sure the PostgreSQL of a database URL answers before the PostgreSQL suite runs:
# scripts/postgres-ready.sh postgres://user@host:port/name
#
# When it does not answer and the URL names this machine, a stopped local cluster on that port
# (Debian's postgresql-common: pg_lsclusters, pg_ctlcluster) is started and waited for. Otherwise the
# script says what to do and fails. PG_ISREADY, PG_LSCLUSTERS and PG_CTLCLUSTER name the tools (the
# tests put fakes in their place).
set -euo pipefail

PG_ISREADY="${PG_ISREADY:-pg_isready}"
PG_LSCLUSTERS="${PG_LSCLUSTERS:-pg_lsclusters}"
PG_CTLCLUSTER="${PG_CTLCLUSTER:-pg_ctlcluster}"
WAIT_SECONDS="${WAIT_SECONDS:-30}"

url="${1:?usage: $0 postgres://user@host:port/name}"
if [[ $url =~ ^postgres(ql)?://([^@/]*@)?(\[[^]]+\]|[^:/?]*)(:([0-9]+))? ]]; then
  host="${BASH_REMATCH[3]:-127.0.0.1}"
  host="${host#[}" && host="${host%]}"
  port="${BASH_REMATCH[5]:-5432}"
else
  echo "Not a PostgreSQL URL: $url" >&2
  exit 2
fi

answers() { "$PG_ISREADY" -q -h "$host" -p "$port" >/dev/null 2>&1; }

answers && exit 0

case "$host" in
  127.0.0.1 | localhost | ::1) local_host=1 ;;
  *) local_host=0 ;;
esac
cluster=""
if [ "$local_host" = 1 ] && command -v "$PG_LSCLUSTERS" >/dev/null 2>&1; then
  # Columns: version, cluster name, port, status, ...
  while read -r version name cluster_port status _; do
    if [ "$cluster_port" = "$port" ] && [ "$status" = down ]; then
      cluster="$version $name"
      break
    fi
  done < <("$PG_LSCLUSTERS" --no-header 2>/dev/null)
fi

if [ -z "$cluster" ]; then
  {
    echo "PostgreSQL does not answer on $host:$port (PG_URL=$url), and no stopped local cluster on that port"
    echo "was found to start. Start it, install it (as root: apt-get install -y postgresql), point PG_URL"
    echo "at a running server, or run only the SQLite suite: make test-sqlite"
  } >&2
  exit 1
fi

echo "Starting the stopped PostgreSQL cluster $cluster on port $port"
# shellcheck disable=SC2086  # version and name are two arguments
"$PG_CTLCLUSTER" --skip-systemctl-redirect $cluster start
for ((waited = 0; waited < WAIT_SECONDS; waited++)); do
  answers && exit 0
  sleep 1
done
echo "PostgreSQL cluster $cluster was started but does not answer on $host:$port after ${WAIT_SECONDS} s" >&2
exit 1
