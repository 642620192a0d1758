#!/usr/bin/env node
// Many live PouchDB 9 tablets (memory adapter) in one node process, for tests/bench/bench_live_sync.py.
// stdin, one JSON line each:
//   {"cmd": "start", "url": ".../sync/field", "tablets": [{"name", "username", "password", "wait_for"}]}
//       starts every tablet's live sync at once; prints {"event": "pulled", "name", "ms"} when a
//       tablet holds its `wait_for` doc, then {"event": "idle", "name", "ms"} when its sync first
//       pauses after that with no error (both directions caught up: the initial sync is done)
//   {"cmd": "watch", "name", "id"}   prints {"event": "got", "name", "id", "at"} when it arrives there
//   {"cmd": "put", "name", "doc"}    prints {"event": "put", "id", "at"} once stored locally (live sync pushes it)
// stdout carries only these JSON lines; errors go to stderr.
'use strict';

const readline = require('readline');
const path = require('path');

const NODE_MODULES = path.join(__dirname, '..', 'e2e', 'node', 'node_modules');
const PouchDB = require(path.join(NODE_MODULES, 'pouchdb-node'));
PouchDB.plugin(require(path.join(NODE_MODULES, 'pouchdb-adapter-memory')));
const MemoryPouch = PouchDB.defaults({ adapter: 'memory' });

const tablets = new Map(); // name -> {db, watches: Map(id -> true)}

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function startTablet(url, spec) {
  const db = new MemoryPouch(spec.name);
  const remote = new PouchDB(url, { skip_setup: true, auth: { username: spec.username, password: spec.password } });
  const started = Date.now();
  const record = { db, watches: new Set(), pulled: false, paused: false, idle: false };
  tablets.set(spec.name, record);
  const idle = () => {
    if (record.pulled && record.paused && !record.idle) {
      record.idle = true;
      out({ event: 'idle', name: spec.name, ms: Date.now() - started });
    }
  };
  db.changes({ live: true, since: 'now' }).on('change', (change) => {
    if (!record.pulled && change.id === spec.wait_for) {
      record.pulled = true;
      out({ event: 'pulled', name: spec.name, ms: Date.now() - started });
      idle();
    }
    if (record.watches.has(change.id)) {
      record.watches.delete(change.id);
      out({ event: 'got', name: spec.name, id: change.id, at: Date.now() });
    }
  });
  const rep = db.sync(remote, { live: true, retry: true });
  rep.on('active', () => { record.paused = false; });
  rep.on('paused', (err) => { record.paused = !err; idle(); });
  rep.on('error', (err) => process.stderr.write(`[${spec.name}] error ${err && err.status} ${err && err.message}\n`));
  record.rep = rep;
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on('line', async (line) => {
  if (!line.trim()) return;
  const cmd = JSON.parse(line);
  try {
    if (cmd.cmd === 'start') {
      for (const spec of cmd.tablets) startTablet(cmd.url, spec);
      out({ event: 'started', count: cmd.tablets.length });
    } else if (cmd.cmd === 'watch') {
      const record = tablets.get(cmd.name);
      try {
        await record.db.get(cmd.id);
        out({ event: 'got', name: cmd.name, id: cmd.id, at: Date.now() });
      } catch (err) {
        record.watches.add(cmd.id);
      }
    } else if (cmd.cmd === 'put') {
      await tablets.get(cmd.name).db.put(cmd.doc);
      out({ event: 'put', id: cmd.doc._id, at: Date.now() });
    }
  } catch (err) {
    process.stderr.write(`command ${line.slice(0, 200)} failed: ${err && err.stack}\n`);
  }
});
rl.on('close', () => {
  for (const record of tablets.values()) if (record.rep) record.rep.cancel();
  setTimeout(() => process.exit(0), 300).unref();
});
process.on('SIGTERM', () => process.exit(0));
