// The field app (contract §14): sign-in, my inspections, an inspection's checklist, photos, quick
// tests, samples, close-out; everything written to PouchDB first and synced when there is a network.
import jsQR from "jsqr";
import { Store } from "./store.js";
import { evaluate, InputError } from "./quicktest.js";
import { checkLabel } from "./labels.js";
import { isoNow, localDate, uuid, sha256Hex, sha256Plain, normaliseName, debounce } from "./util.js";

const BASE = location.origin;
const SESSION = "fieldinspect.session";
const DEVICE = "fieldinspect.device";
const CATEGORY = { "food-paper-packaging": "食品用纸包装", "wire-cable": "电线电缆", "explosion-proof-electrical": "防爆电气",
  "grinding-wheel": "砂轮", "hazardous-chemical": "危险化学品", "hazchem-packaging": "危险化学品包装物、容器" };
const DOMAIN = { production: "生产", distribution: "流通", use: "使用" };
const VERDICT = { pass: "合格", fail: "不合格", invalid: "无法判定" };
const TYPE = { answer: "答案", photo: "照片", quicktest: "快检", sample: "样品", closeout: "完成检查" };

const app = { store: null, session: null, catalogue: null, view: null };
const $ = (sel, root = document) => root.querySelector(sel);
const main = () => $("#main");

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c.nodeType ? c : String(c));
  return el;
}

function deviceId() {
  let id = localStorage.getItem(DEVICE);
  if (!id) { id = `web-${uuid()}`; localStorage.setItem(DEVICE, id); }
  return id;
}

// The password itself is never kept: a salted PBKDF2-SHA256 of it (WebCrypto; a plain iterated
// SHA-256 where the page is not a secure context) lets the same user sign in again offline.
async function passwordHash(username, password, salt, scheme) {
  const text = `${salt}\u0000${username}\u0000${password}`;
  if (scheme === "pbkdf2" && globalThis.crypto && crypto.subtle) {
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(text), "PBKDF2", false, ["deriveBits"]);
    const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: new TextEncoder().encode(salt), iterations: 100000 }, key, 256);
    return [...new Uint8Array(bits)].map((x) => x.toString(16).padStart(2, "0")).join("");
  }
  let digest = new TextEncoder().encode(text);
  let hex = "";
  for (let i = 0; i < 1000; i++) { hex = sha256Plain(digest); digest = new TextEncoder().encode(hex + salt); }
  return hex;
}
const hashScheme = () => (globalThis.crypto && crypto.subtle ? "pbkdf2" : "sha256x1000");

// --- sign-in --------------------------------------------------------------------------------------
function renderSignIn(message = "") {
  document.body.classList.add("signed-out");
  const error = h("p", { id: "signin-error", class: "error", role: "alert" }, message);
  const form = h("form", { id: "signin", class: "card", onsubmit: (e) => { e.preventDefault(); signIn(form, error); } },
    h("h1", {}, "现场检查 · 登录"),
    h("label", {}, "用户名", h("input", { name: "username", autocomplete: "username", required: true, autocapitalize: "off" })),
    h("label", {}, "密码", h("input", { name: "password", type: "password", autocomplete: "current-password", required: true })),
    h("button", { type: "submit" }, "登录"),
    error,
    h("p", { class: "hint" }, "首次登录需要联网；之后断网也可以登录和工作。"));
  main().replaceChildren(form);
  $("#bar").hidden = true;
}

async function signIn(form, error) {
  const username = form.username.value.trim();
  const password = form.password.value;
  error.textContent = "正在登录…";
  const saved = JSON.parse(localStorage.getItem(`${SESSION}.${username}`) || "null");
  let token = null;
  try {
    const res = await fetch(`${BASE}/api/v1/auth/token/`, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username, password }) });
    if (res.status === 400 || res.status === 401) { error.textContent = "用户名或密码错误"; return; }
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    token = (await res.json()).token;
  } catch (err) {
    // no network: an earlier online sign-in of this user on this device lets them in
    if (saved && saved.hash && saved.hash === await passwordHash(username, password, saved.salt, saved.scheme)) token = saved.token;
    else { error.textContent = saved ? "用户名或密码错误（离线）" : "无法连接服务器；首次登录需要联网"; return; }
    localStorage.setItem(SESSION, username);
    await start(saved);
    return;
  }
  const session = { username, token, salt: uuid(), scheme: hashScheme(), hash: null };
  localStorage.setItem(`${SESSION}.${username}`, JSON.stringify({ ...session, hash: null }));
  localStorage.setItem(SESSION, username);
  // the offline check value is computed after the app has started, off the sign-in's path
  setTimeout(async () => {
    session.hash = await passwordHash(username, password, session.salt, session.scheme);
    localStorage.setItem(`${SESSION}.${username}`, JSON.stringify(session));
  }, 0);
  await start(session);
}

function signOut() {
  flushAll();
  localStorage.removeItem(SESSION);
  if (app.store) app.store.stop();
  app.store = null;
  location.hash = "";
  renderSignIn();
}

