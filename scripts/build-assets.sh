#!/usr/bin/env bash
# Install the front-end packages pinned in package-lock.json, build GOV.UK Frontend's CSS for a council
# (own font stack, no GDS Transport) and copy its script and images into the app's own static folder
# (no CDN). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/govuk-frontend/package.json ] || [ ! -f node_modules/axe-core/axe.min.js ] \
   || [ ! -x node_modules/.bin/sass ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
dest=rights/web/static/govuk
rm -rf "$dest"
mkdir -p "$dest"
src=node_modules/govuk-frontend/dist/govuk
cp "$src/govuk-frontend.min.js" "$dest/"
cp -r "$src/assets" "$dest/assets"
rm -rf "$dest/assets/fonts"  # GDS Transport is for GOV.UK services only; see rights/web/scss/council.scss
node_modules/.bin/sass --no-source-map --style=compressed --quiet-deps --load-path=node_modules \
  rights/web/scss/council.scss "$dest/council.min.css"
