#!/usr/bin/env bash
# Run the mock server from this checkout, installing the Python environment first if
# needed (the Node tools are not required for serving).
#
# Usage: bash scripts/serve.sh [pixxel-mock serve options...]
#   e.g. bash scripts/serve.sh --port 9090
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh --no-node

echo "serve: pixxel-mock serve $*"
exec .venv/bin/pixxel-mock serve "$@"
