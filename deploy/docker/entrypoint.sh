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
# The same Node flags as the bin's shebang (cli/bin/larder.mjs says why).
exec node --max-semi-space-size=32 "$LARDER_HOME/cli/bin/larder.mjs" "$@"
