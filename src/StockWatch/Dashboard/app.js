// The StockWatch dashboard: plain JavaScript over the HTTP API, with the user's key kept for the browser session.
// Every value from the data reaches the page as a text node or an attribute set through the DOM, never as HTML.
"use strict";

const KEY = "stockwatch.key";
const main = document.getElementById("main");
let me = null;          // the caller's key: { key_id, name, role }
let leave = () => {};   // undoes the current page's background work (the live stream) when the page changes

// ---- DOM -----------------------------------------------------------------------------------------------------

/** An element with attributes (on… are listeners) and children (strings become text nodes). */
function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function show(...children) {
  main.replaceChildren(...children.flat().filter(Boolean));
}

const svgNs = "http://www.w3.org/2000/svg";
function svg(tag, attributes, ...children) {
  const element = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes || {})) element.setAttribute(name, String(value));
  return append(element, children);
}

const canWrite = () => me && (me.role === "writer" || me.role === "admin");
const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
// Amounts carry the currency of StockWatch:Currency (from /api/me) when one is set.
let money = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const when = (text) => (text ? new Date(text).toLocaleString() : "");

function table(headers, rows, attributes) {
  return h("div", { class: "table-wrap" },
    h("table", attributes || {},
      h("thead", {}, h("tr", {}, headers.map((header) => (header instanceof Node ? header : h("th", {}, header))))),
      h("tbody", {}, rows)));
}

function badge(status) {
  return h("span", { class: `badge ${status}`, "data-status": status }, status.replace("_", " "));
}

// ---- the API -------------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

/** Calls the API with the key; a problem+json answer becomes an ApiError with its detail. */
async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  headers.set("Authorization", `Bearer ${sessionStorage.getItem(KEY) || ""}`);
  if (options.json !== undefined) {
    headers.set("Content-Type", "application/json");
    options = { ...options, body: JSON.stringify(options.json) };
  }
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401 && me) {
    signOut("The key is no longer accepted; enter a key again.");
    throw new ApiError(401, "The key is no longer accepted.");
  }
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try {
      const problem = await response.json();
      detail = problem.detail || problem.title || detail;
    } catch { /* not JSON */ }
    throw new ApiError(response.status, detail);
  }
  return options.raw ? response : response.status === 204 ? null : response.json();
}

// ---- signing in ----------------------------------------------------------------------------------------------

function signOut(message) {
  sessionStorage.removeItem(KEY);
  me = null;
  leave();
  document.getElementById("nav").hidden = true;
  document.getElementById("sign-out").hidden = true;
  document.getElementById("who").textContent = "";
  login(message);
}

function login(message) {
  const input = h("input", { type: "password", id: "key", name: "key", autocomplete: "off", required: true, placeholder: "sw_…" });
  const error = h("p", { class: "error", role: "alert" }, message || "");
  const form = h("form", {
    onsubmit: async (event) => {
      event.preventDefault();
      sessionStorage.setItem(KEY, input.value.trim());
      try {
        await start();
      } catch (failure) {
        sessionStorage.removeItem(KEY);
        error.textContent = failure.status === 401 ? "That key was not accepted." : failure.message;
      }
    },
  },
  h("label", { for: "key" }, "API key"), input, h("button", { type: "submit" }, "Open the dashboard"), error);
  show(h("section", { class: "panel login" },
    h("h1", {}, "StockWatch"),
    h("p", { class: "muted" }, "Enter an API key (create one with ", h("code", {}, "stockwatch keys create"), "). It is kept for this browser session only."),
    form));
  input.focus();
}

async function start() {
  me = await api("/api/me");
  if (me.currency) money = new Intl.NumberFormat(undefined, { style: "currency", currency: me.currency, currencyDisplay: "code" });
  document.getElementById("nav").hidden = false;
  document.getElementById("sign-out").hidden = false;
  document.getElementById("who").textContent = `${me.name} (${me.role})`;
  await route();
}

// ---- routing -------------------------------------------------------------------------------------------------

