#!/usr/bin/env node
// A simulated field tablet: PouchDB (9 by default; 8 or 7 on request) with in-memory databases,
// driven by tests.
//
// PouchDB version: `node tablet.js --pouchdb=7` or TABLET_POUCHDB_VERSION=7 (the argument wins);
// 9, 8 and 7 are installed (package.json: "pouchdb-node" is 9, "pouchdb-node-8" and
// "pouchdb-node-7" are npm aliases, each with its own memory adapter).
//
// Protocol: newline-delimited JSON on stdin, one command per line:
//     {"id": 7, "cmd": "put", "db": "tablet", "doc": {...}}
// and exactly one JSON line per command on stdout, carrying the same id:
//     {"id": 7, "ok": true, "result": ...}
//     {"id": 7, "ok": false, "error": {"name", "status", "message", "reason"}}
// Commands run concurrently (a slow "wait_for_doc" does not block others); answers may come
// out of order. Diagnostics go to stderr only, stdout carries nothing but answers.
//
// Remote access: {"url": "http://host/db", "auth": {"username", "password"}} for HTTP Basic
// (what PouchDB's `auth` option sends), or {"headers": {"Authorization": "Token ..."}}.
'use strict';

const readline = require('readline');

const POUCHDB_PACKAGES = {
  9: ['pouchdb-node', 'pouchdb-adapter-memory'],
  8: ['pouchdb-node-8', 'pouchdb-adapter-memory-8'],
  7: ['pouchdb-node-7', 'pouchdb-adapter-memory-7'],
};

function requestedPouchdbVersion() {
  const arg = process.argv.slice(2).find((a) => a.startsWith('--pouchdb='));
  const wanted = arg ? arg.slice('--pouchdb='.length) : process.env.TABLET_POUCHDB_VERSION;
  const major = String(wanted || '9').trim().split('.')[0];
  if (!POUCHDB_PACKAGES[major]) {
    process.stderr.write(`[tablet] unsupported PouchDB version ${JSON.stringify(wanted)}; `
      + `one of: ${Object.keys(POUCHDB_PACKAGES).join(', ')}\n`);
    process.exit(2);
  }
  return major;
}

const [pouchPackage, memoryAdapterPackage] = POUCHDB_PACKAGES[requestedPouchdbVersion()];
const PouchDB = require(pouchPackage);
PouchDB.plugin(require(memoryAdapterPackage));

const MemoryPouch = PouchDB.defaults({ adapter: 'memory' });

const dbs = new Map(); // name -> PouchDB (memory)
const replications = new Map(); // rep_id -> record
let defaultDb = null;

function log(...args) {
  process.stderr.write(`[tablet] ${args.join(' ')}\n`);
}

function now() {
  return new Date().toISOString();
}

function serializeError(err) {
  if (err === undefined || err === null) return null;
  if (typeof err !== 'object') return { name: 'error', message: String(err) };
  const out = {
    name: err.name || err.error || 'error',
    status: err.status,
    message: err.message || err.reason || String(err),
    reason: err.reason,
  };
  if (err.id || err.docId) out.id = err.id || err.docId;
  if (err.error !== undefined && err.error !== true) out.error = err.error;
  return out;
}

function summarizeResult(info) {
  if (!info || typeof info !== 'object') return info;
  const out = {};
  for (const key of ['ok', 'status', 'docs_read', 'docs_written', 'doc_write_failures',
    'start_time', 'end_time', 'last_seq']) {
    if (key in info) out[key] = info[key];
  }
  out.errors = (info.errors || []).map(serializeError);
  return out;
}

function getDb(name) {
  const dbName = name || defaultDb;
  if (!dbName) throw Object.assign(new Error('no database open; send "open" first'), { name: 'bad_request' });
  const db = dbs.get(dbName);
  if (!db) throw Object.assign(new Error(`database not open: ${dbName}`), { name: 'not_found' });
  return db;
}

function remoteDb(cmd) {
  if (!cmd.url) throw Object.assign(new Error('"url" is required'), { name: 'bad_request' });
  const opts = { skip_setup: true };
  if (cmd.auth) opts.auth = { username: cmd.auth.username, password: cmd.auth.password };
  if (cmd.headers) {
    const extra = cmd.headers;
    opts.fetch = (url, fetchOpts) => {
      for (const [k, v] of Object.entries(extra)) fetchOpts.headers.set(k, v);
      return PouchDB.fetch(url, fetchOpts);
    };
  }
  return new PouchDB(cmd.url, opts);
}

