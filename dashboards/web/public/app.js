// Satellite's web page, client side: renders the fleet (one tile per host, updated in place from
// the server-sent events of /api/v1/live), and the panels for alerts, pages, silences, the
// scheduler and history, each refetched from its part's JSON endpoint when the stream says that
// topic changed. Plain DOM, no framework: 5,000 tiles are 5,000 small elements updated by key.

const $ = (sel) => document.querySelector(sel);
const tiles = new Map(); // host -> { el, tile }
const fleet = $("#fleet");
let features = {};
let filter = "";

// ---- helpers --------------------------------------------------------------------------------
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
  return e;
}
// Times arrive as unix seconds (fleet) or ISO strings (alerting).
function seconds(t) {
  return typeof t === "string" ? Date.parse(t) / 1000 : t;
}
function ago(t) {
  if (!t) return "";
  const s = Math.max(0, Date.now() / 1000 - seconds(t));
  if (s < 60) return `${Math.round(s)}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}
function clock(t) {
  return t ? new Date(seconds(t) * 1000).toLocaleTimeString() : "";
}
async function getJson(url) {
  const r = await fetch(url, { headers: { accept: "application/json" } });
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.json();
}
// Mutating requests carry the bearer token when the server asks for one (kept in localStorage).
async function send(method, url, body) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const headers = { "content-type": "application/json" };
    const token = localStorage.getItem("satellite-token");
    if (token) headers.authorization = `Bearer ${token}`;
    const r = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if ((r.status === 401 || r.status === 403) && attempt === 0) {
      const t = prompt("This Satellite needs its API token (SATELLITE_API_TOKEN) for changes:");
      if (!t) return r;
      localStorage.setItem("satellite-token", t);
      continue;
    }
    return r;
  }
}
function debounce(fn, ms) {
  let timer;
  return () => { clearTimeout(timer); timer = setTimeout(fn, ms); };
}

// ---- fleet ----------------------------------------------------------------------------------
// Wire form of a tile: [host, health, reason, services, lastSeen, schedulable 1/0/null, scheduleReasons]
function tileClass(t) {
  return `t ${t[1]}${t[5] === 0 ? " out" : ""}${matches(t) ? "" : " hidden"}`;
}
function matches(t) {
  if (!filter) return true;
  return t[0].toLowerCase().includes(filter) || t[2].toLowerCase().includes(filter) || t[6].join(" ").toLowerCase().includes(filter);
}
function describeTile(t) {
  const lines = [`${t[0]} — ${t[1]}`];
  if (t[2]) lines.push(t[2]);
  if (t[5] === 0) lines.push(`not schedulable: ${t[6].join("; ") || "(no reason given)"}`);
  else if (t[5] === 1 && t[6].length) lines.push(t[6].join("; "));
  lines.push(`${t[3]} live events, last seen ${ago(t[4])}`);
  return lines.join("\n");
}
function newTileElement(t) {
  return el("div", { class: tileClass(t), role: "listitem", "data-host": t[0], "data-health": t[1], "aria-label": `${t[0]} ${t[1]}` });
}
// Updates known tiles in place; new hosts are added and the grid re-ordered by name in one pass
// (placing each newcomer by scanning the grid would be quadratic for a burst of 5,000).
function putTiles(changed) {
  let added = false;
  for (const t of changed) {
    const entry = tiles.get(t[0]);
    if (!entry) {
      tiles.set(t[0], { el: newTileElement(t), tile: t });
      added = true;
      continue;
    }
    entry.tile = t;
    entry.el.className = tileClass(t);
    entry.el.dataset.health = t[1];
    entry.el.setAttribute("aria-label", `${t[0]} ${t[1]}`);
  }
  if (added) {
    const frag = document.createDocumentFragment();
    for (const host of [...tiles.keys()].sort()) frag.append(tiles.get(host).el);
    fleet.append(frag);
  }
}
function renderCounts() {
  const n = { ok: 0, warning: 0, critical: 0, silent: 0, out: 0 };
  for (const { tile } of tiles.values()) { n[tile[1]]++; if (tile[5] === 0) n.out++; }
  $("#fleet-total").textContent = `${tiles.size} hosts`;
  const c = $("#counts");
  c.replaceChildren(...["ok", "warning", "critical", "silent"].map((h) => el("span", {}, el("b", { class: h }, n[h]), ` ${h}`)), el("span", {}, el("b", {}, n.out), " out of scheduling"));
}
function snapshot(data) {
  features = data.features || {};
  fleet.replaceChildren();
  tiles.clear();
  putTiles(data.hosts);
  renderCounts();
  for (const [panel, on] of Object.entries(features)) { const p = $(`#${panel}-panel`); if (p) p.hidden = !on; }
}
const renderCountsSoon = debounce(renderCounts, 200);
function onHosts(changed) {
  putTiles(changed);
  renderCountsSoon();
}

