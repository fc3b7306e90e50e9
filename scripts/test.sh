#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, then runs pytest on both cores.
# Extra arguments go to pytest, e.g. scripts/test.sh -k schedule
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
exec .venv/bin/python -m pytest -n 2 --dist loadgroup "$@"