// --- start ----------------------------------------------------------------------------------------
async function start(session) {
  document.body.classList.remove("signed-out");
  app.session = session;
  app.store = new Store({ username: session.username, token: session.token, base: BASE });
  await app.store.open();
  loadDrafts();
  await replayDrafts();
  app.store.addEventListener("status", renderStatus);
  app.store.addEventListener("change", onSyncChange);
  app.catalogue = (await app.store._local("_local/quicktest-tables")).catalogue || null;
  $("#bar").hidden = false;
  $("#who").textContent = session.username;
  app.store.start();
  refreshCatalogue();
  app.store.db.changes({ since: "now", live: true }).on("change", onLocalChange);
  route();
}

async function refreshCatalogue() {
  if (!navigator.onLine) return;
  try {
    const res = await fetch(`${BASE}/api/v1/quicktests/tables/`, { headers: { Authorization: `Token ${app.session.token}` } });
    if (res.status === 401) { sessionExpired(); return; }
    if (!res.ok) return;
    const catalogue = await res.json();
    const doc = await app.store._local("_local/quicktest-tables");
    if (doc.catalogue && doc.catalogue.version === catalogue.version) return;
    doc.catalogue = catalogue;
    await app.store.db.put(doc);
    app.catalogue = catalogue;
  } catch { /* offline: the saved tables serve */ }
}

function sessionExpired() {
  const p = $("#sync-error");
  p.textContent = "登录已失效，请重新登录（本机记录不会丢失）";
}

// --- the status bar ----------------------------------------------------------------------------------
function renderStatus() {
  const store = app.store;
  if (!store) return;
  const waiting = [...new Set([...store.waiting(), ...Object.keys(drafts)])];
  const status = $("#sync-status");
  const offline = !navigator.onLine;
  if (!waiting.length) {
    status.textContent = offline ? "已同步（当前离线）" : `已同步${store.lastSyncedAt ? ` · ${store.lastSyncedAt.toLocaleTimeString("zh-CN")}` : ""}`;
  } else {
    const kinds = {};
    for (const id of waiting) { const t = TYPE[id.split(":")[0]] || id.split(":")[0]; kinds[t] = (kinds[t] || 0) + 1; }
    const list = Object.entries(kinds).map(([k, n]) => `${k} ${n}`).join("，");
    status.textContent = `待同步 ${waiting.length} 项（${list}）${offline ? " · 离线，联网后自动同步" : store.state === "error" ? " · 连接失败，稍后重试" : " · 正在同步…"}`;
  }
  status.dataset.waiting = String(waiting.length);
  $("#sync-error").textContent = store.lastError && !offline ? `同步出错：${store.lastError}` : "";
  const denied = Object.entries(store.denied);
  const box = $("#refused");
  box.hidden = !denied.length;
  box.replaceChildren(h("h2", {}, `服务器拒绝了 ${denied.length} 项记录（保留在本机，未删除）`),
    h("ul", {}, denied.map(([id, d]) => h("li", {}, h("code", {}, id), "：", d.reason))));
}

function onSyncChange(e) {
  if (e.detail.direction === "pull") scheduleRerender();
}
function onLocalChange(change) {
  if (change.id.startsWith("_local/")) return;
  // our own answer writes update the screen as they are typed: no need to read everything again
  if (change.id.startsWith("answer:") && app.store.pending[change.id] === change.changes[0].rev) return;
  scheduleRerender(change.id);
}
const scheduleRerender = debounce(() => { if (app.view && app.view.refresh) app.view.refresh(); }, 100);

// --- routing ----------------------------------------------------------------------------------------
function route() {
  flushAll();
  const m = /^#\/i\/([0-9a-f-]+)$/.exec(location.hash);
  if (m) renderInspection(m[1]);
  else renderList();
}
window.addEventListener("hashchange", () => { if (app.store) route(); });
window.addEventListener("online", () => { if (app.store) { app.store.start(); refreshCatalogue(); renderStatus(); } });
window.addEventListener("offline", renderStatus);
window.addEventListener("pagehide", () => flushAll());
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") flushAll(); });

// --- my inspections ------------------------------------------------------------------------------------
async function inspections() {
  const res = await app.store.db.allDocs({ startkey: "inspection:", endkey: "inspection:\ufff0", include_docs: true });
  return res.rows.map((r) => r.doc).filter((d) => d && !d._deleted);
}

async function renderList() {
  const view = { refresh: () => renderList() };
  app.view = view;
  const all = await inspections();
  if (app.view !== view) return;
  const today = localDate();
  const groups = [["今天", all.filter((d) => d.scheduled_for === today).sort(byName)],
    ["即将进行", all.filter((d) => d.scheduled_for > today).sort((a, b) => a.scheduled_for.localeCompare(b.scheduled_for) || byName(a, b))],
    ["以前的", all.filter((d) => d.scheduled_for < today).sort((a, b) => b.scheduled_for.localeCompare(a.scheduled_for) || byName(a, b))]];
  const body = [h("h1", {}, "我的检查任务")];
  if (!all.length) body.push(h("p", { class: "hint" }, navigator.onLine ? "正在从服务器取得检查任务…" : "本机还没有检查任务；联网后会自动同步。"));
  for (const [title, list] of groups) {
    if (!list.length) continue;
    body.push(h("section", { class: "group" }, h("h2", {}, `${title}（${list.length}）`),
      h("ul", { class: "inspections" }, list.map((d) => h("li", {},
        h("a", { href: `#/i/${d.inspection_id}` }, h("strong", {}, d.enterprise.name),
          h("span", { class: "meta" }, ` ${CATEGORY[d.product_category] || d.product_category} · ${DOMAIN[d.domain] || d.domain} · ${d.scheduled_for}${d.status && d.status !== "assigned" ? ` · ${d.status}` : ""}`)))))));
  }
  main().replaceChildren(...body);
}
const byName = (a, b) => a.enterprise.name.localeCompare(b.enterprise.name, "zh-CN");

