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
  for (const child of children.flat(Infinity)) {
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

/** A status as a coloured badge; <label> when the text differs from the status (the health page's "degraded"). */
function badge(status, label) {
  return h("span", { class: `badge ${status}`, "data-status": status }, label ?? status.replace("_", " "));
}

// ---- the API -------------------------------------------------------------------------------------------------

class ApiError extends Error {
  /** <errors>: the problem's messages by field (problem+json "errors"), so forms can show each beside its field. */
  constructor(status, detail, errors) {
    super(detail);
    this.status = status;
    this.errors = errors || {};
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
    let errors = {};
    try {
      const problem = await response.json();
      detail = problem.detail || problem.title || detail;
      errors = problem.errors || {};
    } catch { /* not JSON */ }
    throw new ApiError(response.status, detail, errors);
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

// ---- forms ---------------------------------------------------------------------------------------------------

/**
 * A form of labelled fields, each named by its API field, with its error beside it. <submit> gets the values as typed
 * and may throw an ApiError: its messages go beside their fields (problem+json "errors"), the rest under the form.
 * The browser's own validation is off: the API's rules are the ones that count, and it names the field at fault.
 */
function fieldForm(id, fields, submitLabel, submit) {
  const inputs = {};
  const errors = {};
  const message = h("p", { class: "form-message", role: "status", id: `${id}-message` });
  const labels = fields.map((f) => {
    const inputId = `${id}-${f.name}`;
    const input = f.options
      ? h("select", { name: f.name, id: inputId }, f.options.map(([value, text]) => h("option", { value, selected: String(f.value ?? "") === value }, text)))
      : f.type === "checkbox"
        ? h("input", { name: f.name, id: inputId, type: "checkbox", checked: Boolean(f.value) })
        : h(f.type === "textarea" ? "textarea" : "input", {
          name: f.name, id: inputId, type: f.type === "textarea" ? null : f.type || "text", value: f.type === "textarea" ? null : f.value ?? "",
          placeholder: f.placeholder, rows: f.type === "textarea" ? 2 : null, "aria-describedby": `${inputId}-error`,
        });
    inputs[f.name] = input;
    errors[f.name] = h("span", { class: "field-error", id: `${inputId}-error`, "data-error-for": f.name });
    return h("label", { class: f.type === "checkbox" ? "check" : null }, f.label, input, errors[f.name]);
  });
  const button = h("button", { type: "submit", id: `${id}-submit` }, submitLabel);
  const form = h("form", {
    id, class: "field-form", novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      for (const error of Object.values(errors)) error.textContent = "";
      message.className = "form-message";
      message.textContent = "";
      button.disabled = true;
      try {
        const values = Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, input.type === "checkbox" ? input.checked : input.value]));
        const done = await submit(values, event.submitter);
        if (done) message.textContent = done;
      } catch (failure) {
        let placed = false;
        for (const [field, messages] of Object.entries(failure.errors || {})) {
          if (errors[field]) {
            errors[field].textContent = messages.join(" ");
            placed = true;
          }
        }
        if (!placed || failure.status === 412) {
          message.className = "form-message error";
          message.textContent = failure.message;
        }
      } finally {
        button.disabled = false;
      }
    },
  }, h("div", { class: "fields" }, labels), h("div", { class: "actions" }, button), message);
  return { form, inputs, errors, message, button };
}

/** A number typed into a form as JSON: a number when it reads as one, else the text (the API then names the field). */
function typed(text) {
  const trimmed = String(text ?? "").trim();
  if (trimmed === "") return undefined;
  return Number.isFinite(Number(trimmed)) ? Number(trimmed) : trimmed;
}

