#!/usr/bin/env bash
# Run the mock server from this checkout, installing the Python environment first if
# needed: only what serving needs (no test extras, no Node tools).
#
# Usage: bash scripts/serve.sh [pixxel-mock serve options...]
#   e.g. bash scripts/serve.sh --port 9090
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh --serve-only

echo "serve: pixxel-mock serve $*"
exec .venv/bin/pixxel-mock serve "$@"