// --- an inspection ------------------------------------------------------------------------------------
const writers = new Map(); // doc id → debounced writer (answers being typed)
function flushAll() { for (const w of writers.values()) w.flush(); }

async function renderInspection(id) {
  const db = app.store.db;
  let inspection;
  try { inspection = await db.get(`inspection:${id}`); } catch { main().replaceChildren(h("p", {}, "本机没有该检查任务。"), backLink()); return; }
  let checklist;
  try { checklist = await db.get(inspection.checklist_id); } catch { main().replaceChildren(backLink(), h("p", {}, "检查表尚未同步到本机，请联网同步。")); return; }
  const view = { id, inspection, checklist, controls: new Map(), itemInfo: new Map(), editing: new Set() };
  app.view = view;
  const items = checklist.sections.flatMap((s) => s.items);
  view.items = items;

  const sections = checklist.sections.map((section) => h("section", { class: "section" },
    h("h2", {}, section.title),
    section.items.map((item) => renderItem(view, item))));
  const itemOptions = [h("option", { value: "" }, "（不对应具体检查项）"), ...items.map((it) => h("option", { value: it.code }, `${it.code} ${it.prompt.slice(0, 40)}`))];
  const photoItem = h("select", { id: "photo-item", "aria-label": "照片所证明的检查项" }, itemOptions);
  const photoInput = h("input", { type: "file", accept: "image/jpeg,image/png,image/webp", capture: "environment", hidden: true, id: "photo-file",
    onchange: (e) => addPhoto(view, e.target.files[0], photoItem.value).finally(() => { e.target.value = ""; }) });
  const photos = h("section", { class: "section", id: "photos", "aria-labelledby": "photos-title" }, h("h2", { id: "photos-title" }, "照片"),
    h("div", { class: "row" }, h("label", {}, "照片证明的检查项 ", photoItem),
      h("button", { type: "button", onclick: () => photoInput.click() }, "拍照"), photoInput),
    h("p", { id: "photo-message", class: "hint", "aria-live": "polite" }),
    h("ul", { id: "photo-list", class: "thumbs" }));
  main().replaceChildren(
    backLink(),
    h("h1", {}, inspection.enterprise.name),
    h("p", { class: "meta" }, `${CATEGORY[inspection.product_category] || ""} · ${DOMAIN[inspection.domain] || ""} · 计划 ${inspection.scheduled_for} · ${inspection.enterprise.address || ""} · ${checklist.title}`),
    h("p", { id: "completeness", class: "completeness", "aria-live": "polite" }),
    h("div", { id: "conflicts", role: "region", "aria-label": "冲突" }),
    ...sections, photos, renderSamples(view), renderCloseout(view));
  view.refresh = () => loadInspectionDocs(view);
  await loadInspectionDocs(view);
}

function backLink() { return h("p", {}, h("a", { href: "#/" }, "← 我的检查任务")); }

function marks(item) {
  return [item.required ? h("span", { class: "mark req" }, "必填") : null,
    item.photo_required ? h("span", { class: "mark photo" }, "需照片") : null];
}

function renderItem(view, item) {
  const pid = `p-${item.code}`;
  const prompt = h("span", { id: pid, class: "prompt" }, item.prompt);
  const info = h("span", { class: "item-info", id: `info-${item.code}` });
  view.itemInfo.set(item.code, info);
  const markSpan = h("span", { id: `m-${item.code}`, class: "marks" }, marks(item));
  const labelledby = `${pid} m-${item.code}`;
  const save = (value) => queueAnswer(view, item, value);
  let control;
  if (item.kind === "boolean" || item.kind === "choice") {
    const options = item.kind === "boolean" ? [{ value: true, label: "符合" }, { value: false, label: "不符合" }] : item.options;
    control = h("div", { role: "radiogroup", "aria-labelledby": labelledby, class: "choices" },
      options.map((o) => h("label", {}, h("input", { type: "radio", name: `r-${item.code}`, value: JSON.stringify(o.value),
        onchange: (e) => save(JSON.parse(e.target.value)) }), o.label)));
    control.setValue = (v) => { for (const r of control.querySelectorAll("input")) r.checked = JSON.stringify(v) === r.value; };
  } else if (item.kind === "number") {
    control = h("input", { type: "number", inputmode: "decimal", step: "any", id: `c-${item.code}`, "aria-labelledby": labelledby,
      oninput: (e) => { const v = e.target.value === "" ? null : Number(e.target.value); if (v !== null && Number.isFinite(v)) save(v); } });
    control.setValue = (v) => { if (document.activeElement !== control) control.value = v ?? ""; };
  } else if (item.kind === "text") {
    control = h("textarea", { rows: 2, maxlength: 2000, id: `c-${item.code}`, "aria-labelledby": labelledby, oninput: (e) => save(e.target.value) });
    control.setValue = (v) => { if (document.activeElement !== control) control.value = v ?? ""; };
  } else if (item.kind === "quicktest") {
    return h("div", { class: "item quicktest", id: `item-${item.code}` }, renderQuickTest(view, item, labelledby, prompt, markSpan), info);
  } else {
    control = h("p", {}, `（未知题型 ${item.kind}）`);
  }
  view.controls.set(item.code, control);
  const unit = item.unit ? h("span", { class: "unit" }, ` ${item.unit}`) : null;
  return h("div", { class: "item", id: `item-${item.code}` }, h("div", { class: "q" }, prompt, " ", markSpan), h("div", { class: "a" }, control, unit), info);
}

