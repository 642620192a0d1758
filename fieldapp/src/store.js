// The inspector's data in the browser (PouchDB on IndexedDB) and its live sync with /sync/field/.
// Tracks what is waiting (our own writes not yet accepted by the server) and what was refused
// (a `denied` doc stays in the local database and is listed with the server's reason).
import PouchDB from "pouchdb-browser";

const PENDING = "_local/field-pending";
const DENIED = "_local/field-denied";

export class Store extends EventTarget {
  constructor({ username, token, base }) {
    super();
    this.username = username;
    this.token = token;
    this.db = new PouchDB(`fieldinspect-${username}`, { auto_compaction: false });
    this.remote = new PouchDB(`${base}/sync/field`, {
      skip_setup: true,
      fetch: (url, opts) => {
        opts.headers.set("Authorization", `Token ${this.token}`);
        return PouchDB.fetch(url, opts);
      },
    });
    this.pending = {}; // id → rev written here and not yet accepted
    this.denied = {}; // id → {rev, reason, at}
    this.state = "starting"; // starting | active | paused | offline | error
    this.lastError = null;
    this.lastSyncedAt = null;
    this.sync = null;
    this._saving = Promise.resolve();
  }

  async open() {
    this.pending = (await this._local(PENDING)).ids || {};
    this.denied = (await this._local(DENIED)).docs || {};
    this._emit();
  }

  async _local(id) {
    try { return await this.db.get(id); } catch { return { _id: id }; }
  }

  _persist() {
    // one write at a time; the last state wins
    this._saving = this._saving.then(async () => {
      for (const [id, key, value] of [[PENDING, "ids", this.pending], [DENIED, "docs", this.denied]]) {
        const doc = await this._local(id);
        doc[key] = value;
        await this.db.put(doc);
      }
    }).catch((err) => console.error("persist", err));
    return this._saving;
  }

  _emit() { this.dispatchEvent(new Event("status")); }

  // --- writes of our own (always through here, so they are counted as waiting) -----------------
  async put(doc) {
    const res = await this.db.put(doc);
    this.pending[doc._id] = res.rev;
    delete this.denied[doc._id];
    this._persist();
    this._emit();
    return res;
  }

  // --- live sync ----------------------------------------------------------------------------
  start() {
    this.stop();
    const sync = this.db.sync(this.remote, {
      live: true,
      retry: true,
      batch_size: 50,
      back_off_function: (delay) => (delay === 0 ? 1000 : Math.min(delay * 2, 60000)),
    });
    this.sync = sync;
    this.state = navigator.onLine ? "active" : "offline";
    sync.on("change", (info) => {
      if (info.direction === "push") {
        for (const doc of info.change.docs || []) {
          if (this.pending[doc._id] === doc._rev) delete this.pending[doc._id];
        }
        this._persist();
      }
      this.lastError = null;
      this.dispatchEvent(new CustomEvent("change", { detail: info }));
      this._emit();
    });
    sync.on("denied", (info) => {
      const d = info.doc || info;
      const id = d.id || d.docId || (d.doc && d.doc._id);
      if (!id) return;
      this.denied[id] = { rev: this.pending[id] || null, reason: d.reason || d.message || d.name || "被服务器拒绝", at: new Date().toISOString() };
      delete this.pending[id];
      this._persist();
      this._emit();
    });
    sync.on("active", () => { this.state = "active"; this._emit(); });
    sync.on("paused", (err) => {
      if (err) {
        this.state = navigator.onLine ? "error" : "offline";
        this.lastError = err && (err.reason || err.message || err.name) || "连接失败";
      } else {
        this.state = "paused";
        this.lastError = null;
        this.lastSyncedAt = new Date();
        this._confirmPending();
      }
      this._emit();
    });
    sync.on("error", (err) => {
      this.state = "error";
      this.lastError = err && (err.reason || err.message) || String(err);
      this._emit();
    });
  }

  stop() {
    if (this.sync) { this.sync.cancel(); this.sync = null; }
  }

  async _confirmPending() {
    // After a crash between a push and the saving of its result, ask the server which of the
    // "waiting" revisions it already has (it answers from its index, no store call).
    const ids = Object.keys(this.pending);
    if (!ids.length || !navigator.onLine) return;
    try {
      const query = Object.fromEntries(ids.map((id) => [id, [this.pending[id]]]));
      const missing = await this.remote.revsDiff(query);
      let changed = false;
      for (const id of ids) {
        if (!missing[id] && this.pending[id] === query[id][0]) { delete this.pending[id]; changed = true; }
      }
      if (changed) { this._persist(); this._emit(); }
    } catch { /* offline again: keep them waiting */ }
  }

  waiting() { return Object.keys(this.pending); }
}