// A replication record: the PouchDB replication object plus everything it emitted.
function track(repId, kind, rep) {
  const rec = {
    rep_id: repId,
    kind,
    rep,
    events: [],
    denied: [],
    done: false,
    result: null,
    error: null,
  };
  const push = (event, payload) => rec.events.push({ event, at: now(), ...payload });
  const unwrap = (info) => (info && info.change ? info.change : info);
  rep.on('change', (info) => {
    const change = unwrap(info);
    const docs = (change.docs || []).map((d) => ({ _id: d._id, _rev: d._rev, _deleted: !!d._deleted }));
    const payload = { docs, docs_written: change.docs_written, docs_read: change.docs_read };
    if (info && info.direction) payload.direction = info.direction;
    push('change', payload);
    if (rec.onChange) rec.onChange(change);
  });
  rep.on('paused', (err) => push('paused', { error: serializeError(err) }));
  rep.on('active', () => push('active', {}));
  rep.on('denied', (err) => {
    const e = serializeError(err);
    rec.denied.push(e);
    push('denied', { error: e });
  });
  rep.on('error', (err) => {
    rec.error = serializeError(err);
    push('error', { error: rec.error });
  });
  rep.on('complete', (info) => push('complete', { result: completeSummary(info) }));
  rec.finished = new Promise((resolve) => {
    rep.then((info) => {
      rec.result = completeSummary(info);
      rec.done = true;
      resolve();
    }, (err) => {
      rec.error = rec.error || serializeError(err);
      if (err && err.result) rec.result = summarizeResult(err.result);
      rec.done = true;
      resolve();
    });
  });
  replications.set(repId, rec);
  return rec;
}

function completeSummary(info) {
  if (info && (info.push || info.pull)) {
    return { push: summarizeResult(info.push), pull: summarizeResult(info.pull) };
  }
  return summarizeResult(info);
}

function recordView(rec, since) {
  return {
    rep_id: rec.rep_id,
    kind: rec.kind,
    done: rec.done,
    result: rec.result,
    error: rec.error,
    denied: rec.denied,
    events: rec.events.slice(since || 0),
    event_count: rec.events.length,
  };
}

let autoRepId = 0;

function startReplication(cmd, { live }) {
  const db = getDb(cmd.db);
  const remote = remoteDb(cmd);
  const direction = cmd.direction || 'sync';
  const options = Object.assign({}, cmd.options || {});
  if (live) {
    options.live = true;
    if (options.retry === undefined) options.retry = true;
  }
  let rep;
  if (direction === 'to') rep = db.replicate.to(remote, options);
  else if (direction === 'from') rep = db.replicate.from(remote, options);
  else if (direction === 'sync') rep = db.sync(remote, options);
  else throw Object.assign(new Error(`unknown direction: ${direction}`), { name: 'bad_request' });
  const repId = cmd.rep_id || `rep-${++autoRepId}`;
  if (replications.has(repId) && !replications.get(repId).done) {
    rep.cancel();
    throw Object.assign(new Error(`replication already running: ${repId}`), { name: 'conflict' });
  }
  const rec = track(repId, `${live ? 'live' : 'once'}-${direction}`, rep);
  if (cmd.cancel_after_docs) {
    // Cancel as soon as this many docs were written: simulates a connection dropped mid-way.
    rec.onChange = (change) => {
      if ((change.docs_written || 0) >= cmd.cancel_after_docs && !rec.cancelRequested) {
        rec.cancelRequested = true;
        rep.cancel();
      }
    };
  }
  return rec;
}

function getRec(repId) {
  const rec = replications.get(repId);
  if (!rec) throw Object.assign(new Error(`unknown replication: ${repId}`), { name: 'not_found' });
  return rec;
}

