// Mailroom web UI: lists stored messages, shows one at a time, updates live.
// Everything taken from a message is written with textContent or into a
// sandboxed srcdoc frame, never parsed as HTML in this page.
"use strict";

const PAGE = 50;
const state = { items: [], total: 0, query: "", selected: null, rawFor: null };

const $ = (id) => document.getElementById(id);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function messageUrl(id) {
  return "/api/v1/messages/" + encodeURIComponent(id);
}

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(url + " answered " + response.status);
  return response.json();
}

function formatSize(bytes) {
  if (bytes < 1024) return bytes + " B";
  if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + " KB";
  return (bytes / 1024 / 1024).toFixed(1) + " MB";
}

function formatShortDate(value) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const today = new Date().toDateString() === date.toDateString();
  return today
    ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" })
    : date.toLocaleDateString();
}

function formatDate(value) {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}

// ---- list ----

function row(summary, fresh) {
  const tr = el("tr", null, fresh ? "fresh" : "");
  tr.dataset.id = summary.ID;
  tr.append(
    el("td", summary.Subject || "(no subject)"),
    el("td", summary.From),
    el("td", summary.To),
    el("td", formatShortDate(summary.Created)),
    el("td", formatSize(summary.Size), "num"),
  );
  tr.title = summary.Subject || "";
  if (summary.ID === state.selected) tr.classList.add("selected");
  tr.addEventListener("click", () => openMessage(summary.ID));
  return tr;
}

function renderList() {
  const body = $("messages").querySelector("tbody");
  body.replaceChildren(...state.items.map((item) => row(item, false)));
  renderCount();
}

function renderCount() {
  const shown = state.items.length;
  $("empty").hidden = shown > 0 || state.query !== "";
  $("count").textContent = state.query
    ? state.total + " matching “" + state.query + "”"
    : state.total + " message" + (state.total === 1 ? "" : "s");
  $("more").hidden = shown >= state.total;
}

async function loadList(append) {
  const start = append ? state.items.length : 0;
  const params = new URLSearchParams({ start: String(start), limit: String(PAGE) });
  if (state.query) params.set("query", state.query);
  const page = await getJson("/api/ui/messages?" + params);
  state.total = page.total;
  state.items = append ? state.items.concat(page.items) : page.items;
  renderList();
}

function onNewMessage(summary) {
  // A search shows what matched when it ran; only the plain list grows live.
  if (state.query) return;
  if (state.items.some((item) => item.ID === summary.ID)) return;
  state.items.unshift(summary);
  state.total += 1;
  $("messages").querySelector("tbody").prepend(row(summary, true));
  renderCount();
}

function listenForMessages() {
  const live = $("live");
  const source = new EventSource("/api/v2/events");
  source.onopen = () => {
    live.textContent = "live";
    live.classList.add("on");
    loadList(false).catch(showError);
  };
  source.onerror = () => {
    live.textContent = "reconnecting…";
    live.classList.remove("on");
  };
  source.onmessage = (event) => {
    try {
      onNewMessage(JSON.parse(event.data));
    } catch (error) {
      showError(error);
    }
  };
}

// ---- reader ----

function selectTab(name) {
  for (const button of document.querySelectorAll(".tabs button")) {
    button.setAttribute("aria-selected", String(button.dataset.tab === name));
  }
  for (const panel of document.querySelectorAll(".tab")) {
    panel.classList.toggle("active", panel.dataset.panel === name);
  }
  if (name === "raw") loadRaw().catch(showError);
}

async function loadRaw() {
  if (!state.selected || state.rawFor === state.selected) return;
  const id = state.selected;
  const response = await fetch(messageUrl(id) + "/download");
  if (!response.ok) throw new Error("download answered " + response.status);
  const text = await response.text();
  if (state.selected === id) {
    $("raw").textContent = text;
    state.rawFor = id;
  }
}

function renderHeaders(headers) {
  const body = $("headers").querySelector("tbody");
  body.replaceChildren(
    ...headers.map(([name, value]) => {
      const tr = el("tr");
      tr.append(el("th", name), el("td", value));
      return tr;
    }),
  );
}

