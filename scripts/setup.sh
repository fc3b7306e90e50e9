#!/usr/bin/env bash
# Prepares a fresh machine: Debian packages (TaskJuggler as the scheduling oracle, Chromium for browser
# tests and PNG export), a virtual environment in .venv, and rollout installed into it.
#   scripts/setup.sh          runtime only
#   scripts/setup.sh --test   with the test dependencies
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v tj3 >/dev/null 2>&1 || need+=(tj3)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO=""; fi
  if [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; then
    echo "setup: installing Debian packages: ${need[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "setup: cannot install ${need[*]} (not root, no sudo); tests needing them will be skipped" >&2
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ "${1:-}" = "--test" ]; then
  .venv/bin/python -m pip install -q -e ".[test]"
else
  .venv/bin/python -m pip install -q -e .
fi
