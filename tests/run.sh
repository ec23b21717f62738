#!/usr/bin/env bash
# The whole suite: Python tests (SQLite always; PostgreSQL/Redis when TEST_DATABASE_URL /
# TEST_REDIS_URL are set) and the mini-program's node tests.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0

# The mini-program's tests run beside the Python tests (they wait on the browser, PostgreSQL and
# subprocesses often enough for node to fit in); their output is shown once both have ended.
mp_log="$(mktemp)"
mp_pid=""
if [ -f miniprogram/package.json ]; then
    if command -v npm >/dev/null 2>&1; then
        (
            echo "== 小程序测试 (miniprogram: npm ci && npm test)"
            # `npm ci` runs unless node_modules was installed from this very package-lock.json
            # by this Node.js: a stamp written after a successful `npm ci` (a fresh clone has
            # none, and `npm ci` removes node_modules, stamp included, before it installs).
            cd miniprogram || exit 1
            stamp=node_modules/.jiannuo-npm-ci
            want="$(sha256sum package-lock.json | cut -d' ' -f1) node $(node --version)"
            if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
                echo "node_modules matches package-lock.json ($stamp): npm ci skipped"
            else
                npm ci --no-audit --no-fund --loglevel=error && echo "$want" >"$stamp" || exit 1
            fi
            npm test
        ) >"$mp_log" 2>&1 &
        mp_pid=$!
    else
        echo "!! npm not found: miniprogram tests skipped (install Node.js 20 to run them)"
    fi
fi

echo "== 分层检查 (import-linter)"
.venv/bin/lint-imports --no-cache || status=1

echo "== Python tests"
# Let Python cache compiled modules (__pycache__, ignored by git) even where the environment
# says not to: otherwise every xdist worker and every subprocess a test starts compiles the
# whole project again (collection 10 s instead of 4 s per worker).
unset PYTHONDONTWRITEBYTECODE
# As many xdist workers as cores; each worker has its own template databases, and the Redis
# tests take a lock (see tests/conftest.py). PYTEST_WORKERS=0 runs in one process; extra
# arguments go to pytest. worksteal: a worker that runs out takes queued tests from the other,
# so the run does not end on one worker finishing a long queue alone.
.venv/bin/python -m pytest -p no:cacheprovider -n "${PYTEST_WORKERS:-auto}" --dist worksteal "$@"
rc=$?
# pytest exits 5 when nothing was collected; that is a failure here.
[ $rc -ne 0 ] && status=$rc

if [ -n "$mp_pid" ]; then
    wait "$mp_pid" || status=1
    cat "$mp_log"
fi
rm -f "$mp_log"

exit $status
