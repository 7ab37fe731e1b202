#!/usr/bin/env bash
# Install what is missing and start the whole product (portal, dashboard, worker) with demo data on
# SQLite, at http://127.0.0.1:5000/. No PostgreSQL or Redis needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/rights demo "$@"
