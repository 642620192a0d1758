#!/usr/bin/env bash
# Development/test sync store: a CouchDB-compatible server (npm pouchdb-server).
#
#   COUCHDB_URL   if set and non-empty, an external CouchDB is used: this script only
#                 keeps a placeholder process alive (for process managers such as honcho)
#                 and exits promptly on SIGTERM/SIGINT.
#   COUCHDB_PORT  port on 127.0.0.1 (default 5984)
#   DATA_DIR      data root (default var/, relative to the repository root); the store keeps
#                 its databases, config.json and log.txt under $DATA_DIR/syncstore.
#
# Install first: (cd deploy/syncstore && npm ci)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/../.." && pwd)"

if [[ -n "${COUCHDB_URL:-}" ]]; then
    # Do not print the URL: it carries credentials.
    echo "syncstore: COUCHDB_URL is set, using the external CouchDB; no local store started."
    sleep infinity &
    placeholder=$!
    trap 'kill "$placeholder" 2>/dev/null; exit 0' TERM INT
    wait "$placeholder"
    exit 0
fi

port="${COUCHDB_PORT:-5984}"
data_root="${DATA_DIR:-var}"
case "$data_root" in
    /*) ;;
    *) data_root="$repo_root/$data_root" ;;
esac
store_dir="$data_root/syncstore"
mkdir -p "$store_dir"
store_dir="$(cd "$store_dir" && pwd)"

bin="$here/server.js"
if [[ ! -e "$here/node_modules/pouchdb-server/lib/index.js" ]]; then
    echo "syncstore: pouchdb-server is not installed; run: (cd $here && npm ci)" >&2
    exit 1
fi

echo "syncstore: pouchdb-server on http://127.0.0.1:$port/ (data in $store_dir)"
# pouchdb-server writes log.txt into its working directory and config.json where --config
# says: both go into the store directory, never into the repository.
cd "$store_dir"
exec node "$bin" \
    --host 127.0.0.1 \
    --port "$port" \
    --dir "$store_dir" \
    --config "$store_dir/config.json" \
    --no-color
