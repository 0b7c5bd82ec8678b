#!/usr/bin/env bash
# Rebuild src/govkg/web/static/vendor/codemirror/ from package-lock.json (exact versions).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npm run build
