#!/usr/bin/env bash
# The main job on the built-in template: a starter plan for "Acme", then plan, check, schedule, Gantt,
# risk and calendar into one report folder (default: rollout-report/). Open rollout-report/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
out=${1:-rollout-report}
mkdir -p "$out"
.venv/bin/rollout new customer-alignment -o "$out/acme.yaml" --force \
  --set org=Acme --set "sponsor=Dana Whitfield" --set start=2027-01-11
.venv/bin/rollout report "$out/acme.yaml" -o "$out"
echo "open $out/index.html"