// Answers: the input handler only remembers the value (in memory and, synchronously, as a draft in
// localStorage, so a reload or a crash right after typing loses nothing) and (re)starts a timer; the
// database write happens later, one at a time per document, so typing never waits on IndexedDB.
// Drafts left by a page that closed before its write are written at the next start.
const draftsKey = () => `fieldinspect.drafts.${app.session.username}`;
let drafts = {};
function loadDrafts() { try { drafts = JSON.parse(localStorage.getItem(draftsKey()) || "{}"); } catch { drafts = {}; } }
function saveDrafts() { localStorage.setItem(draftsKey(), JSON.stringify(drafts)); }

function queueAnswer(view, item, value) {
  const id = `answer:${view.id}:${item.code}`;
  view.editing.add(id);
  const first = !drafts[id];
  drafts[id] = { inspection_id: view.id, item_code: item.code, value };
  saveDrafts();
  if (first) renderStatus();
  let writer = writers.get(id);
  if (!writer) {
    let chain = Promise.resolve();
    writer = debounce((v) => {
      chain = chain.then(() => writeAnswer(view.id, item.code, id, v)).then(() => view.editing.delete(id))
        .catch((err) => showItemError(item, err));
    }, 400);
    writers.set(id, writer);
  }
  writer(value);
}

async function writeAnswer(inspectionId, itemCode, id, value) {
  const db = app.store.db;
  let existing = null;
  try { existing = await db.get(id); } catch { /* new */ }
  const doc = { ...(existing || {}), _id: id, type: "answer", inspection_id: inspectionId, item_code: itemCode, value,
    note: existing?.note || "", answered_at: isoNow(), author: app.session.username, device_id: deviceId() };
  await app.store.put(doc);
  if (drafts[id] && JSON.stringify(drafts[id].value) === JSON.stringify(value)) { delete drafts[id]; saveDrafts(); }
  const view = app.view;
  if (view && view.id === inspectionId && view.state && !view.state.answered.has(itemCode)) {
    view.state.answered.add(itemCode);
    renderCompleteness(view);
  }
}

async function replayDrafts() {
  for (const [id, d] of Object.entries(drafts)) {
    try { await writeAnswer(d.inspection_id, d.item_code, id, d.value); } catch (err) { console.error("draft", id, err); }
  }
}

function showItemError(item, err) {
  const info = document.getElementById(`info-${item.code}`);
  if (info) info.textContent = `保存失败：${err.message || err}`;
}

async function loadInspectionDocs(view) {
  if (app.view !== view) return;
  const db = app.store.db;
  const prefix = (p) => db.allDocs({ startkey: p, endkey: `${p}\ufff0`, include_docs: true, conflicts: true });
  const answers = (await prefix(`answer:${view.id}:`)).rows.map((r) => r.doc);
  const mine = (await db.allDocs({ startkey: "photo:", endkey: "photo:\ufff0", include_docs: true })).rows.map((r) => r.doc)
    .filter((d) => d.inspection_id === view.id);
  const tests = (await db.allDocs({ startkey: "quicktest:", endkey: "quicktest:\ufff0", include_docs: true })).rows.map((r) => r.doc)
    .filter((d) => d.inspection_id === view.id);
  const samples = (await db.allDocs({ startkey: "sample:", endkey: "sample:\ufff0", include_docs: true })).rows.map((r) => r.doc)
    .filter((d) => d.inspection_id === view.id);
  let closeout = null;
  try { closeout = await db.get(`closeout:${view.id}`); } catch { /* none yet */ }
  if (app.view !== view) return;
  view.docs = { answers, photos: mine, tests, samples, closeout };

  const byItem = new Map(answers.map((a) => [a.item_code, a]));
  const photosByItem = new Map();
  for (const p of mine) if (p.item_code) photosByItem.set(p.item_code, (photosByItem.get(p.item_code) || 0) + 1);
  const testsByItem = new Map();
  for (const t of tests) { if (!testsByItem.has(t.item_code)) testsByItem.set(t.item_code, []); testsByItem.get(t.item_code).push(t); }
  for (const item of view.items) {
    const answer = byItem.get(item.code);
    const control = view.controls.get(item.code);
    if (control && answer && !view.editing.has(answer._id) && control.setValue) control.setValue(answer.value);
    const info = view.itemInfo.get(item.code);
    const bits = [];
    if (item.photo_required || photosByItem.get(item.code)) bits.push(`照片 ${photosByItem.get(item.code) || 0} 张`);
    if (answer && answer._conflicts && answer._conflicts.length) bits.push("⚠ 冲突：两台设备修改过此项，服务器保留两个版本，等待监管人员裁定");
    if (info) info.textContent = bits.join(" · ");
    if (item.kind === "quicktest") renderTestList(view, item, testsByItem.get(item.code) || []);
  }
  view.state = { answered: new Set(byItem.keys()), tested: new Set(testsByItem.keys()), photos: photosByItem };
  renderCompleteness(view);
  // conflicts
  const conflicted = answers.filter((a) => a._conflicts && a._conflicts.length);
  const box = $("#conflicts");
  box.replaceChildren();
  if (conflicted.length) {
    const details = await Promise.all(conflicted.map(async (a) => {
      const others = await Promise.all(a._conflicts.map((rev) => db.get(a._id, { rev }).catch(() => null)));
      return [a, others.filter(Boolean)];
    }));
    box.append(h("div", { class: "conflict", role: "alert" },
      h("h2", {}, `有 ${conflicted.length} 项在两台设备上被修改`),
      h("p", {}, "服务器保留了两个版本，监管人员审核时裁定；本机不会自动覆盖任何一方。"),
      h("ul", {}, details.map(([a, others]) => h("li", {}, `${a.item_code}：`,
        [a, ...others].map((d) => `${fmtValue(d.value)}（${d.author}，${d.answered_at}）`).join(" 与 "))))));
  }
  renderPhotoList(view, mine);
  renderSampleList(view, samples);
  renderCloseoutState(view, closeout);
}

