#!/usr/bin/env bash
# Report how the mock fares on the newest Connexion 3.x, before anyone raises the pin.
#
# Installs the project and the newest Connexion 3.x into a throwaway virtualenv, runs the
# self-check of the departures from stock Connexion (mockserver/connexion_tuning.py) and the
# test suite there, and prints one verdict. It is a report: it exits 0 whatever the verdict,
# and 2 only when it could not run at all (no interpreter, nothing installable).
#
# Usage: bash scripts/check-connexion-latest.sh [pytest arguments...]
#   no arguments      the suite without the npm tools: -q -m "not tools" -p no:cacheprovider tests/
#   with arguments    passed to pytest as they are, e.g. tests/test_connexion_tuning.py
#
# Environment:
#   CONNEXION_SPEC    the requirement to try (default: the newest 3.x,
#                     "connexion[flask,uvicorn,swagger-ui]>=3,<4"); e.g. "...==3.2.0"
#   PYTHON            the interpreter for the throwaway virtualenv (default: python3)
#
# CI runs it only when asked: CHECK_CONNEXION_LATEST=1 bash .ci/run.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

spec="${CONNEXION_SPEC:-connexion[flask,uvicorn,swagger-ui]>=3,<4}"
python_bin="${PYTHON:-python3}"
say() { echo "connexion-latest: $*"; }

if [[ $# -eq 0 ]]; then
    set -- -q -m "not tools" -p no:cacheprovider tests/
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
venv="$work/venv"

say "creating a throwaway virtualenv"
if ! "$python_bin" -m venv "$venv" >"$work/venv.log" 2>&1; then
    cat "$work/venv.log" >&2
    say "VERDICT: could not run (no virtualenv from $python_bin)"
    exit 2
fi
pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
say "installing the project with its test extras"
if ! "${pip[@]}" -e ".[test]" >"$work/install.log" 2>&1; then
    tail -20 "$work/install.log" >&2
    say "VERDICT: could not run (the project did not install)"
    exit 2
fi
# The project pins the tested minor; this install steps over the pin on purpose.
say "installing $spec over the pin"
if ! "${pip[@]}" --upgrade "$spec" >"$work/connexion.log" 2>&1; then
    tail -20 "$work/connexion.log" >&2
    say "VERDICT: could not run ($spec did not install)"
    exit 2
fi
version="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("connexion"))')"
written_for="$("$venv/bin/python" -c 'from mockserver.connexion_tuning import WRITTEN_FOR; print(WRITTEN_FOR)' 2>/dev/null || echo unknown)"
say "trying Connexion $version (the departures were written for $written_for.x)"

say "self-check: python -m mockserver.connexion_tuning"
"$venv/bin/python" -m mockserver.connexion_tuning
check=$?

say "test suite: python -m pytest $*"
"$venv/bin/python" -m pytest "$@" 2>&1 | tee "$work/pytest.log"
tests=${PIPESTATUS[0]}
summary="$(grep -E '^(=+ )?[0-9]+ (passed|failed)|^=+ .*(passed|failed|error)' "$work/pytest.log" | tail -1 | tr -d '=' | xargs)"

echo
if [[ $tests -eq 0 && $check -eq 0 ]]; then
    if [[ $version == "$written_for".* ]]; then
        say "VERDICT: OK - Connexion $version is the pinned minor; every departure installs and the suite passes"
    else
        say "VERDICT: OK - Connexion $version passes the self-check and the suite; the pin may move to ${version%.*} after bench/hot_path.py confirms the speed"
    fi
elif [[ $tests -eq 0 ]]; then
    say "VERDICT: SLOWER - Connexion $version serves correctly (suite passes) but departures fall back to the stock path; update mockserver/connexion_tuning.py before raising the pin"
else
    say "VERDICT: BROKEN - Connexion $version fails the suite (${summary:-pytest exit $tests}); self-check $([[ $check -eq 0 ]] && echo passes || echo reports fallbacks); keep the pin"
fi
exit 0
