#!/bin/sh
# Install the modeler's browser assets (bpmn-js) from npm into dashboard/modeler/frontend/node_modules.
# The set-up command calls this once; the app serves the files itself, never from a CDN.
set -eu
cd "$(dirname "$0")"
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi
