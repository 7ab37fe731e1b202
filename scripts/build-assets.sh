#!/usr/bin/env bash
# Install the front-end packages pinned in package-lock.json and copy GOV.UK Frontend's built files
# into the app's own static folder (no CDN). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/govuk-frontend/package.json ] || [ ! -f node_modules/axe-core/axe.min.js ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
dest=rights/web/static/govuk
rm -rf "$dest"
mkdir -p "$dest"
src=node_modules/govuk-frontend/dist/govuk
cp "$src/govuk-frontend.min.css" "$src/govuk-frontend.min.js" "$dest/"
cp -r "$src/assets" "$dest/assets"
