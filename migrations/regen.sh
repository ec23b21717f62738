#!/usr/bin/env bash
# Until the first release, the schema lives in ONE initial migration. After changing a
# model, run this to regenerate it (serialised, so parallel work cannot create two heads).
# After the first release, add normal revisions instead: flask db revision (alembic).
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>/tmp/jiannuo-migration.lock
flock 9
tmp=$(mktemp -d)
rm -f migrations/versions/*.py
.venv/bin/python -c "from services.migrate import revision; revision('sqlite:///$tmp/gen.db', 'initial schema')"
.venv/bin/ruff format -q migrations/versions || true
rm -rf "$tmp"
ls migrations/versions