/** Writers add a product; If-None-Match: * makes it a create only, so an id in use is refused, not overwritten. */
function newProductForm() {
  const fields = [
    { name: "product_id", label: "Id (SKU)" }, { name: "product_name", label: "Name" }, { name: "product_category", label: "Category" },
    { name: "product_price", label: "Price", type: "text", placeholder: "0.00" }, { name: "stock_count", label: "Stock on hand", placeholder: "0" },
    { name: "low_stock_threshold", label: "Threshold", placeholder: "default" },
  ];
  const { form, errors } = fieldForm("new-product", fields, "Add product", async (v) => {
    if (!v.product_id.trim()) {
      errors.product_id.textContent = "product_id must not be empty.";
      return null;
    }
    const body = { product_name: v.product_name, stock_count: typed(v.stock_count) ?? 0, product_price: typed(v.product_price) ?? 0 };
    if (v.product_category.trim()) body.product_category = v.product_category;
    if (typed(v.low_stock_threshold) !== undefined) body.low_stock_threshold = typed(v.low_stock_threshold);
    try {
      await api(`/api/products/${encodeURIComponent(v.product_id)}`, { method: "PUT", json: body, headers: { "If-None-Match": "*" } });
    } catch (failure) {
      if (failure.status === 412) {
        errors.product_id.textContent = failure.message;
        return null;
      }
      throw failure;
    }
    location.hash = `#/products/${encodeURIComponent(v.product_id)}`;
    return null;
  });
  return h("details", { class: "panel add", id: "add-product", "data-write": true }, h("summary", {}, "Add a product"), form);
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
    canWrite() ? newProductForm() : null,
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

/**
 * Alerts filtered on the server by type, product and date, newest first, a page at a time ("Older" asks for the page
 * before the oldest shown), with the count of each type for the filters; new alerts that match arrive live.
 */
async function alertsPage() {
  const filters = { type: "", product: "", since: "", until: "" };
  const type = h("select", { id: "alert-type", "aria-label": "Alert type" }, h("option", { value: "" }, "All types"), alertTypes.map((t) => h("option", { value: t }, t)));
  const product = h("input", { type: "search", id: "alert-product", placeholder: "Product id", "aria-label": "Product id" });
  const since = h("input", { type: "date", id: "alert-since", "aria-label": "From (UTC)" });
  const until = h("input", { type: "date", id: "alert-until", "aria-label": "To (UTC, inclusive)" });
  const state = h("span", { class: "live", id: "live", "data-state": "connecting" }, "connecting…");
  const total = h("p", { class: "muted", id: "alert-total", role: "status" });
  const error = h("p", { class: "error", role: "alert", id: "alert-error" });
  const feed = h("ol", { class: "feed", id: "feed", "aria-live": "polite" });
  const older = h("button", { type: "button", class: "quiet", id: "alerts-older", hidden: true }, "Older");
  const pageSize = 50;
  let oldest = null;

  const query = (extra) => {
    const q = new URLSearchParams(extra);
    if (filters.type) q.set("type", filters.type);
    if (filters.product) q.set("product_id", filters.product);
    if (filters.since) q.set("since", filters.since);
    // The day picked is included: until is the start of the next day.
    if (filters.until) q.set("until", new Date(Date.parse(filters.until) + 86_400_000).toISOString().slice(0, 10));
    return q;
  };
  const load = async (before) => {
    error.textContent = "";
    try {
      const page = await api(`/api/alerts?${query({ limit: String(pageSize), ...(before ? { before: String(before) } : {}) })}`);
      if (!before) {
        feed.replaceChildren();
        const counts = await api(`/api/alerts/counts?${query({})}`);
        for (const option of type.options) {
          if (option.value) option.textContent = `${option.value} (${counts.by_type[option.value] ?? 0})`;
        }
        const shown = filters.type ? counts.by_type[filters.type] ?? 0 : counts.total;
        total.textContent = `${number.format(shown)} ${filters.type || "alerts"}${filters.type ? " alerts" : ""} match, ${number.format(counts.total)} of all types.`;
        total.dataset.total = String(shown);
      }
      for (const alert of [...page].reverse()) feed.append(alertItem(alert, false));
      oldest = page.length ? page[0].alert_id : oldest;
      older.hidden = page.length < pageSize;
    } catch (failure) {
      error.textContent = failure.message;
    }
  };
  const refilter = () => {
    Object.assign(filters, { type: type.value, product: product.value.trim(), since: since.value, until: until.value });
    oldest = null;
    load(null);
  };
  let typing;
  type.addEventListener("change", refilter);
  since.addEventListener("change", refilter);
  until.addEventListener("change", refilter);
  product.addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(refilter, 250); });
  older.addEventListener("click", () => load(oldest));
  show(h("h1", {}, "Alerts"), h("div", { class: "filters" }, type, product, h("label", {}, "From ", since), h("label", {}, "to ", until), state),
    total, error, feed, older);
  await load(null);

  const latest = await api("/api/alerts?limit=1");
  const stop = new AbortController();
  leave = () => stop.abort();
  const arrived = (alert) => {
    const matches = (!filters.type || alert.alert_type === filters.type) && (!filters.product || alert.product_id === filters.product) && !filters.until;
    if (matches) feed.prepend(alertItem(alert, true));
  };
  follow(latest.length ? latest[0].alert_id : 0, arrived, state, stop.signal);
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