// completeness, as far as the device can tell (photos count once taken; the server verifies them)
function renderCompleteness(view) {
  const { answered: answeredSet, tested, photos } = view.state;
  let required = 0, done = 0;
  const missing = [];
  for (const item of view.items) {
    const isQt = item.kind === "quicktest";
    const answered = isQt ? tested.has(item.code) : answeredSet.has(item.code);
    const needsPhoto = item.photo_required && (item.required || answered) && !photos.get(item.code);
    if (item.required || (item.photo_required && answered)) {
      required += 1;
      if ((!item.required || answered) && !needsPhoto) done += 1; else missing.push(item.code);
    }
  }
  const el = $("#completeness");
  if (el) el.textContent = `完成度：必填 ${done} / ${required}${missing.length ? `；未完成：${missing.join("、")}` : "；全部完成"}`;
}

const fmtValue = (v) => (v === true ? "符合" : v === false ? "不符合" : String(v));

// --- photos ------------------------------------------------------------------------------------------
async function addPhoto(view, file, itemCode) {
  const msg = $("#photo-message");
  if (!file) return;
  if (!["image/jpeg", "image/png", "image/webp"].includes(file.type)) { msg.textContent = "只接受 JPEG、PNG 或 WebP 照片"; return; }
  if (file.size > 20 * 1024 * 1024) { msg.textContent = "照片超过 20 MB"; return; }
  msg.textContent = "正在保存照片…";
  // the file's own bytes (EXIF kept), never a canvas re-encode
  const bytes = await file.arrayBuffer();
  const sha256 = await sha256Hex(bytes);
  const doc = { _id: `photo:${uuid()}`, type: "photo", inspection_id: view.id, taken_at: isoNow(), sha256, caption: file.name || "",
    author: app.session.username, device_id: deviceId(),
    _attachments: { image: { content_type: file.type, data: new Blob([bytes], { type: file.type }) } } };
  if (itemCode) doc.item_code = itemCode;
  await app.store.put(doc);
  msg.textContent = `已保存照片（${Math.round(file.size / 1024)} KB）`;
}

function renderPhotoList(view, photos) {
  const list = $("#photo-list");
  if (!list) return;
  for (const img of list.querySelectorAll("img")) URL.revokeObjectURL(img.src);
  list.replaceChildren(...photos.map((p) => {
    const li = h("li", {}, h("span", {}, `${p.item_code || "整体"} · ${p.taken_at.slice(11, 16)}`));
    app.store.db.getAttachment(p._id, "image").then((blob) => {
      li.prepend(h("img", { src: URL.createObjectURL(blob), alt: `照片 ${p.item_code || ""}`, width: 96, height: 72 }));
    }).catch(() => {});
    return li;
  }));
}

// --- quick tests ------------------------------------------------------------------------------------------
const INPUT_LABELS = { copper: "铜", aluminium: "铝", blue: "蓝", yellow: "黄", red: "红", green: "绿" };

