#!/usr/bin/env bash
# Prepares a machine: a virtual environment in .venv with rollout installed into it.
#   scripts/setup.sh          runtime only: no root, no Debian packages (the main job needs neither)
#   scripts/setup.sh --test   with the test dependencies, and the Debian packages the tests use
#                             (TaskJuggler as the scheduling oracle, Chromium for browser tests and PNG
#                             export, a Java runtime for MPXJ) when root or sudo can install them;
#                             without, those tests skip
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--test" ]; then
  need=()
  command -v tj3 >/dev/null 2>&1 || need+=(tj3)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v java >/dev/null 2>&1 || need+=(default-jre-headless)   # MPXJ reads MS Project/P6 files in the interop tests
  if [ ${#need[@]} -gt 0 ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
    if [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; then
      echo "setup: installing Debian packages: ${need[*]}"
      $SUDO apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
    else
      echo "setup: cannot install ${need[*]} (not root, no sudo): the tests that need them will be skipped" >&2
    fi
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