/**
 * Writers edit the name, category, price and threshold, and move stock; admins delete. Each change names the version
 * the page showed (If-Match): one made by someone else meanwhile is refused (412) and said so, nothing overwritten.
 */
function productForms(p, etag, path) {
  const done = async (what) => {
    await route(); // the page again, with the product as it is now
    const note = document.getElementById("write-result");
    if (note) note.textContent = what;
  };
  const stale = (failure) => {
    if (failure.status !== 412) throw failure;
    throw new ApiError(412, "Someone changed this product after you opened it; nothing was saved. Reload to see their change, then edit again.");
  };
  const edit = fieldForm("edit-product", [
    { name: "product_name", label: "Name", value: p.product_name },
    { name: "product_category", label: "Category", value: p.product_category },
    { name: "product_price", label: "Price", value: p.product_price },
    { name: "low_stock_threshold", label: "Threshold (empty: the default)", value: p.low_stock_threshold ?? "" },
  ], "Save", async (v) => {
    const body = { product_name: v.product_name, product_category: v.product_category, product_price: typed(v.product_price) ?? null };
    body.low_stock_threshold = typed(v.low_stock_threshold) ?? null;
    await api(path, { method: "PATCH", json: body, headers: { "If-Match": etag } }).catch(stale);
    await done("Saved.");
  });
  const move = fieldForm("adjust-stock", [
    { name: "delta", label: "Stock change (+/−)", placeholder: "+24" },
    { name: "reason", label: "Reason", value: "delivery" },
  ], "Adjust stock", async (v) => {
    await api(`${path}/stock`, { method: "POST", json: { delta: typed(v.delta) ?? null, reason: v.reason }, headers: { "If-Match": etag } }).catch(stale);
    await done("Stock adjusted.");
  });
  const reload = h("button", { type: "button", class: "quiet", onclick: () => route() }, "Reload");
  return h("section", { "data-write": true },
    h("div", { class: "forms" }, h("div", { class: "panel" }, h("h2", {}, "Edit"), edit.form), h("div", { class: "panel" }, h("h2", {}, "Move stock"), move.form)),
    h("p", { class: "muted", role: "status", id: "write-result" }), reload,
    me.role === "admin" ? deleteProduct(p, etag, path, stale) : null);
}

/** Admins delete a product after saying so twice (a second button, no browser dialog); its sales history stays. */
function deleteProduct(p, etag, path, stale) {
  const message = h("p", { class: "form-message", role: "status", id: "delete-message" });
  const confirm = h("button", { type: "button", class: "danger", id: "delete-confirm", hidden: true, onclick: async () => {
    try {
      await api(path, { method: "DELETE", headers: { "If-Match": etag } }).catch(stale);
      location.hash = "#/";
    } catch (failure) {
      message.className = "form-message error";
      message.textContent = failure.message;
    }
  } }, `Delete ${p.product_id} for good`);
  const ask = h("button", { type: "button", class: "quiet", id: "delete-product", onclick: () => { confirm.hidden = false; ask.hidden = true; } }, "Delete product…");
  return h("section", { class: "panel danger-zone" }, h("h2", {}, "Delete"),
    h("p", { class: "muted" }, "Removes the product from the catalogue; its sales and alerts stay."), ask, confirm, message);
}

/**
 * Stock (solid, left scale) and price (dashed, right scale) after each change, as an inline SVG. Each scale spans its
 * own values' range with a margin (not from 0), so a move from 103 to 101 shows; the time axis has dated ticks.
 */
