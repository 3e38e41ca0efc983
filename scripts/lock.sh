#!/usr/bin/env bash
# Refresh the Python lock files from pyproject.toml, for Python 3.11+ on any platform:
#   requirements/test.txt    everything the tests need (the package with its test extras);
#   requirements/serve.txt   only what serving needs, at the same versions as test.txt.
# scripts/setup.sh installs from them; run this after changing a dependency in pyproject.toml
# and commit the result with it.
#
# Usage: bash scripts/lock.sh [--upgrade]
#   without --upgrade   keep every locked version that still satisfies pyproject.toml
#   --upgrade           move every package to its newest release that fits
#
# Needs uv (on PATH, or installed into .venv by this script).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

upgrade=()
for arg in "$@"; do
    case "$arg" in
        --upgrade) upgrade=(--upgrade) ;;
        -h | --help)
            sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "lock: unknown option: $arg (try --help)" >&2
            exit 2
            ;;
    esac
done

if command -v uv >/dev/null 2>&1; then
    uv=uv
else
    [[ -x .venv/bin/python ]] || bash scripts/setup.sh --no-node
    [[ -x .venv/bin/uv ]] || .venv/bin/python -m pip install --quiet "uv>=0.5"
    uv=.venv/bin/uv
fi

compile=("$uv" pip compile pyproject.toml --quiet --universal --python-version 3.11
    --custom-compile-command "bash scripts/lock.sh")
"${compile[@]}" "${upgrade[@]}" --extra test -o requirements/test.txt
# The serving set is a subset of the test set, pinned to the same versions.
"${compile[@]}" -c requirements/test.txt -o requirements/serve.txt
echo "lock: wrote requirements/test.txt and requirements/serve.txt"
