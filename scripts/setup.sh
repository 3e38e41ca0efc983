#!/usr/bin/env bash
# Prepare a checkout for development and testing. Safe to run again and again:
# each step is skipped when its inputs have not changed since the last run.
#
#   1. a Python virtualenv in .venv with this package installed (editable) plus its
#      test extras, at the versions locked in requirements/test.txt;
#   2. the pinned Node CLIs (Spectral, Redocly, Prism) in tools/node/node_modules.
#
# Usage: bash scripts/setup.sh [--no-node] [--serve-only] [--force]
#   --no-node      skip the Node tools
#   --serve-only   only what serving needs (requirements/serve.txt, no test extras, no Node
#                  tools); a later run without it adds the rest
#   --force        reinstall everything even if nothing changed
#
# The lock files are refreshed with `bash scripts/lock.sh` (see CONTRIBUTING.md).
# Environment: PYTHON selects the interpreter used to create .venv (default: python3).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

with_node=1
serve_only=0
force=0
for arg in "$@"; do
    case "$arg" in
        --no-node) with_node=0 ;;
        --serve-only)
            serve_only=1
            with_node=0
            ;;
        --force) force=1 ;;
        -h | --help)
            sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "setup: unknown option: $arg (try --help)" >&2
            exit 2
            ;;
    esac
done

say() { echo "setup: $*"; }

# Print the SHA-256 of the given files (one combined line).
fingerprint() {
    if command -v sha256sum >/dev/null 2>&1; then
        cat "$@" | sha256sum | cut -d' ' -f1
    else
        cat "$@" | shasum -a 256 | cut -d' ' -f1
    fi
}

# --- Python ------------------------------------------------------------------------
python_bin="${PYTHON:-python3}"
venv_stamp=".venv/.setup-stamp"

if [[ ! -x .venv/bin/python ]]; then
    command -v "$python_bin" >/dev/null 2>&1 || {
        echo "setup: '$python_bin' not found; install Python 3.11 or newer" >&2
        exit 1
    }
    "$python_bin" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
        echo "setup: Python 3.11 or newer is required ($python_bin is $("$python_bin" -V 2>&1))" >&2
        exit 1
    }
    say "creating virtualenv .venv with $("$python_bin" -V 2>&1)"
    "$python_bin" -m venv .venv
    rm -f "$venv_stamp"
fi

# The install only needs redoing when the project metadata or a lock file changes. The stamp
# records what was installed: the full (test) set also serves, the serving set does not test.
py_hash="$(fingerprint pyproject.toml requirements/serve.txt requirements/test.txt)"
if [[ $serve_only -eq 1 ]]; then
    wanted=("$py_hash serve" "$py_hash test")
    lock=requirements/serve.txt
    what="what serving needs"
else
    wanted=("$py_hash test")
    lock=requirements/test.txt
    what="the test extras"
fi
installed="$(cat "$venv_stamp" 2>/dev/null || true)"
up_to_date=0
for stamp in "${wanted[@]}"; do
    [[ "$installed" == "$stamp" ]] && up_to_date=1
done
if [[ $force -eq 1 || $up_to_date -eq 0 || ! -x .venv/bin/pixxel-mock ]]; then
    say "installing $what from $lock into .venv"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$lock"
    say "installing pixxel-mock (editable) into .venv"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
    echo "${wanted[0]}" >"$venv_stamp"
else
    say "Python environment is up to date (.venv)"
fi

# --- Node tools ----------------------------------------------------------------------
if [[ $with_node -eq 0 ]]; then
    say "skipping Node tools (--no-node)"
    say "done"
    exit 0
fi

command -v npm >/dev/null 2>&1 || {
    echo "setup: npm not found; install Node.js 20.19+ (with npm) or use --no-node" >&2
    exit 1
}

node_dir="tools/node"
node_stamp="$node_dir/node_modules/.setup-stamp"
lock_hash="$(fingerprint "$node_dir/package.json" "$node_dir/package-lock.json")"

if [[ $force -eq 1 || ! -f $node_stamp || "$(cat "$node_stamp")" != "$lock_hash" ]]; then
    say "installing Node tools from $node_dir/package-lock.json (node $(node --version))"
    # --ignore-scripts: none of the pinned tools needs an install script; the only one in
    # the tree is a usage-analytics hook.
    npm ci --prefix "$node_dir" --no-audit --no-fund --ignore-scripts --loglevel=error
    echo "$lock_hash" >"$node_stamp"
else
    say "Node tools are up to date ($node_dir/node_modules)"
fi

say "done"