function historyChart(points) {
  const width = 800, height = 240, left = 52, right = 60, top = 24, bottom = 36;
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Stock and price history", id: "history" });
  const kept = points.filter((point) => point.stock !== null && point.stock !== undefined);
  if (kept.length === 0) {
    chart.append(svg("text", { x: left, y: height / 2 }, "No history yet."));
    return chart;
  }
  const times = kept.map((point) => Date.parse(point.at));
  const first = Math.min(...times), span = Math.max(Math.max(...times) - first, 1);
  const x = (t) => left + ((t - first) / span) * (width - left - right);
  /** A scale over the values' own range, widened by a tenth (at least <least>) so a flat line sits mid-chart. */
  const scale = (values, least) => {
    const low = Math.min(...values), high = Math.max(...values);
    const margin = Math.max((high - low) * 0.1, least);
    const from = Math.max(0, low - margin), to = high + margin;
    const y = (v) => height - bottom - ((v - from) / (to - from)) * (height - top - bottom);
    return { y, from, to, low, high };
  };
  const stock = scale(kept.map((point) => point.stock), 1);
  const prices = kept.map((point) => point.price ?? 0);
  const price = scale(prices, Math.max(0.01, Math.max(...prices) * 0.05));
  // Each value holds until the next change (the last one until now): steps, not slopes.
  const steps = (y, value) => kept.map((point, i) =>
    (i === 0 ? `M${x(times[0]).toFixed(1)} ` : `H${x(times[i]).toFixed(1)} V`) + y(value(point)).toFixed(1)).join(" ") + ` H${width - right}`;
  const ticks = [];
  const count = span > 1 ? 4 : 0;
  // Ticks as fine as the span needs: days over two days, minutes over an hour, else seconds.
  const tickFormat = span > 2 * 86_400_000 ? { day: "numeric", month: "short" }
    : span > 3_600_000 ? { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }
      : { hour: "2-digit", minute: "2-digit", second: "2-digit" };
  for (let i = 0; i <= count; i++) {
    const t = first + (span * i) / Math.max(count, 1);
    ticks.push(svg("line", { class: "tick", x1: x(t), y1: height - bottom, x2: x(t), y2: height - bottom + 4 }),
      svg("text", { x: x(t), y: height - bottom + 16, "text-anchor": i === 0 ? "start" : i === count ? "end" : "middle", class: "date" },
        new Date(t).toLocaleString(undefined, tickFormat)));
  }
  if (count === 0) ticks.push(svg("text", { x: left, y: height - bottom + 16, class: "date" }, new Date(first).toLocaleString()));
  const label = (value, y, anchor, xAt, format) => svg("text", { x: xAt, y: y + 4, "text-anchor": anchor, class: "scale" }, format(value));
  append(chart, [
    svg("line", { class: "axis", x1: left, y1: height - bottom, x2: width - right, y2: height - bottom }),
    svg("path", { class: "stock", d: steps(stock.y, (point) => point.stock) }),
    svg("path", { class: "price", d: steps(price.y, (point) => point.price ?? 0) }),
    label(stock.high, stock.y(stock.high), "end", left - 6, (v) => number.format(v)),
    stock.low !== stock.high ? label(stock.low, stock.y(stock.low), "end", left - 6, (v) => number.format(v)) : null,
    label(price.high, price.y(price.high), "start", width - right + 6, (v) => money.format(v)),
    price.low !== price.high ? label(price.low, price.y(price.low), "start", width - right + 6, (v) => money.format(v)) : null,
    svg("text", { x: left, y: 14 }, "stock on hand (solid, left)"),
    svg("text", { x: width - right, y: 14, "text-anchor": "end" }, "price (dashed, right)"),
    ticks]);
  chart.dataset.stockScale = `${stock.from}..${stock.to}`;
  return chart;
}

// ---- imports -------------------------------------------------------------------------------------------------

/** Past imports and their outcome; writers upload a file with the options of `stockwatch import`, previewing it first. */
async function importsPage() {
  const list = h("div", { id: "imports-list" });
  const result = h("div", { id: "import-result" });
  const preview = h("div", { id: "import-preview" });
  show(h("h1", {}, "Imports"),
    canWrite() ? uploadForm(preview, result, () => loadImports(list, null)) : h("p", { class: "muted" }, "Uploading a file needs a writer key."),
    preview, result,
    h("h2", {}, "Past imports"), list);
  await loadImports(list, null);
}

