#!/bin/sh
# Install the board's browser assets (bpmn-js) from npm into dashboard/frontend/node_modules.
# The set-up command calls this once; the board serves the files itself, never from a CDN.
set -eu
cd "$(dirname "$0")"
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi
