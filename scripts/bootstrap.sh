#!/usr/bin/env bash
# Install everything Rights Desk needs on a fresh Debian/Ubuntu machine with Python 3.11+:
# Debian packages (WeasyPrint's Pango, Chromium for browser tests, PostgreSQL and Redis when asked),
# a virtualenv with the project, and the GOV.UK Frontend assets. Safe to run again: it only installs
# what is missing.  Usage: scripts/bootstrap.sh [--services] [--browser]
set -euo pipefail
cd "$(dirname "$0")/.."

want_services=0
want_browser=0
for arg in "$@"; do
  case "$arg" in
    --services) want_services=1 ;;
    --browser) want_browser=1 ;;
    *) echo "unknown option $arg" >&2; exit 2 ;;
  esac
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils nodejs npm; do
  if [ "$pkg" = nodejs ] || [ "$pkg" = npm ]; then
    command -v "$pkg" >/dev/null 2>&1 && continue
  fi
  have_pkg "$pkg" || need+=("$pkg")
done
PY=${PYTHON:-python3}
# Debian and Ubuntu ship Python without ensurepip; `python3 -m venv` needs the python3-venv package.
if [ ! -x .venv/bin/python ] && ! "$PY" -c 'import ensurepip' >/dev/null 2>&1; then
  need+=(python3-venv)
fi
if [ "$want_browser" = 1 ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
fi
if [ "$want_services" = 1 ]; then
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
fi
if [ "${#need[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  # Wait (up to 5 minutes) for another apt run, e.g. unattended upgrades on a fresh machine, not fail.
  $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.rights-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
  touch "$stamp"
else
  # The redaction core is compiled in place by that install (setup.py, mypyc): build it again when a
  # compiled module's source is newer than its build, or setup.py than the last install.
  stale=0
  [ setup.py -nt "$stamp" ] && stale=1
  for built in rights/redaction/*.cpython-*.so; do
    [ -e "$built" ] && [ "${built%%.cpython-*}.py" -nt "$built" ] && stale=1
  done
  if [ "$stale" = 1 ]; then
    .venv/bin/python -m pip install -q --no-deps -e .
    touch "$stamp"
  fi
fi

bash scripts/build-assets.sh
