#!/usr/bin/env bash
# `npm start` on a fresh clone: install the locked npm packages once, then build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