function renderQuickTest(view, item, labelledby, prompt, markSpan) {
  const method = app.catalogue && app.catalogue.methods[item.method];
  const fs = h("fieldset", { role: "group", "aria-labelledby": labelledby, class: "qt" }, h("legend", {}, prompt, " ", markSpan));
  if (!method) {
    fs.append(h("p", { class: "hint" }, "快检判定表尚未下载：联网登录一次后可离线使用。"));
    return fs;
  }
  const fields = {};
  const inputs = Object.entries(method.inputs).map(([name, spec]) => {
    const label = `${spec.description}${spec.unit ? `（${spec.unit}）` : ""}`;
    let el;
    if (spec.type === "choice" || (spec.type === "integer" && spec.options)) {
      el = h("select", { name }, h("option", { value: "" }, "—"), spec.options.map((o) => h("option", { value: JSON.stringify(o) }, INPUT_LABELS[o] || String(o))));
      el.read = () => (el.value === "" ? undefined : JSON.parse(el.value));
    } else if (spec.type === "boolean") {
      el = h("select", { name }, h("option", { value: "" }, "—"), h("option", { value: "true" }, "是"), h("option", { value: "false" }, "否"));
      el.read = () => (el.value === "" ? undefined : el.value === "true");
    } else if (spec.type === "list[choice]") {
      el = h("span", { class: "checks" }, spec.options.map((o) => h("label", {}, h("input", { type: "checkbox", value: o }), INPUT_LABELS[o] || o)));
      el.read = () => [...el.querySelectorAll("input:checked")].map((c) => c.value);
    } else if (spec.type === "list[number]") {
      el = h("input", { name, inputmode: "decimal", placeholder: "用空格或逗号分隔，如 0.82 0.79 0.85" });
      el.read = () => (el.value.trim() === "" ? undefined : el.value.split(/[\s,，、;；]+/).filter(Boolean).map(Number));
    } else if (spec.type === "number" || spec.type === "integer") {
      el = h("input", { name, type: "number", step: "any", inputmode: "decimal" });
      el.read = () => (el.value === "" ? undefined : Number(el.value));
    } else {
      el = h("input", { name });
      el.read = () => (el.value === "" ? undefined : el.value);
    }
    fields[name] = el;
    return h("label", { class: "qt-input" }, `${label}${spec.required ? " *" : ""} `, el);
  });
  const model = h("input", { name: "instrument_model" });
  const serial = h("input", { name: "instrument_serial" });
  const out = h("p", { class: "verdict", "aria-live": "polite" });
  const record = h("button", { type: "button", onclick: async () => {
    const values = {};
    for (const [name, el] of Object.entries(fields)) { const v = el.read(); if (v !== undefined) values[name] = v; }
    let judgement;
    try { judgement = evaluate(item.method, values, app.catalogue.methods); } catch (err) {
      out.textContent = err instanceof InputError ? `输入有误：${method.inputs[err.field.replace(/^inputs\./, "").replace(/\[\d+\]$/, "")]?.description || err.field}：${err.detail}` : String(err);
      out.className = "verdict invalid";
      return;
    }
    const doc = { _id: `quicktest:${uuid()}`, type: "quicktest", inspection_id: view.id, item_code: item.code, method: item.method,
      inputs: values, instrument: { model: model.value, serial: serial.value }, measured_at: isoNow(), device_verdict: judgement.verdict,
      author: app.session.username, device_id: deviceId() };
    await app.store.put(doc);
    out.className = `verdict ${judgement.verdict}`;
    out.textContent = `判定：${VERDICT[judgement.verdict]}${describe(judgement)}`;
  } }, "记录快检");
  fs.append(...inputs, h("label", { class: "qt-input" }, "仪器型号 ", model), h("label", { class: "qt-input" }, "仪器编号 ", serial), record, out,
    h("ul", { class: "qt-list", id: `qt-list-${item.code}` }));
  return fs;
}

function describe(j) {
  if (j.verdict === "invalid") return `（${j.result.reason}）`;
  if (typeof j.result === "number" && typeof j.limit === "number") return `（结果 ${Number(j.result.toPrecision(6))}，限值 ${j.limit}）`;
  if (j.result && j.result.problems && j.result.problems.length) return `（${j.result.problems.join("；")}）`;
  if (j.result && j.result.mean_mm !== undefined) return `（平均 ${j.result.mean_mm} mm，最薄 ${j.result.min_mm} mm）`;
  return "";
}

function renderTestList(view, item, tests) {
  const list = document.getElementById(`qt-list-${item.code}`);
  if (!list) return;
  list.replaceChildren(...tests.sort((a, b) => a.measured_at.localeCompare(b.measured_at)).map((t) =>
    h("li", { class: `verdict ${t.device_verdict || ""}` }, `${t.measured_at.slice(11, 16)} 已记录：${VERDICT[t.device_verdict] || "—"}`)));
}

// --- samples and label scanning ------------------------------------------------------------------------------
async function unqualifiedMatch(manufacturer, model) {
  const m = normaliseName(manufacturer), k = normaliseName(model);
  if (!m || !k) return null;
  const res = await app.store.db.allDocs({ startkey: "unqualified-product:", endkey: "unqualified-product:\ufff0", include_docs: true });
  return res.rows.map((r) => r.doc).find((d) => !d.rectified && normaliseName(d.manufacturer) === m && normaliseName(d.model) === k) || null;
}