async function loadImports(into, before) {
  const page = await api(`/api/imports?limit=20${before ? `&before=${encodeURIComponent(before)}` : ""}`);
  const rows = page.map((i) => h("tr", { "data-import": i.import_id, "data-status": i.status },
    h("td", {}, when(i.created_at)), h("td", { class: "wrap" }, i.source), h("td", {}, i.kind ?? ""),
    h("td", {}, i.status, i.dry_run ? " (dry run)" : ""),
    h("td", { class: "num" }, i.accepted ?? "–"), h("td", { class: "num" }, i.rejected ?? "–"), h("td", { class: "num" }, i.unchanged ?? "–"),
    h("td", {}, h("button", { type: "button", class: "quiet", onclick: async () => {
      const result = document.getElementById("import-result");
      result.replaceChildren(await importOutcome(await api(`/api/imports/${encodeURIComponent(i.import_id)}`)));
      result.scrollIntoView();
    } }, "Open"))));
  const older = page.length === 20
    ? h("button", { type: "button", class: "quiet", id: "imports-older", onclick: () => loadImports(into, page[page.length - 1].created_at) }, "Older")
    : null;
  into.replaceChildren();
  append(into, [
    table(["When", "File", "Kind", "Status", h("th", { class: "num" }, "Accepted"), h("th", { class: "num" }, "Refused"), h("th", { class: "num" }, "Unchanged"), ""],
      rows.length ? rows : [h("tr", {}, h("td", { colspan: 8, class: "muted" }, before ? "No older import." : "No import yet."))], { id: "imports" }),
    before ? h("button", { type: "button", class: "quiet", onclick: () => loadImports(into, null) }, "Newest") : null, older]);
}

/** The options of `stockwatch import`, as the API's query takes them. */
function importQuery(v) {
  const q = new URLSearchParams();
  if (v.kind) q.set("kind", v.kind);
  for (const line of v.map.split("\n").map((l) => l.trim()).filter(Boolean)) q.append("map", line);
  if (v.delimiter) q.set("delimiter", v.delimiter);
  if (v.decimal_separator) q.set("decimal_separator", v.decimal_separator);
  for (const line of v.date_format.split("\n").map((l) => l.trim()).filter(Boolean)) q.append("date_format", line);
  if (v.stock) q.set("stock", v.stock);
  if (v.create_products) q.set("create_products", "true");
  return q;
}

function uploadForm(preview, result, refresh) {
  const file = h("input", { type: "file", id: "import-file", accept: ".csv,text/csv", "aria-label": "CSV file" });
  const progress = h("progress", { id: "upload-progress", max: 100, value: 0, hidden: true });
  const { form, inputs, message } = fieldForm("upload", [
    { name: "kind", label: "Kind", options: [["", "detect from the header"], ["products", "products"], ["sales", "sales"]] },
    { name: "delimiter", label: "Delimiter", options: [["", "detect"], [",", ", (comma)"], [";", "; (semicolon)"], ["tab", "tab"], ["|", "| (bar)"]] },
    { name: "decimal_separator", label: "Decimal separator", options: [["", "detect"], [".", ". (1234.56)"], [",", ", (1.234,56)"]] },
    { name: "stock", label: "Sales move stock", options: [["", "yes (apply)"], ["ignore", "no: history (ignore)"]] },
    { name: "map", label: "Column mappings, one per line", type: "textarea", placeholder: "StockCode=product_id" },
    { name: "date_format", label: "Date formats, tried in order", type: "textarea", placeholder: "dd/MM/yyyy HH:mm" },
    { name: "create_products", label: "Create missing products", type: "checkbox" },
    { name: "dry_run", label: "Dry run (write nothing)", type: "checkbox" },
  ], "Upload and import", async (v, submitter) => {
    const chosen = file.files[0];
    if (!chosen) throw new ApiError(400, "Choose a CSV file first.");
    const query = importQuery(v);
    if (submitter && submitter.id === "preview-button") {
      // The first MiB and a byte more: the server cuts at the last whole line when there is more.
      const body = chosen.slice(0, (1 << 20) + 1);
      query.set("rows", "10");
      const shown = await api(`/api/imports/preview?${query}`, { method: "POST", body, headers: { "Content-Type": "text/csv" } });
      preview.replaceChildren(previewTable(shown, chosen.name));
      return null;
    }
    if (v.dry_run) query.set("dry_run", "true");
    preview.replaceChildren();
    await upload(chosen, query, progress, result);
    await refresh();
    return null;
  });
  inputs.map.setAttribute("spellcheck", "false");
  const previewButton = h("button", { type: "submit", class: "quiet", id: "preview-button" }, "Preview first rows");
  form.querySelector(".actions").prepend(previewButton);
  form.prepend(h("div", { class: "filters" }, file));
  form.append(progress);
  message.id = "upload-message";
  return h("section", { class: "panel", "data-write": true, id: "upload-panel" },
    h("p", { class: "muted" }, "Products or sales as CSV. Valid rows are imported even when others are refused; preview first to see how the file will be read."),
    form);
}

