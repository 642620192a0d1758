#!/usr/bin/env node
// Starts pouchdb-server with two guards for a development/test store:
//
// 1. A few malformed requests make pouchdb-server 4.2.0 throw outside any request handler
//    (e.g. GET /db/doc?open_revs=["9-unknown"]&latest=true, or _changes?filter=_selector).
//    Unguarded, Node exits and the whole store goes down. Here the error is logged and the
//    process keeps serving; the offending request may get no answer (the client times out).
// 2. SIGTERM stops the server promptly with exit status 0, like SIGINT.
'use strict';

function report(kind, err) {
  const text = err && err.stack ? err.stack : String(err);
  process.stderr.write(`[syncstore-guard] ${kind}: ${text}\n`);
}

process.on('uncaughtException', (err) => report('uncaught exception', err));
process.on('unhandledRejection', (err) => report('unhandled rejection', err));
process.on('SIGTERM', () => process.exit(0));

require('pouchdb-server/lib/index.js');