function renderAttachments(id, attachments) {
  const list = $("attachments");
  list.replaceChildren(
    ...attachments.map((attachment) => {
      const link = el("a", attachment.Filename + " (" + formatSize(attachment.Size) + ")");
      link.href = messageUrl(id) + "/mime/part/" + attachment.Part + "/download";
      link.download = attachment.Filename;
      link.title = attachment.ContentType;
      const item = el("li");
      item.append(link);
      return item;
    }),
  );
}

function renderMessage(detail) {
  $("subject").textContent = detail.Subject || "(no subject)";
  $("from").textContent = detail.From;
  $("to").textContent = detail.To;
  $("cc").textContent = detail.Cc || "—";
  $("date").textContent = formatDate(detail.Created);
  $("envelope").textContent =
    detail.Envelope.From + " → " + detail.Envelope.To.join(", ") + " (" + detail.Source + ")";
  $("download").href = messageUrl(detail.ID) + "/download";
  renderAttachments(detail.ID, detail.Attachments);
  renderHeaders(detail.Headers);
  $("text").textContent = detail.Text === null ? "(no text part)" : detail.Text;
  $("raw").textContent = "";
  const frame = $("html");
  const hasHtml = detail.HTML !== null;
  // srcdoc is set as a property: the frame parses it, sandboxed, in an opaque origin.
  frame.srcdoc = hasHtml ? detail.HTML : "";
  frame.hidden = !hasHtml;
  $("no-html").hidden = hasHtml;
  selectTab(hasHtml ? "html" : "text");
}

async function openMessage(id) {
  state.selected = id;
  state.rawFor = null;
  for (const tr of $("messages").querySelectorAll("tbody tr")) {
    tr.classList.toggle("selected", tr.dataset.id === id);
  }
  try {
    const detail = await getJson("/api/ui/messages/" + encodeURIComponent(id));
    if (state.selected !== id) return;
    renderMessage(detail);
    $("reader").hidden = false;
    // The address names the open message, so it can be bookmarked or reloaded.
    history.replaceState(null, "", "#" + encodeURIComponent(id));
  } catch (error) {
    showError(error);
  }
}

function closeReader() {
  state.selected = null;
  state.rawFor = null;
  $("reader").hidden = true;
  $("html").srcdoc = "";
  history.replaceState(null, "", location.pathname);
}

// ---- actions ----

async function deleteSelected() {
  const id = state.selected;
  if (!id) return;
  const response = await fetch(messageUrl(id), { method: "DELETE" });
  if (!response.ok && response.status !== 404) throw new Error("delete answered " + response.status);
  state.items = state.items.filter((item) => item.ID !== id);
  state.total = Math.max(0, state.total - 1);
  closeReader();
  renderList();
}

async function deleteAll() {
  if (!window.confirm("Delete every stored message?")) return;
  const response = await fetch("/api/v1/messages", { method: "DELETE" });
  if (!response.ok) throw new Error("delete all answered " + response.status);
  closeReader();
  await loadList(false);
}

function showError(error) {
  console.error(error);
  $("count").textContent = "Error: " + error.message;
}

function start() {
  for (const button of document.querySelectorAll(".tabs button")) {
    button.addEventListener("click", () => selectTab(button.dataset.tab));
  }
  $("delete-one").addEventListener("click", () => deleteSelected().catch(showError));
  $("delete-all").addEventListener("click", () => deleteAll().catch(showError));
  $("more").addEventListener("click", () => loadList(true).catch(showError));
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.query = $("search").value.trim();
    loadList(false).catch(showError);
  });
  $("search").addEventListener("search", () => {
    state.query = $("search").value.trim();
    loadList(false).catch(showError);
  });
  loadList(false).catch(showError);
  listenForMessages();
  if (location.hash.length > 1) openMessage(decodeURIComponent(location.hash.slice(1)));
}

document.addEventListener("DOMContentLoaded", start);