/** The preview: which field each column holds, and the first rows as they will be read, or why they will be refused. */
function previewTable(preview, name) {
  const fields = [...new Set(preview.rows.flatMap((row) => Object.keys(row.values)))];
  return h("section", { class: "panel" },
    h("h2", {}, `Preview of ${name}`),
    h("p", { id: "preview-summary" }, `A ${preview.kind} file, delimited by "${preview.delimiter === "\t" ? "tab" : preview.delimiter}". Columns: `,
      preview.columns.map((c, i) => [i ? ", " : "", c.field ? `${c.name} → ${c.field}` : `${c.name} (ignored)`])),
    preview.notes.map((note) => h("p", { class: "muted" }, note)),
    table([h("th", { class: "num" }, "Line"), ...fields, "Refused because"],
      preview.rows.map((row) => h("tr", { "data-line": row.line, "data-refused": String(row.problems.length > 0) },
        h("td", { class: "num" }, row.line), fields.map((f) => h("td", { class: "wrap" }, row.values[f] ?? "")),
        h("td", { class: "wrap error" }, row.problems.join(" ")))), { id: "preview-rows" }));
}

/** Uploads with XMLHttpRequest, whose upload progress fetch cannot report, then follows the import until done. */
function upload(file, query, progress, result) {
  return new Promise((resolve) => {
    progress.hidden = false;
    progress.value = 0;
    result.replaceChildren(h("p", { class: "muted" }, `Uploading ${file.name}…`));
    const request = new XMLHttpRequest();
    request.open("POST", `/api/imports?${query}`);
    request.setRequestHeader("Authorization", `Bearer ${sessionStorage.getItem(KEY)}`);
    const form = new FormData();
    form.append("file", file, file.name);
    request.upload.onprogress = (event) => { if (event.lengthComputable) progress.value = (event.loaded / event.total) * 100; };
    request.onerror = () => { result.replaceChildren(h("p", { class: "error" }, "The upload failed; is serve running?")); resolve(); };
    request.onload = async () => {
      progress.value = 100;
      let body = {};
      try { body = JSON.parse(request.responseText); } catch { /* not JSON */ }
      if (request.status !== 202) {
        result.replaceChildren(h("p", { class: "error", role: "alert" }, body.detail || `The upload was refused (${request.status}).`));
        resolve();
        return;
      }
      result.replaceChildren(h("p", { class: "muted" }, `Import ${body.import_id} queued…`));
      let record;
      do {
        await new Promise((wait) => setTimeout(wait, 300));
        record = await api(`/api/imports/${encodeURIComponent(body.import_id)}`);
      } while (record.status !== "done" && record.status !== "failed");
      result.replaceChildren(await importOutcome(record));
      resolve();
    };
    request.send(form);
  });
}

