#!/usr/bin/env bash
# Run the test suite: bring the environment up to date (scripts/setup.sh), put the
# pinned Node CLIs on PATH, type-check mockserver/ with mypy, then run pytest.
#
# Usage: bash scripts/test.sh [pytest arguments...]
#   no arguments      the whole suite: pytest -q tests/
#   with arguments    passed to pytest as they are, e.g.
#                     bash scripts/test.sh tests/test_spec_tooling.py -x
#                     bash scripts/test.sh -m "not tools"
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

PATH="$PWD/tools/node/node_modules/.bin:$PATH"
export PATH

if [[ $# -eq 0 ]]; then
    set -- -q tests/
fi

# A type error fails the run before any test starts ([tool.mypy] in pyproject.toml).
echo "test: mypy"
.venv/bin/mypy

echo "test: python -m pytest $*"
exec .venv/bin/python -m pytest "$@"
