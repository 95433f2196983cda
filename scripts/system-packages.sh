#!/usr/bin/env bash
# The Debian packages `make install` needs, installed when missing (so `make run` and `make test` work
# on a fresh machine): scripts/system-packages.sh PACKAGE[:COMMAND] ...
#
# A package counts as present when dpkg says "installed" (a removed package whose configuration files
# remain does not), or when COMMAND is found on PATH: `nodejs:node` is satisfied by any node, Debian's
# or another. Missing packages are installed with apt-get when running as root; otherwise the script
# names the command to run and fails. When everything is present it only asks dpkg, which is quick.
# DPKG and APT name the tools (the tests put fakes in their place); only shell builtins are used
# besides them and `id`.
set -euo pipefail

DPKG="${DPKG:-dpkg}"
APT="${APT:-apt-get}"

present() {
  local package="${1%%:*}" command="${1#*:}" status
  if [ "$command" != "$1" ] && command -v "$command" >/dev/null 2>&1; then
    return 0
  fi
  status=$("$DPKG" -s "$package" 2>/dev/null) || return 1
  [[ $status =~ (^|$'\n')Status:\ [a-z]+\ ok\ installed($'\n'|$) ]]
}

missing() {
  local wanted
  for wanted in "$@"; do present "$wanted" || printf '%s\n' "${wanted%%:*}"; done
}

mapfile -t absent < <(missing "$@")
[ ${#absent[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  {
    echo "Missing Debian packages: ${absent[*]}"
    echo "Install them (as root), then run make again:"
    echo "    sudo $APT update && sudo $APT install -y ${absent[*]}"
  } >&2
  exit 1
fi

echo "Installing the Debian packages this project needs: ${absent[*]}"
export DEBIAN_FRONTEND=noninteractive
"$APT" update -qq
"$APT" install -y -qq "${absent[@]}"

mapfile -t still < <(missing "$@")
if [ ${#still[@]} -gt 0 ]; then
  echo "Still missing after $APT install: ${still[*]}" >&2
  exit 1
fi