// Hover shows the reason; click opens the host page.
const tooltip = $("#tooltip");
fleet.addEventListener("mouseover", (ev) => {
  const host = ev.target.dataset?.host;
  const entry = host && tiles.get(host);
  if (!entry) { tooltip.hidden = true; return; }
  tooltip.textContent = describeTile(entry.tile);
  tooltip.hidden = false;
});
fleet.addEventListener("mousemove", (ev) => { tooltip.style.left = `${ev.clientX + 14}px`; tooltip.style.top = `${ev.clientY + 14}px`; });
fleet.addEventListener("mouseleave", () => { tooltip.hidden = true; });
fleet.addEventListener("click", (ev) => { const host = ev.target.dataset?.host; if (host) openHost(host); });
$("#fleet-filter").addEventListener("input", debounce(() => {
  filter = $("#fleet-filter").value.trim().toLowerCase();
  for (const { el: e, tile } of tiles.values()) e.className = tileClass(tile);
}, 120));

// ---- host page ------------------------------------------------------------------------------
function sparkline(points, w = 160, h = 28) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", w); svg.setAttribute("height", h); svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  if (points.length > 0) {
    const t0 = points[0][0], t1 = points[points.length - 1][0] || t0 + 1;
    let lo = Infinity, hi = -Infinity;
    for (const [, v] of points) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    if (hi === lo) { hi += 1; lo -= 1; }
    const xy = points.map(([t, v]) => `${((t - t0) / Math.max(1, t1 - t0)) * (w - 2) + 1},${h - 1 - ((v - lo) / (hi - lo)) * (h - 2)}`);
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", xy.join(" ")); line.setAttribute("fill", "none"); line.setAttribute("stroke", "#6ab0ff"); line.setAttribute("stroke-width", "1.5");
    svg.append(line);
  }
  return svg;
}
let openHostName = null;
async function openHost(host) {
  openHostName = host;
  const d = await getJson(`/api/v1/fleet/${encodeURIComponent(host)}`).catch(() => null);
  if (!d || openHostName !== host) return;
  $("#host-detail").hidden = false;
  $("#host-name").textContent = host;
  const t = d.tile;
  $("#host-status").textContent = t ? `${t[1]}${t[2] ? ` — ${t[2]}` : ""}${t[5] === 0 ? ` · not schedulable: ${t[6].join("; ")}` : t[5] === 1 ? " · schedulable" : ""}` : "";
  $("#host-sparks").replaceChildren(...d.series.map((s) => el("div", { class: "spark" }, sparkline(s.points), el("span", { title: s.service }, `${s.service} ${s.points.length ? s.points[s.points.length - 1][1].toPrecision(4) : ""}`))));
  $("#host-events tbody").replaceChildren(...d.events.map((e) => el("tr", {}, el("td", { title: e.service }, e.service), el("td", { class: `sev ${e.state === "ok" ? "" : e.state}` }, e.state ?? ""), el("td", {}, e.metric ?? ""), el("td", { title: e.description ?? "" }, e.description ?? ""))));
}
$("#host-close").addEventListener("click", () => { $("#host-detail").hidden = true; openHostName = null; });

