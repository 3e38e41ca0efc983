#!/usr/bin/env bash
# Run the checks: bring the environment up to date (scripts/setup.sh), put the pinned Node
# CLIs on PATH, then lint, type-check mockserver/ and run pytest.
#
# Usage: bash scripts/test.sh [pytest arguments...]
#   no arguments      ruff (lint and format check) and mypy, then the suite on two processes:
#                       locally  every test not marked slow (pytest -m "not slow"),
#                       in CI    (CI=true, or TEST_ALL=1) every test, slow ones included
#   with arguments    no lint or type check; the arguments go to pytest as they are, e.g.
#                     bash scripts/test.sh tests/test_spec_tooling.py -x
#                     bash scripts/test.sh -m "not tools"
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

PATH="$PWD/tools/node/node_modules/.bin:$PATH"
export PATH

if [[ $# -eq 0 ]]; then
    echo "test: ruff check . && ruff format --check ."
    .venv/bin/ruff check . || {
        echo "test: ruff found problems (fix: .venv/bin/ruff check --fix .)" >&2
        exit 1
    }
    .venv/bin/ruff format --check . || {
        echo "test: files need formatting (fix: .venv/bin/ruff format .)" >&2
        exit 1
    }
    # A type error fails the run before any test starts ([tool.mypy] in pyproject.toml).
    echo "test: mypy"
    .venv/bin/mypy
    # Test files are spread over two processes, a whole file to each (module fixtures run once).
    set -- -q -n 2 --dist loadfile tests/
    if [[ "${CI:-}" != "true" && "${TEST_ALL:-}" != "1" ]]; then
        set -- -m "not slow" "$@"
    fi
fi

echo "test: python -m pytest $*"
exec .venv/bin/python -m pytest "$@"
