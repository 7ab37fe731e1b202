#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on their local ports, starting them if they are installed but
# stopped. Used by the test command; production points DATABASE_URL and REDIS_URL at managed services.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    ver=$(ls /etc/postgresql | sort -V | tail -n 1)
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  fi
fi
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not answering on 127.0.0.1:5432" >&2; exit 1; }

# A fresh Debian cluster asks for a password on 127.0.0.1 (scram-sha-256), and its postgres role has none,
# so the tests' admin connection (postgres over loopback, no password) would be refused. When that is the
# case and the cluster is this machine's own, let the postgres role in over loopback only, then reload.
if [ -z "${TEST_DATABASE_ADMIN_URL:-}" ] && command -v pg_ctlcluster >/dev/null 2>&1 \
   && ! PGCONNECT_TIMEOUT=5 psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then as_postgres=(runuser -u postgres --); else as_postgres=(sudo -u postgres); fi
  hba=$("${as_postgres[@]}" psql -Atqc 'show hba_file')
  echo "allowing the postgres role in over 127.0.0.1 without a password for the tests ($hba)"
  $SUDO sed -i '1i host all postgres 127.0.0.1/32 trust  # added by rights-desk scripts/services.sh' "$hba"
  "${as_postgres[@]}" psql -Atqc 'select pg_reload_conf()' >/dev/null
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  mkdir -p /tmp/rights-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp/rights-redis --logfile /tmp/rights-redis/redis.log
fi
for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "Redis is not answering on 127.0.0.1:6379" >&2; exit 1; }