function renderSamples(view) {
  const f = {};
  const field = (name, label, attrs = {}) => { f[name] = h("input", { name, ...attrs }); return h("label", { class: "qt-input" }, `${label} `, f[name]); };
  const labelMsg = h("p", { id: "label-check", class: "hint", "aria-live": "polite" });
  const alertBox = h("div", { id: "unqualified-alert" });
  const checkTyped = () => {
    const v = f.label.value;
    if (!v.trim()) { labelMsg.textContent = ""; return null; }
    const r = checkLabel(v);
    labelMsg.textContent = r.ok ? `封条编号 ${r.code} 校验位正确 ✓` : r.error;
    labelMsg.className = r.ok ? "hint ok" : "hint error";
    return r;
  };
  const checkProduct = debounce(async () => {
    const match = await unqualifiedMatch(f.manufacturer.value, f.model.value);
    alertBox.replaceChildren(match ? h("p", { role: "alert", class: "alert" },
      `注意：该产品在不合格产品名单中（${match.product_name || ""} ${match.model}，${match.manufacturer}，${match.found_in || ""}），且尚未整改。`) : "");
  }, 250);
  const form = h("form", { id: "sample-form", onsubmit: async (e) => {
    e.preventDefault();
    const r = checkTyped();
    if (!r || !r.ok) { labelMsg.textContent = r ? r.error : "请扫描或输入封条编号"; return; }
    if (!f.name.value.trim()) { labelMsg.textContent = "请填写产品名称"; return; }
    const id = `sample:${r.code}`;
    let existing = null;
    try { existing = await app.store.db.get(id); } catch { /* new */ }
    const quantity = f.quantity.value === "" ? null : Number(f.quantity.value);
    await app.store.put({ ...(existing || {}), _id: id, type: "sample", inspection_id: view.id, label_code: r.code,
      product: { name: f.name.value.trim(), model: f.model.value.trim(), batch: f.batch.value.trim(), brand: f.brand.value.trim(),
        manufacturer: f.manufacturer.value.trim(), production_date: f.production_date.value.trim(), scanned_code: f.scanned_code.value.trim() },
      quantity, unit: f.unit.value.trim() || "件", sealed_at: isoNow(), photo_ids: existing?.photo_ids || [],
      author: app.session.username, device_id: deviceId() });
    labelMsg.textContent = `样品 ${r.code} 已保存`;
    for (const k of Object.keys(f)) if (k !== "unit") f[k].value = "";
  } },
    h("div", { class: "row" }, field("label", "封条编号", { autocapitalize: "characters", placeholder: "JY-445202-000123-1", oninput: () => checkTyped() }),
      h("button", { type: "button", onclick: () => scan((text) => { f.label.value = text; checkTyped(); }) }, "扫码")),
    labelMsg,
    field("name", "产品名称"), field("model", "型号规格", { oninput: () => checkProduct() }),
    field("manufacturer", "生产企业", { oninput: () => checkProduct() }), field("brand", "商标"), field("batch", "批号"),
    field("production_date", "生产日期"),
    h("div", { class: "row" }, field("scanned_code", "产品二维码内容"),
      h("button", { type: "button", onclick: () => scan((text) => { f.scanned_code.value = text; productFromCode(text, f).then(() => checkProduct()); }) }, "扫产品码")),
    field("quantity", "数量", { type: "number", step: "any", min: "0" }), field("unit", "单位", { value: "件" }),
    alertBox,
    h("button", { type: "submit" }, "保存样品"));
  return h("section", { class: "section", id: "samples", "aria-labelledby": "samples-title" }, h("h2", { id: "samples-title" }, "抽样"), form, h("ul", { id: "sample-list" }));
}

async function productFromCode(text, f) {
  // A product QR often carries "key:value" pairs or JSON; fill what it names, keep the raw text.
  try {
    const data = JSON.parse(text);
    if (data && typeof data === "object") {
      for (const [k, target] of [["manufacturer", "manufacturer"], ["model", "model"], ["name", "name"], ["batch", "batch"], ["brand", "brand"]]) {
        if (typeof data[k] === "string" && !f[target].value) f[target].value = data[k];
      }
    }
  } catch { /* plain text: kept as scanned_code only */ }
}

function renderSampleList(view, samples) {
  const list = $("#sample-list");
  if (!list) return;
  list.replaceChildren(...samples.map((s) => h("li", {}, `${s.label_code} · ${s.product?.name || ""} ${s.product?.model || ""}`)));
}

// Scanning: the camera where there is one (BarcodeDetector where the browser has it, jsQR on the
// video frames otherwise); without a camera, a photo of the code decoded the same way; typed entry
// always works.
async function scan(onText) {
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    try { await scanCamera(onText); return; } catch { /* no camera or refused: fall back to a photo */ }
  }
  scanFile(onText);
}

function scanFile(onText) {
  const input = h("input", { type: "file", accept: "image/*", capture: "environment", hidden: true });
  input.addEventListener("change", async () => {
    const file = input.files[0];
    input.remove();
    if (!file) return;
    const text = await decodeImage(file).catch(() => null);
    const msg = $("#label-check");
    if (text) onText(text); else if (msg) msg.textContent = "未能从图片识别二维码，请重拍或手工输入";
  });
  document.body.append(input);
  input.click();
}

function decodePixels(source, width, height) {
  const scale = Math.min(1, 1280 / Math.max(width, height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(width * scale)); canvas.height = Math.max(1, Math.round(height * scale));
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
  const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const code = jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" });
  return code ? code.data : null;
}

async function decodeImage(file) {
  const bitmap = await createImageBitmap(file);
  if ("BarcodeDetector" in window) {
    try {
      const found = await new window.BarcodeDetector({ formats: ["qr_code"] }).detect(bitmap);
      if (found.length) return found[0].rawValue;
    } catch { /* fall through to jsQR */ }
  }
  return decodePixels(bitmap, bitmap.width, bitmap.height);
}

async function scanCamera(onText) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  const video = h("video", { autoplay: true, playsinline: true, muted: true });
  video.srcObject = stream;
  let done = false;
  const close = () => { done = true; stream.getTracks().forEach((t) => t.stop()); overlay.remove(); };
  const overlay = h("div", { class: "overlay", role: "dialog", "aria-label": "扫描二维码" },
    h("div", {}, video, h("p", { class: "hint" }, "将二维码对准取景框"),
      h("button", { type: "button", onclick: close }, "取消"),
      h("button", { type: "button", onclick: () => { close(); scanFile(onText); } }, "从照片识别")));
  document.body.append(overlay);
  const detector = "BarcodeDetector" in window ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
  await video.play().catch(() => {});
  while (!done) {
    let text = null;
    try {
      if (video.readyState >= 2 && video.videoWidth) {
        if (detector) { const found = await detector.detect(video); text = found.length ? found[0].rawValue : null; }
        else text = decodePixels(video, video.videoWidth, video.videoHeight);
      }
    } catch { /* frame not ready */ }
    if (text) { close(); onText(text); return; }
    await new Promise((r) => setTimeout(r, 150));
  }
}

