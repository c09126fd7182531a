#!/bin/sh
# The image's entrypoint: `larder ARGS`, with Node as the container's main process (exec), so SIGTERM
# reaches Larder's graceful shutdown directly. LARDER_HOME is where the sources live (/app in the image;
# the repository root when this script is run outside a container).
set -eu
LARDER_HOME="${LARDER_HOME:-/app}"
if [ ! -f "$LARDER_HOME/cli/bin/larder.mjs" ]; then
  echo "larder: no Larder installation at LARDER_HOME=$LARDER_HOME" >&2
  exit 127
fi
exec node "$LARDER_HOME/cli/bin/larder.mjs" "$@"