function withTimeout(promise, ms, what) {
  if (!ms) return promise;
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`timed out after ${ms} ms: ${what}`), { name: 'timeout' })), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const handlers = {
  async ping() {
    return { pouchdb: PouchDB.version, node: process.version };
  },

  async open(cmd) {
    const name = cmd.db || 'tablet';
    if (!dbs.has(name)) dbs.set(name, new MemoryPouch(name));
    defaultDb = name;
    return { db: name };
  },

  async destroy(cmd) {
    const db = getDb(cmd.db);
    const name = db.name;
    await db.destroy();
    dbs.delete(name);
    if (defaultDb === name) defaultDb = null;
    return { ok: true };
  },

  async info(cmd) {
    return getDb(cmd.db).info();
  },

  async put(cmd) {
    return getDb(cmd.db).put(cmd.doc, cmd.options || {});
  },

  async bulk_docs(cmd) {
    const res = await getDb(cmd.db).bulkDocs(cmd.docs, cmd.options || {});
    return res.map((r) => (r.error ? serializeError(r) : r));
  },

  async get(cmd) {
    return getDb(cmd.db).get(cmd.doc_id, cmd.options || {});
  },

  async all_docs(cmd) {
    return getDb(cmd.db).allDocs(cmd.options || {});
  },

  async remove(cmd) {
    const db = getDb(cmd.db);
    const rev = cmd.rev || (await db.get(cmd.doc_id))._rev;
    return db.remove(cmd.doc_id, rev);
  },

  async put_attachment(cmd) {
    const db = getDb(cmd.db);
    const data = Buffer.from(cmd.data_base64, 'base64');
    let rev = cmd.rev;
    if (rev === undefined) {
      try {
        rev = (await db.get(cmd.doc_id))._rev;
      } catch (err) {
        if (err.status !== 404) throw err;
      }
    }
    return db.putAttachment(cmd.doc_id, cmd.name, rev, data, cmd.content_type);
  },

  async get_attachment(cmd) {
    const opts = cmd.rev ? { rev: cmd.rev } : {};
    const blob = await getDb(cmd.db).getAttachment(cmd.doc_id, cmd.name, opts);
    return { data_base64: Buffer.from(blob).toString('base64'), length: blob.length };
  },

  async changes(cmd) {
    const res = await getDb(cmd.db).changes(Object.assign({}, cmd.options || {}, { live: false }));
    return res;
  },

  // One-shot replication, awaited: direction "to" (push), "from" (pull) or "sync".
  async replicate(cmd) {
    const rec = startReplication(cmd, { live: false });
    await withTimeout(rec.finished, cmd.timeout_ms, `replicate ${rec.rep_id}`);
    return recordView(rec);
  },

  // Replication started in the background (one-shot or live); watch it with
  // "replication_status", end it with "replication_cancel", await it with "replication_wait".
  async replication_start(cmd) {
    const rec = startReplication(cmd, { live: !!cmd.live });
    return { rep_id: rec.rep_id };
  },

  async replication_status(cmd) {
    return recordView(getRec(cmd.rep_id), cmd.since);
  },

  async replication_wait(cmd) {
    const rec = getRec(cmd.rep_id);
    await withTimeout(rec.finished, cmd.timeout_ms, `replication_wait ${rec.rep_id}`);
    return recordView(rec);
  },

  async replication_cancel(cmd) {
    const rec = getRec(cmd.rep_id);
    rec.rep.cancel();
    await withTimeout(rec.finished, cmd.timeout_ms || 10000, `replication_cancel ${rec.rep_id}`);
    return recordView(rec);
  },

  // Wait until the local db holds doc_id (optionally at a given rev, or with a field value).
  async wait_for_doc(cmd) {
    const db = getDb(cmd.db);
    const deadline = Date.now() + (cmd.timeout_ms || 10000);
    for (;;) {
      try {
        const doc = await db.get(cmd.doc_id, { conflicts: true });
        if (!cmd.rev || doc._rev === cmd.rev) return doc;
      } catch (err) {
        if (err.status !== 404) throw err;
      }
      if (Date.now() > deadline) {
        throw Object.assign(new Error(`doc ${cmd.doc_id} did not arrive within ${cmd.timeout_ms || 10000} ms`), { name: 'timeout' });
      }
      await sleep(cmd.poll_ms || 50);
    }
  },
};

async function handle(line) {
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch (err) {
    return { id: null, ok: false, error: { name: 'bad_request', message: `invalid JSON command: ${err.message}` } };
  }
  const handler = handlers[cmd.cmd];
  if (!handler) {
    return { id: cmd.id, ok: false, error: { name: 'bad_request', message: `unknown command: ${cmd.cmd}` } };
  }
  try {
    const result = await handler(cmd);
    return { id: cmd.id, ok: true, result: result === undefined ? null : result };
  } catch (err) {
    return { id: cmd.id, ok: false, error: serializeError(err) };
  }
}

function send(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on('line', (line) => {
  if (!line.trim()) return;
  handle(line).then(send, (err) => send({ id: null, ok: false, error: serializeError(err) }));
});
rl.on('close', () => {
  for (const rec of replications.values()) {
    if (!rec.done) rec.rep.cancel();
  }
  // Give cancelled replications a moment, then leave.
  setTimeout(() => process.exit(0), 200).unref();
});
process.on('unhandledRejection', (err) => log('unhandled rejection:', err && err.stack ? err.stack : err));
process.on('SIGTERM', () => process.exit(0));
log(`ready (PouchDB ${PouchDB.version})`);
