#!/usr/bin/env bash
# The whole test suite from a fresh clone: install what is missing, make sure PostgreSQL and Redis run,
# check style, audit the dependencies, then run every tier (unit, integration, browser). Extra arguments
# go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --services --browser
bash scripts/services.sh
# Each pytest process creates (and drops) its own database through this admin connection.
export TEST_DATABASE_ADMIN_URL="${TEST_DATABASE_ADMIN_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
.venv/bin/ruff check .
# Known vulnerabilities in the installed dependencies fail the run (RIGHTS_AUDIT_STRICT=1 also fails on
# packages the advisory service could not be asked about).
.venv/bin/python scripts/audit_deps.py
.venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" "$@"
