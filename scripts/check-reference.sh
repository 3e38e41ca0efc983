#!/usr/bin/env bash
# Check the mock against a copy of Pixxel's published OpenAPI reference: schemathesis generates
# requests from the reference (not from spec/openapi.yaml) for every operation the mock serves,
# and checks that no answer is a 5xx and that every answer matches the reference's schema and
# content type. The reference itself is not part of this repository; pass its path or URL.
#
# Usage: bash scripts/check-reference.sh REFERENCE [extra schemathesis options...]
#   e.g. bash scripts/check-reference.sh ./pixxel-openapi-original.json --max-examples 50
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ $# -lt 1 ]]; then
    sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
fi
reference="$1"
shift
# A local file is read from wherever it was named; schemathesis then runs in a scratch folder so
# that its cache lands there, not in the checkout.
[[ -f "$reference" ]] && reference="$(cd "$(dirname "$reference")" && pwd)/$(basename "$reference")"
root="$PWD"
scratch="$(mktemp -d)"

bash scripts/setup.sh --no-node >/dev/null

port="$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
.venv/bin/pixxel-mock serve --host 127.0.0.1 --port "$port" --log-level warning &
mock=$!
trap 'kill "$mock" 2>/dev/null; wait "$mock" 2>/dev/null || true; rm -rf "$scratch"' EXIT
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/ping" >/dev/null 2>&1 && break
    sleep 0.1
done

# The operations the mock serves, by the reference's own operationIds ("List Satellites" has a
# space in the reference); /ping has no operationId there, so it is included by path.
operations=(
    ListStores CreateStore DeleteStore SearchCatalogs GetCatalogById ListDeliveries
    CreateDelivery CreateDownload GetDownloadById ListAOIs AOICreateAOI GetAoiById ListAssets
    AOICreateDownload GetDownloadStatus "List Satellites" ListProjects GetProjectById
    ListOrderItems GetOrderItemById
)
filters=(--include-path /ping)
for op in "${operations[@]}"; do
    filters+=(--include-operation-id "$op")
done

cd "$scratch"
"$root/.venv/bin/st" run "$reference" --url "http://127.0.0.1:$port" \
    --header "Authorization: reference-check" \
    --checks not_a_server_error,response_schema_conformance,content_type_conformance \
    "${filters[@]}" "$@"