async function importOutcome(record) {
  if (record.status === "failed") return h("p", { class: "error", role: "alert" }, `Import ${record.import_id} failed: ${record.error}`);
  const s = record.summary;
  const parts = [h("p", { id: "import-summary" },
    `Import ${record.import_id}${s.dry_run ? " (dry run: nothing written)" : ""}: ${s.accepted} of ${s.total} rows accepted, ${s.rejected} refused, ${s.unchanged} unchanged, ${s.created_products} products created.`),
  ...(s.notes || []).map((note) => h("p", { class: "muted" }, note))];
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

/**
 * The reports made so far, and for writers a week picker: make the week's report (once its period has ended),
 * preview any week without storing it, and download JSON and CSV of any report made.
 */
async function reportsPage() {
  const reports = await api("/api/reports");
  const frame = h("div", { id: "report-view" });
  const picker = canWrite() ? reportPicker(frame) : null;
  show(h("h1", {}, "Weekly reports"),
    h("p", { class: "muted" }, "A week runs from Thursday 17:00 UTC to the next Thursday 17:00 UTC, and is named by the ISO week it ends in."),
    picker,
    h("h2", {}, "Made so far"),
    table(["Week ending", "Id", "", "Download"], reports.length ? reports.map((r) => h("tr", { "data-report": r.report_id },
      h("td", {}, when(r.period_end)), h("td", {}, r.report_id),
      h("td", {}, h("button", { type: "button", class: "quiet", onclick: () => openReport(r, frame) }, "Open")),
      h("td", {}, ["json", "csv"].map((format) => [
        h("button", { type: "button", class: "quiet", "data-download": format, onclick: () => download(r.content[format], `${r.report_id}.${format}`) }, format.toUpperCase()), " "]))))
      : [h("tr", {}, h("td", { colspan: 4, class: "muted" }, "No report yet."))], { id: "reports" }),
    frame);
}

/** The ISO week (2026-W49) of the latest Thursday 17:00 UTC: the latest week made on the default schedule. */
function latestWeek(now) {
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 17));
  while (end.getUTCDay() !== 4 || end > now) end.setUTCDate(end.getUTCDate() - 1);
  return isoWeek(end);
}

function isoWeek(date) {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  day.setUTCDate(day.getUTCDate() + 4 - (day.getUTCDay() || 7));
  const start = new Date(Date.UTC(day.getUTCFullYear(), 0, 1));
  return `${day.getUTCFullYear()}-W${String(Math.ceil(((day - start) / 86_400_000 + 1) / 7)).padStart(2, "0")}`;
}

function reportPicker(frame) {
  const week = h("input", { type: "week", id: "report-week", value: latestWeek(new Date()), "aria-label": "Week" });
  const message = h("p", { class: "form-message", role: "status", id: "report-message" });
  const run = (preview) => async (event) => {
    event.target.disabled = true;
    message.className = "form-message";
    message.textContent = "";
    try {
      const query = new URLSearchParams({ week: week.value });
      if (preview) {
        query.set("preview", "true");
        query.set("format", "html");
        const html = await api(`/api/reports/weekly?${query}`, { method: "POST", raw: true }).then((r) => r.text());
        frame.replaceChildren(h("h2", {}, `Preview of ${week.value} (not stored)`),
          h("iframe", { class: "report-frame", sandbox: "", srcdoc: html, title: `Preview of ${week.value}`, id: "report-frame" }));
        message.textContent = "Previewed; nothing was stored.";
      } else {
        const made = await api(`/api/reports/weekly?${query}`, { method: "POST" });
        await reportsPage();
        await openReport(made, document.getElementById("report-view"));
      }
    } catch (failure) {
      message.className = "form-message error";
      message.textContent = failure.message;
    } finally {
      event.target.disabled = false;
    }
  };
  return h("section", { class: "panel", "data-write": true, id: "report-picker" },
    h("div", { class: "filters" }, h("label", {}, "Week ", week),
      h("button", { type: "button", id: "make-report", onclick: run(false) }, "Make the report"),
      h("button", { type: "button", class: "quiet", id: "preview-report", onclick: run(true) }, "Preview")),
    message);
}

/** Downloads an API resource with the key (a plain link cannot send it) under <name>. */
async function download(path, name) {
  const blob = await api(path, { raw: true }).then((r) => r.blob());
  const link = h("a", { href: URL.createObjectURL(blob), download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
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
  show(h("h1", {}, "Health ", badge(health.status === "healthy" ? "ok" : health.status === "degraded" ? "low" : "out", health.status)),
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