const pages = [
  [/^#?\/?$/, overview],
  [/^#\/alerts$/, alertsPage],
  [/^#\/alerts\/(\d+)$/, alertPage],
  [/^#\/products\/(.+)$/, productPage],
  [/^#\/imports$/, importsPage],
  [/^#\/reports$/, reportsPage],
  [/^#\/reports\/(.+)$/, reportPage],
  [/^#\/health$/, healthPage],
];

async function route() {
  if (!me) return;
  leave();
  leave = () => {};
  const hash = location.hash || "#/";
  for (const link of document.querySelectorAll("#nav a")) {
    link.classList.toggle("current", link.getAttribute("href") === hash);
  }
  for (const [pattern, page] of pages) {
    const match = hash.match(pattern);
    if (match) {
      try {
        await page(...match.slice(1).map(decodeURIComponent));
      } catch (failure) {
        if (me) show(h("p", { class: "error", role: "alert" }, failure.message));
      }
      return;
    }
  }
  show(h("p", {}, "No such page. ", h("a", { href: "#/" }, "Back to the overview")));
}

// ---- overview: cards and the inventory table -----------------------------------------------------------------

const inventory = { q: "", category: "", low: false, sort: "product_id", order: "asc", cursors: [null], page: 0 };

async function overview() {
  const summary = await api("/api/summary");
  const cards = h("section", { class: "cards", "aria-label": "Summary" },
    card("Products", number.format(summary.products), "products"),
    card("Low stock", number.format(summary.low_stock), "low"),
    card("Out of stock", number.format(summary.out_of_stock), "out"),
    card("Inventory value", money.format(summary.inventory_value), "value"),
    card("Units sold, last 7 days", number.format(summary.units_sold_last7_days), "sold"));

  const search = h("input", { type: "search", id: "search", placeholder: "Search id or name", value: inventory.q, "aria-label": "Search" });
  const category = h("select", { id: "category", "aria-label": "Category" },
    h("option", { value: "" }, "All categories"),
    summary.categories.map((c) => h("option", { value: c.category, selected: c.category === inventory.category }, `${c.category} (${c.products})`)));
  const low = h("input", { type: "checkbox", id: "low-only", checked: inventory.low });
  const body = h("div", { id: "inventory" });
  let typing;
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => { inventory.q = search.value; restart(); }, 250);
  });
  category.addEventListener("change", () => { inventory.category = category.value; restart(); });
  low.addEventListener("change", () => { inventory.low = low.checked; restart(); });
  const restart = () => { inventory.cursors = [null]; inventory.page = 0; loadInventory(body); };

  show(h("h1", {}, "Overview"), cards,
    h("h2", {}, "Inventory"),
    h("div", { class: "filters" }, search, category, h("label", {}, low, " Low stock only")),
    body);
  await loadInventory(body);
}

function card(label, value, kind) {
  return h("div", { class: `card ${kind}`, "data-card": kind }, h("div", { class: "label" }, label), h("div", { class: "value" }, value));
}

async function loadInventory(into) {
  const query = new URLSearchParams({ limit: "50", sort: inventory.sort, order: inventory.order });
  if (inventory.q.trim()) query.set("q", inventory.q.trim());
  if (inventory.category) query.set("category", inventory.category);
  if (inventory.low) query.set("low_stock", "true");
  const cursor = inventory.cursors[inventory.page];
  if (cursor) query.set("cursor", cursor);
  const page = await api(`/api/products?${query}`);
  inventory.cursors[inventory.page + 1] = page.next_cursor || null;

  const sortable = (label, key, classes) => h("th", { class: classes || null },
    h("button", {
      type: "button",
      "aria-sort": inventory.sort === key ? (inventory.order === "asc" ? "ascending" : "descending") : null,
      onclick: () => {
        inventory.order = inventory.sort === key && inventory.order === "asc" ? "desc" : "asc";
        inventory.sort = key;
        inventory.cursors = [null];
        inventory.page = 0;
        loadInventory(into);
      },
    }, label));
  const rows = page.items.map((p) => {
    const threshold = p.low_stock_threshold === null || p.low_stock_threshold === undefined ? `${p.effective_threshold} (default)` : p.low_stock_threshold;
    return h("tr", { "data-product": p.product_id, "data-status": p.status },
      h("td", {}, h("a", { href: `#/products/${encodeURIComponent(p.product_id)}` }, p.product_id)),
      h("td", { class: "wrap" }, p.product_name),
      h("td", { class: "hide-narrow" }, p.product_category),
      h("td", { class: "num" }, number.format(p.stock_count)),
      h("td", { class: "hide-narrow" }, stockBar(p)),
      h("td", {}, badge(p.status)),
      h("td", { class: "num" }, p.days_of_cover ?? "–"),
      h("td", { class: "num hide-narrow" }, money.format(p.product_price)),
      h("td", { class: "num hide-narrow" }, threshold));
  });
  into.replaceChildren(
    table([sortable("Id", "product_id"), sortable("Name", "product_name"), sortable("Category", "product_category", "hide-narrow"),
      sortable("Stock", "stock_count", "num"), h("th", { class: "hide-narrow" }, "Against threshold"), h("th", {}, "Status"),
      h("th", { class: "num" }, "Days of cover"), sortable("Price", "product_price", "num hide-narrow"),
      h("th", { class: "num hide-narrow" }, "Threshold")],
    rows.length ? rows : [h("tr", {}, h("td", { colspan: 9, class: "muted" }, "No product matches."))], { id: "products" }),
    h("div", { class: "pager" },
      h("button", { type: "button", class: "quiet", disabled: inventory.page === 0, onclick: () => { inventory.page--; loadInventory(into); } }, "← Previous"),
      h("span", { class: "muted" }, `Page ${inventory.page + 1}`),
      h("button", { type: "button", class: "quiet", disabled: !page.next_cursor, onclick: () => { inventory.page++; loadInventory(into); } }, "Next →")));
}

/** The stock as a bar whose full width is twice the threshold, with the threshold marked. */
function stockBar(p) {
  const threshold = p.effective_threshold;
  const full = Math.max(threshold * 2, 1);
  const bar = h("div", { class: `stockbar ${p.status}`, title: `${p.stock_count} in stock, threshold ${threshold}` });
  const filled = h("span", {});
  filled.style.width = `${Math.min(100, (p.stock_count / full) * 100)}%`;
  const mark = h("i", {});
  mark.style.left = `${Math.min(100, (threshold / full) * 100)}%`;
  bar.append(filled, mark);
  return bar;
}

// ---- live alerts ---------------------------------------------------------------------------------------------

const alertTypes = ["LOW_STOCK", "OUT_OF_STOCK", "BACK_IN_STOCK", "PRICE_CHANGED", "NAME_CHANGED", "CATEGORY_CHANGED",
  "PRODUCT_ADDED", "PRODUCT_REMOVED", "STOCKOUT_PREDICTED"];

async function alertsPage() {
  const filter = h("select", { id: "alert-type", "aria-label": "Alert type" },
    h("option", { value: "" }, "All types"), alertTypes.map((t) => h("option", { value: t }, t)));
  const state = h("span", { class: "live", id: "live", "data-state": "connecting" }, "connecting…");
  const feed = h("ol", { class: "feed", id: "feed", "aria-live": "polite" });
  const visible = () => { for (const item of feed.children) item.hidden = Boolean(filter.value) && item.dataset.type !== filter.value; };
  filter.addEventListener("change", visible);
  show(h("h1", {}, "Alerts"), h("div", { class: "filters" }, filter, state), feed);

  const first = await api("/api/alerts?limit=100");
  let last = 0;
  for (const alert of first) {
    feed.prepend(alertItem(alert, false));
    last = Math.max(last, alert.alert_id);
  }
  visible();

  const stop = new AbortController();
  leave = () => stop.abort();
  const arrived = (alert) => {
    last = Math.max(last, alert.alert_id);
    const item = alertItem(alert, true);
    item.hidden = Boolean(filter.value) && alert.alert_type !== filter.value;
    feed.prepend(item);
  };
  follow(last, arrived, state, stop.signal);
}

/** One alert, as a message's link opens it: what it says, its product, and how the channels were told. */
async function alertPage(id) {
  const alert = await api(`/api/alerts/${encodeURIComponent(id)}`);
  show(h("p", {}, h("a", { href: "#/alerts" }, "← Alerts")),
    h("h1", { id: "alert-title" }, `${alert.alert_type} · `, h("a", { href: `#/products/${encodeURIComponent(alert.product_id)}` }, alert.product_id)),
    h("p", { id: "alert-summary" }, alert.summary),
    h("p", { class: "muted" }, when(alert.alert_time), alert.cause ? ` · ${alert.cause}` : ""),
    h("h2", {}, "Deliveries"),
    table(["Channel", "Status", "Attempts", "Last error"], (alert.deliveries || []).length
      ? alert.deliveries.map((d) => h("tr", {}, h("td", {}, d.channel), h("td", {}, d.status), h("td", { class: "num" }, String(d.attempts)), h("td", { class: "wrap" }, d.last_error || "")))
      : [h("tr", {}, h("td", { colspan: 4, class: "muted" }, "Not delivered to any channel yet."))]));
}

function alertItem(alert, fresh) {
  return h("li", { class: fresh ? "new" : null, "data-type": alert.alert_type, "data-alert": alert.alert_id },
    h("span", { class: "type" }, alert.alert_type, " · ", h("a", { href: `#/products/${encodeURIComponent(alert.product_id)}` }, alert.product_id)),
    h("span", {}, alert.summary),
    h("time", { class: "muted", datetime: alert.alert_time }, when(alert.alert_time)));
}

/**
 * Follows /api/alerts/stream (Server-Sent Events read through fetch, which can send the key as a header where
 * EventSource cannot), resuming after the last alert seen whenever the connection drops.
 */
async function follow(after, arrived, state, signal) {
  while (!signal.aborted) {
    try {
      const response = await api("/api/alerts/stream", { raw: true, signal, headers: { "Last-Event-ID": String(after) } });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      state.dataset.state = "live";
      state.textContent = "live";
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event.split("\n").filter((line) => line.startsWith("data: ")).map((line) => line.slice(6)).join("\n");
          if (data) {
            const alert = JSON.parse(data);
            after = Math.max(after, alert.alert_id);
            arrived(alert);
          }
        }
      }
    } catch (failure) {
      if (signal.aborted) return;
    }
    state.dataset.state = "down";
    state.textContent = "reconnecting…";
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

// ---- one product ---------------------------------------------------------------------------------------------

async function productPage(id) {
  const path = `/api/products/${encodeURIComponent(id)}`;
  const response = await api(path, { raw: true });
  const etag = response.headers.get("ETag");
  const p = await response.json();
  const [history, sales, alerts] = await Promise.all([
    api(`${path}/history`), api(`${path}/sales`), api(`/api/alerts?product_id=${encodeURIComponent(id)}&limit=50`),
  ]);
  show(
    h("p", {}, h("a", { href: "#/" }, "← Overview")),
    h("h1", {}, p.product_name, " ", badge(p.status)),
    h("dl", { class: "details panel" },
      detail("Id", p.product_id), detail("Category", p.product_category), detail("Stock", number.format(p.stock_count)),
      detail("Threshold", p.low_stock_threshold ?? `${p.effective_threshold} (default)`), detail("Price", money.format(p.product_price)),
      detail("Days of cover", p.days_of_cover ?? "–"), detail("Updated", when(p.updated_at))),
    canWrite() ? productForms(p, etag, path) : null,
    h("h2", {}, "Stock and price"),
    historyChart(history),
    h("h2", {}, "Recent sales"),
    table(["Sale", "Date", h("th", { class: "num" }, "Quantity"), h("th", { class: "num" }, "Price"), h("th", { class: "num" }, "Stock after")],
      sales.length ? sales.map((s) => h("tr", {},
        h("td", {}, s.sale_id), h("td", {}, when(s.sale_date)), h("td", { class: "num" }, s.quantity),
        h("td", { class: "num" }, money.format(s.current_price)), h("td", { class: "num" }, s.stock_after ?? "–")))
        : [h("tr", {}, h("td", { colspan: 5, class: "muted" }, "No sales yet."))]),
    h("h2", {}, "Alerts"),
    table(["When", "Type", "What"], alerts.length
      ? [...alerts].reverse().map((a) => h("tr", {}, h("td", {}, when(a.alert_time)), h("td", {}, a.alert_type), h("td", { class: "wrap" }, a.summary)))
      : [h("tr", {}, h("td", { colspan: 3, class: "muted" }, "No alerts."))]));
}

function detail(label, value) {
  return h("div", {}, h("dt", {}, label), h("dd", {}, value));
}

/** Writers adjust the stock, the price and the threshold; the change is refused if the product changed meanwhile. */
function productForms(p, etag, path) {
  const message = h("p", { class: "muted", role: "status", id: "write-result" });
  const done = async (what) => {
    await route(); // the page again, with the product as it is now
    const note = document.getElementById("write-result");
    if (note) note.textContent = what;
  };
  const failed = (failure) => { message.className = "error"; message.textContent = failure.message; };
  const delta = h("input", { type: "number", step: 1, name: "delta", required: true, "aria-label": "Stock change" });
  const reason = h("input", { type: "text", name: "reason", value: "count", "aria-label": "Reason" });
  const price = h("input", { type: "number", step: "0.01", min: 0, name: "price", value: p.product_price, "aria-label": "Price" });
  const threshold = h("input", { type: "number", step: 1, min: 0, name: "threshold", value: p.low_stock_threshold ?? "", "aria-label": "Threshold" });
  return h("section", { "data-write": true },
    h("div", { class: "forms" },
      h("form", { id: "adjust-stock", onsubmit: (e) => { e.preventDefault(); api(`${path}/stock`, { method: "POST", json: { delta: Number(delta.value), reason: reason.value } }).then(() => done("Stock adjusted."), failed); } },
        h("label", {}, "Stock change (+/−)", delta), h("label", {}, "Reason", reason), h("button", { type: "submit" }, "Adjust stock")),
      h("form", { id: "set-price", onsubmit: (e) => {
        e.preventDefault();
        const body = { product_price: Number(price.value) };
        if (threshold.value !== "") body.low_stock_threshold = Number(threshold.value);
        api(path, { method: "PATCH", json: body, headers: { "If-Match": etag } }).then(() => done("Saved."), failed);
      } },
      h("label", {}, "Price", price), h("label", {}, "Threshold", threshold), h("button", { type: "submit" }, "Save"))),
    message);
}

/** Stock (solid, left scale) and price (dashed, right scale) after each change, as an inline SVG. */
function historyChart(points) {
  const width = 800, height = 220, pad = 36;
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Stock and price history", id: "history" });
  const kept = points.filter((point) => point.stock !== null && point.stock !== undefined);
  if (kept.length === 0) {
    chart.append(svg("text", { x: pad, y: height / 2 }, "No history yet."));
    return chart;
  }
  const times = kept.map((point) => Date.parse(point.at));
  const first = Math.min(...times), span = Math.max(Math.max(...times) - first, 1);
  const x = (t) => pad + ((t - first) / span) * (width - 2 * pad);
  const scale = (values) => {
    const top = Math.max(...values, 1);
    return (v) => height - pad - (v / top) * (height - 2 * pad);
  };
  const stockY = scale(kept.map((point) => point.stock));
  const priceY = scale(kept.map((point) => point.price ?? 0));
  // Each value holds until the next change (the last one until now): steps, not slopes.
  const steps = (y, value) => kept.map((point, i) =>
    (i === 0 ? `M${x(times[0]).toFixed(1)} ` : `H${x(times[i]).toFixed(1)} V`) + y(value(point)).toFixed(1)).join(" ") + ` H${width - pad}`;
  chart.append(
    svg("line", { class: "axis", x1: pad, y1: height - pad, x2: width - pad, y2: height - pad }),
    svg("path", { class: "stock", d: steps(stockY, (point) => point.stock) }),
    svg("path", { class: "price", d: steps(priceY, (point) => point.price ?? 0) }),
    svg("text", { x: pad, y: 16 }, `stock (max ${Math.max(...kept.map((point) => point.stock))})`),
    svg("text", { x: width - pad, y: 16, "text-anchor": "end" }, `price, dashed (max ${money.format(Math.max(...kept.map((point) => point.price ?? 0)))})`),
    svg("text", { x: pad, y: height - 10 }, new Date(first).toLocaleDateString()),
    svg("text", { x: width - pad, y: height - 10, "text-anchor": "end" }, new Date(first + span).toLocaleDateString()));
  return chart;
}

// ---- imports -------------------------------------------------------------------------------------------------

function importsPage() {
  if (!canWrite()) {
    show(h("h1", {}, "Imports"), h("p", { class: "muted" }, "Uploading a file needs a writer key."));
    return;
  }
  const file = h("input", { type: "file", id: "import-file", accept: ".csv,text/csv", required: true, "aria-label": "CSV file" });
  const progress = h("progress", { id: "upload-progress", max: 100, value: 0, hidden: true });
  const result = h("div", { id: "import-result" });
  const form = h("form", { id: "upload", "data-write": true, onsubmit: (event) => { event.preventDefault(); upload(file.files[0], progress, result); } },
    h("div", { class: "filters" }, file, h("button", { type: "submit" }, "Upload and import")), progress);
  show(h("h1", {}, "Imports"),
    h("p", { class: "muted" }, "Products or sales as CSV; the kind is read from the header. Valid rows are imported even when others are refused."),
    form, result);
}

/** Uploads with XMLHttpRequest, whose upload progress fetch cannot report, then follows the import until done. */
function upload(file, progress, result) {
  if (!file) return;
  progress.hidden = false;
  progress.value = 0;
  result.replaceChildren(h("p", { class: "muted" }, `Uploading ${file.name}…`));
  const request = new XMLHttpRequest();
  request.open("POST", "/api/imports");
  request.setRequestHeader("Authorization", `Bearer ${sessionStorage.getItem(KEY)}`);
  request.setRequestHeader("Content-Type", "text/csv");
  request.upload.onprogress = (event) => { if (event.lengthComputable) progress.value = (event.loaded / event.total) * 100; };
  request.onerror = () => result.replaceChildren(h("p", { class: "error" }, "The upload failed; is serve running?"));
  request.onload = async () => {
    progress.value = 100;
    let body = {};
    try { body = JSON.parse(request.responseText); } catch { /* not JSON */ }
    if (request.status !== 202) {
      result.replaceChildren(h("p", { class: "error", role: "alert" }, body.detail || `The upload was refused (${request.status}).`));
      return;
    }
    result.replaceChildren(h("p", { class: "muted" }, `Import ${body.import_id} queued…`));
    let record;
    do {
      await new Promise((resolve) => setTimeout(resolve, 300));
      record = await api(`/api/imports/${encodeURIComponent(body.import_id)}`);
    } while (record.status !== "done" && record.status !== "failed");
    result.replaceChildren(await importOutcome(record));
  };
  request.send(file);
}

async function importOutcome(record) {
  if (record.status === "failed") return h("p", { class: "error", role: "alert" }, `Import ${record.import_id} failed: ${record.error}`);
  const s = record.summary;
  const parts = [h("p", { id: "import-summary" },
    `Import ${record.import_id}: ${s.accepted} of ${s.total} rows accepted, ${s.rejected} refused, ${s.unchanged} unchanged, ${s.created_products} products created.`)];
  if (s.errors.length) {
    const csv = await api(`/api/imports/${encodeURIComponent(record.import_id)}/errors.csv`, { raw: true }).then((r) => r.blob());
    parts.push(h("h2", {}, "Refused rows"),
      table([h("th", { class: "num" }, "Line"), "Column", "Value", "Why"], s.errors.map((e) => h("tr", {},
        h("td", { class: "num" }, e.line), h("td", {}, e.column ?? ""), h("td", { class: "wrap" }, e.value ?? ""), h("td", { class: "wrap" }, e.message))),
      { id: "rejected-rows" }),
      h("p", {}, h("a", { href: URL.createObjectURL(csv), download: `${record.import_id}-errors.csv`, id: "errors-csv" }, "Download errors.csv")));
  }
  return h("section", {}, parts);
}

// ---- reports -------------------------------------------------------------------------------------------------

async function reportsPage() {
  const reports = await api("/api/reports");
  const frame = h("div", { id: "report-view" });
  const make = canWrite()
    ? h("button", { type: "button", id: "make-report", "data-write": true, onclick: async (event) => {
      event.target.disabled = true;
      try {
        const made = await api("/api/reports/weekly", { method: "POST" });
        await reportsPage();
        await openReport(made, document.getElementById("report-view"));
      } catch (failure) {
        frame.replaceChildren(h("p", { class: "error", role: "alert" }, failure.message));
        event.target.disabled = false;
      }
    } }, "Make the latest weekly report now")
    : null;
  show(h("h1", {}, "Weekly reports"), make,
    h("h2", {}, "Made so far"),
    table(["Week ending", "Id", ""], reports.length ? reports.map((r) => h("tr", { "data-report": r.report_id },
      h("td", {}, when(r.period_end)), h("td", {}, r.report_id),
      h("td", {}, h("button", { type: "button", class: "quiet", onclick: () => openReport(r, frame) }, "Open"))))
      : [h("tr", {}, h("td", { colspan: 3, class: "muted" }, "No report yet."))], { id: "reports" }),
    frame);
}

/** One report, as a message's link opens it: the list, with the report open below it. */
async function reportPage(id) {
  const report = await api(`/api/reports/${encodeURIComponent(id)}`);
  await reportsPage();
  await openReport(report, document.getElementById("report-view"));
}

/** The report's own HTML page, in a sandboxed frame: it runs no script and cannot reach the dashboard. */
async function openReport(report, into) {
  const html = await api(report.content.html, { raw: true }).then((r) => r.text());
  into.replaceChildren(h("h2", {}, `Report ${report.report_id}`),
    h("iframe", { class: "report-frame", sandbox: "", srcdoc: html, title: `Weekly report ${report.report_id}`, id: "report-frame" }));
}

// ---- health --------------------------------------------------------------------------------------------------

async function healthPage() {
  const [health, status] = await Promise.all([fetch("/health").then((r) => r.json()), api("/api/status")]);
  show(h("h1", {}, "Health ", badge(health.status === "healthy" ? "ok" : health.status === "degraded" ? "low" : "out")),
    h("p", { id: "health-status" }, `serve is ${health.status}.`),
    h("h2", {}, "Alarms"),
    table(["Alarm", "Since", "Why"], status.alarms.length
      ? status.alarms.map((a) => h("tr", { "data-alarm": a.type }, h("td", {}, a.type), h("td", {}, when(a.since)), h("td", { class: "wrap" }, a.reason)))
      : [h("tr", {}, h("td", { colspan: 3, class: "muted" }, "No alarm is on."))], { id: "alarms" }),
    h("h2", {}, "Queues"),
    table(["Queue", h("th", { class: "num" }, "Waiting"), h("th", { class: "num" }, "In flight"), h("th", { class: "num" }, "Oldest (s)")],
      status.queues.map((q) => h("tr", { "data-queue": q.queue }, h("td", {}, q.queue), h("td", { class: "num" }, q.visible),
        h("td", { class: "num" }, q.in_flight), h("td", { class: "num" }, q.oldest_age_seconds === null || q.oldest_age_seconds === undefined ? "–" : Math.round(q.oldest_age_seconds)))),
      { id: "queues" }),
    h("h2", {}, "Checks"),
    table(["Check", "Status", "Detail"], Object.entries(health.checks).map(([name, check]) =>
      h("tr", {}, h("td", {}, name), h("td", {}, check.status), h("td", { class: "wrap" }, check.detail ?? "")))));
}

// ---- start ---------------------------------------------------------------------------------------------------

window.addEventListener("hashchange", route);
document.getElementById("sign-out").addEventListener("click", () => signOut("Signed out."));
if (sessionStorage.getItem(KEY)) start().catch(() => signOut("Enter a key to open the dashboard."));
else login();