// --- close-out ------------------------------------------------------------------------------------------
function renderCloseout(view) {
  const name = h("input", { name: "representative_name", autocomplete: "off" });
  const title = h("input", { name: "representative_title" });
  const summary = h("textarea", { name: "summary", rows: 3 });
  const canvas = h("canvas", { width: 600, height: 200, class: "signature", role: "img", "aria-label": "代表签名（在此处签名）" });
  const msg = h("p", { id: "closeout-message", class: "hint", "aria-live": "polite" });
  let drawn = false;
  const ctx = canvas.getContext("2d");
  ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
  let last = null;
  const pos = (e) => { const r = canvas.getBoundingClientRect(); return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height]; };
  canvas.addEventListener("pointerdown", (e) => { canvas.setPointerCapture?.(e.pointerId); last = pos(e); });
  canvas.addEventListener("pointermove", (e) => {
    if (!last) return;
    const p = pos(e);
    ctx.beginPath(); ctx.moveTo(...last); ctx.lineTo(...p); ctx.stroke();
    last = p; drawn = true;
  });
  const end = () => { last = null; };
  canvas.addEventListener("pointerup", end); canvas.addEventListener("pointercancel", end);
  const clear = h("button", { type: "button", onclick: () => { ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false; } }, "清除签名");
  const finish = h("button", { type: "button", class: "primary", onclick: async () => {
    flushAll();
    if (!name.value.trim()) { msg.textContent = "请填写被检查单位代表姓名"; name.focus(); return; }
    const doc = { _id: `closeout:${view.id}`, type: "closeout", inspection_id: view.id, finished_at: isoNow(), summary: summary.value.trim(),
      representative: { name: name.value.trim(), title: title.value.trim() }, author: app.session.username, device_id: deviceId() };
    try {
      const old = await app.store.db.get(doc._id);
      doc._rev = old._rev;
      if (old._attachments) doc._attachments = old._attachments; // a signature given before is kept
    } catch { /* first close-out */ }
    if (drawn) {
      const blob = await new Promise((r) => canvas.toBlob(r, "image/png"));
      doc._attachments = { signature: { content_type: "image/png", data: blob } };
    }
    await app.store.put(doc);
    msg.textContent = `已完成检查（${doc.finished_at.slice(0, 16).replace("T", " ")}），联网后同步到服务器`;
  } }, "完成检查");
  return h("section", { class: "section", id: "closeout", "aria-labelledby": "closeout-title" }, h("h2", { id: "closeout-title" }, "检查结束与签名"),
    h("label", { class: "qt-input" }, "被检查单位代表姓名 ", name), h("label", { class: "qt-input" }, "职务 ", title),
    h("label", { class: "qt-input" }, "检查小结 ", summary), h("p", { class: "hint" }, "请被检查单位代表在下方签名："), canvas,
    h("div", { class: "row" }, clear, finish), msg);
}

function renderCloseoutState(view, closeout) {
  const msg = $("#closeout-message");
  if (msg && closeout && !msg.textContent) msg.textContent = `已完成检查（${closeout.finished_at.slice(0, 16).replace("T", " ")}，代表 ${closeout.representative?.name || ""}）`;
}

// --- boot ------------------------------------------------------------------------------------------------
async function boot() {
  $("#sync-now").addEventListener("click", () => {
    if (!app.store) return;
    flushAll();
    app.store.start();
    refreshCatalogue();
    renderStatus();
  });
  $("#sign-out").addEventListener("click", signOut);
  if ("serviceWorker" in navigator) registerServiceWorker();
  const username = localStorage.getItem(SESSION);
  const session = username && JSON.parse(localStorage.getItem(`${SESSION}.${username}`) || "null");
  if (session && session.token) await start(session);
  else renderSignIn();
}

function registerServiceWorker() {
  navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" }).then((reg) => {
    // A new version waits until nothing is being typed: its activation reloads the page, and the
    // reload happens only after every answer has been written to the database.
    const offer = (worker) => {
      const bar = $("#update");
      bar.hidden = false;
      bar.replaceChildren("有新版本。", h("button", { type: "button", onclick: async () => {
        flushAll();
        await Promise.resolve(app.store && app.store._saving);
        worker.postMessage({ type: "skip-waiting" });
      } }, "更新"));
    };
    if (reg.waiting && navigator.serviceWorker.controller) offer(reg.waiting);
    reg.addEventListener("updatefound", () => {
      const worker = reg.installing;
      worker && worker.addEventListener("statechange", () => {
        if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker);
      });
    });
  }).catch((err) => console.warn("service worker", err));
  // The first install claims this page without a reload; only a new version taking over (after the
  // inspector pressed 更新) reloads it.
  const hadController = Boolean(navigator.serviceWorker.controller);
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading || !hadController) return;
    reloading = true;
    flushAll();
    location.reload();
  });
}

window.fieldApp = app; // for benchmarks and debugging
boot();