// ---- panels fed by other parts' endpoints ---------------------------------------------------
function list(data, key) {
  if (Array.isArray(data)) return data;
  return Array.isArray(data?.[key]) ? data[key] : [];
}
async function loadAlerts() {
  const data = await getJson("/api/v1/alerts?state=firing").catch(() => null);
  if (data === null) { $("#alerts-panel").hidden = true; return; }
  const alerts = list(data, "alerts");
  $("#alerts-count").textContent = alerts.length ? `(${alerts.length})` : "";
  $("#alerts-empty").hidden = alerts.length > 0;
  $("#alerts tbody").replaceChildren(...alerts.map((a) => el("tr", { "data-key": a.key ?? a.id, class: a.muted ? "muted" : "" },
    el("td", { class: `sev ${a.severity}` }, a.severity),
    el("td", { title: `${a.rule}\n${a.summary ?? ""}${a.muted ? "\nsilenced: not paged" : ""}` }, `${a.muted ? "🔕 " : ""}${a.summary ?? a.key}`),
    el("td", {}, ago(a.firingSince ?? a.startsAt)),
    el("td", {}, el("button", { title: "silence this alert", onclick: () => silenceAlert(a) }, "silence")))));
}
async function loadHistory() {
  const data = await getJson("/api/v1/alerts/history?limit=300").catch(() => null);
  const entries = list(data, "history").slice().reverse(); // newest first
  const describe = (h) => [h.kind, h.rule, h.host, h.action, h.outcome].filter((x) => x).join(" ");
  $("#history").replaceChildren(...entries.slice(0, 100).map((h) => el("li", { "data-kind": h.kind }, `${clock(h.time)} ${describe(h)}`)));
  const pages = entries.filter((h) => h.kind === "attempt");
  $("#pages-empty").hidden = pages.length > 0;
  $("#pages tbody").replaceChildren(...pages.slice(0, 20).map((p) => el("tr", {}, el("td", {}, clock(p.time)), el("td", {}, p.action ?? ""), el("td", { title: p.dedupKey ?? "" }, p.dedupKey ?? p.rule ?? ""), el("td", { class: `sev ${p.outcome === "delivered" ? "" : "warning"}` }, p.outcome ?? ""))));
}
async function loadSilences() {
  const data = await getJson("/api/v1/silences").catch(() => null);
  if (data === null) { $("#silences-panel").hidden = true; return; }
  const silences = list(data, "silences").filter((s) => s.state !== "expired");
  $("#silences").replaceChildren(...silences.map((s) => el("li", { "data-id": s.id },
    `${(s.matchers ?? []).map((m) => `${m.name}${m.isRegex ? "=~" : "="}${m.value}`).join(", ")} until ${clock(s.endsAt)} — ${s.comment ?? ""} (${s.createdBy ?? ""}) `,
    el("button", { onclick: async () => { await send("DELETE", `/api/v1/silences/${encodeURIComponent(s.id)}`); loadSilences(); } }, "expire"))));
}
function parseDuration(s) {
  const m = /^(\d+(?:\.\d+)?)\s*([smhd]?)$/.exec(s.trim());
  if (!m) return null;
  return Number(m[1]) * ({ "": 1, s: 1, m: 60, h: 3600, d: 86400 })[m[2]];
}
async function createSilence(matchers, durationSeconds, comment) {
  const r = await send("POST", "/api/v1/silences", { matchers, durationSeconds, createdBy: "web page", comment });
  const err = $("#silence-error");
  if (!r.ok) { err.textContent = (await r.json().catch(() => ({}))).error ?? `error ${r.status}`; err.hidden = false; return false; }
  err.hidden = true;
  loadSilences(); loadAlerts();
  return true;
}
function silenceAlert(a) {
  const matchers = [{ name: "rule", value: a.rule, isRegex: false }];
  if (a.host) matchers.push({ name: "host", value: a.host, isRegex: false });
  createSilence(matchers, 3600, `silenced from the web page: ${a.summary ?? a.key}`);
}
$("#silence-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const duration = parseDuration(String(f.get("duration")));
  const err = $("#silence-error");
  if (!duration) { err.textContent = "duration: use e.g. 30m, 2h, 1d"; err.hidden = false; return; }
  const matchers = [];
  for (const name of ["host", "rule"]) {
    const v = String(f.get(name) ?? "").trim();
    if (v) matchers.push({ name, value: v, isRegex: /[*+?[\]()|^$\\]/.test(v) });
  }
  if (!matchers.length) { err.textContent = "a silence needs a host or a rule"; err.hidden = false; return; }
  if (await createSilence(matchers, duration, String(f.get("comment")))) ev.target.reset();
});
async function loadQueue() {
  const data = await getJson("/api/v1/queue").catch(() => null);
  if (data === null) { $("#queue-panel").hidden = true; return; }
  const users = list(data, "users");
  $("#queue-empty").hidden = users.length > 0;
  $("#shares tbody").replaceChildren(...users.map((u) => el("tr", {}, el("td", {}, u.user), el("td", { title: "dominant resource share relative to the user's share (1× = exactly its share)" }, `${(u.dominantShare ?? 0).toFixed(2)}×`), el("td", {}, `${u.running?.cpus ?? 0} cpus`), el("td", {}, u.waiting ?? 0))));
}

const loaders = { alerts: () => { loadAlerts(); loadHistory(); }, silences: () => { loadSilences(); loadAlerts(); }, queue: loadQueue, history: loadHistory };
const soon = Object.fromEntries(Object.entries(loaders).map(([k, f]) => [k, debounce(f, 250)]));
function loadAll() { for (const f of Object.values(loaders)) f(); }

// ---- live updates ---------------------------------------------------------------------------
function connect() {
  const conn = $("#conn");
  const es = new EventSource("/api/v1/live");
  es.addEventListener("open", () => { conn.textContent = "live"; conn.className = "conn live"; loadAll(); });
  es.addEventListener("snapshot", (m) => snapshot(JSON.parse(m.data)));
  es.addEventListener("hosts", (m) => onHosts(JSON.parse(m.data)));
  es.addEventListener("changed", (m) => { const topic = JSON.parse(m.data); soon[topic]?.(); if (openHostName && topic === "hosts") openHost(openHostName); });
  es.addEventListener("error", () => { conn.textContent = "reconnecting…"; conn.className = "conn down"; });
}
connect();
setInterval(() => { loadQueue(); if (openHostName) openHost(openHostName); }, 10_000);
