// The web chat page: one person (a "persona") talking to the bot. Plain browser JavaScript, no build step, so it
// works offline from the static folder. The HTTP/SSE contract is in the project's web-contract notes; the DOM
// data-testid attributes are relied on by the browser test.
"use strict";

const TIME_ZONE = "Asia/Ho_Chi_Minh";
const MAX_FILE_BYTES = 20 * 1024 * 1024; // checked here too, so a too-large file is refused before it is uploaded
const STORE_PERSONA = "webchat.as";
const STORE_LANG = "webchat.lang";
const NEAR_BOTTOM_PX = 48;

const $ = (id) => document.getElementById(id);
const el = {
  persona: $("persona"), lang: $("lang"), menuBtn: document.querySelector("[data-testid=menu]"), menuPanel: $("menu-panel"),
  commandList: $("command-list"), menuEmpty: $("menu-empty"), status: $("status"), scroller: $("scroller"),
  welcome: $("welcome"), emptyChat: $("empty-chat"), list: $("messages"), jump: $("jump"), quick: $("quick"),
  note: $("composer-note"), error: $("composer-error"), form: $("composer"), input: $("composer-input"), upload: $("upload"),
};

const state = {
  lang: "vi",
  strings: {},
  people: [],
  chatId: null,
  /** id → WebMessage, the conversation as the page knows it */
  messages: new Map(),
  commands: [],
  events: null,
  /** bumped on every persona switch, so answers for the previous person are dropped */
  session: 0,
  streamBroken: false,
  stickToBottom: true,
  /** id of the bot message whose oneTime keyboard was used (then hidden until a newer keyboard arrives) */
  usedOneTimeKeyboard: null,
  sending: false,
};

// ---------------------------------------------------------------------------------------------------------------
// Strings

/** The page's text for a key, with {{name}} filled in; "" before the strings have loaded (the page stays wordless). */
function t(key, vars = {}) {
  const text = state.strings[key] ?? "";
  return text.replace(/\{\{-?\s*(\w+)\s*\}\}/g, (_, name) => String(vars[name] ?? ""));
}

async function loadStrings(lang) {
  const res = await fetch(`/api/ui?lang=${encodeURIComponent(lang)}`);
  if (!res.ok) throw new Error(`ui ${res.status}`);
  const body = await res.json();
  state.lang = body.lang || lang;
  state.strings = body.strings || {};
  applyStrings(body.langs || ["vi", "en"]);
}

/** Fill every element marked with data-i18n* and the language switch. */
function applyStrings(langs) {
  document.documentElement.lang = state.lang;
  document.title = t("title");
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const node of document.querySelectorAll("[data-i18n-aria-label]")) node.setAttribute("aria-label", t(node.dataset.i18nAriaLabel));
  el.lang.replaceChildren(...langs.map((code) => new Option(t(`lang_name_${code}`) || code, code, false, code === state.lang)));
}

// ---------------------------------------------------------------------------------------------------------------
// Formatting

const timeFormat = () => new Intl.DateTimeFormat(state.lang, { timeZone: TIME_ZONE, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const dateParts = new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, day: "2-digit", month: "2-digit", year: "numeric" });

/** dd/mm/yyyy in Vietnam's time zone, built from parts so no locale can reorder it. */
function formatDate(date) {
  const p = Object.fromEntries(dateParts.formatToParts(date).map((x) => [x.type, x.value]));
  return `${p.day}/${p.month}/${p.year}`;
}

function formatSize(bytes) {
  const num = (n, digits) => new Intl.NumberFormat(state.lang, { maximumFractionDigits: digits }).format(n);
  if (bytes < 1024) return t("size_bytes", { size: num(bytes, 0) });
  if (bytes < 1024 * 1024) return t("size_kb", { size: num(bytes / 1024, bytes < 10 * 1024 ? 1 : 0) });
  return t("size_mb", { size: num(bytes / (1024 * 1024), 1) });
}

function make(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k in node && typeof v !== "string") node[k] = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

// ---------------------------------------------------------------------------------------------------------------
// Safe text: linkified plain text and whitelisted HTML

const URL_RE = /\bhttps?:\/\/[^\s<>"']+/g;

/** Plain text → text nodes and <a> for http(s) URLs (trailing punctuation stays text: "see https://x.vn." ). */
function linkify(text) {
  const out = [];
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    const url = trimUrlEnd(match[0]);
    out.push(document.createTextNode(text.slice(last, match.index)));
    out.push(safeLink(url, url) ?? document.createTextNode(url));
    last = match.index + url.length;
  }
  out.push(document.createTextNode(text.slice(last)));
  return out;
}

/** Punctuation ending a sentence is not part of the URL; a ")" is, when it closes a "(" inside the URL. */
function trimUrlEnd(url) {
  const count = (ch) => url.split(ch).length - 1;
  while (/[.,;:!?\]'"]$/.test(url) || (url.endsWith(")") && count(")") > count("("))) url = url.slice(0, -1);
  return url;
}

const LINK_PROTOCOLS = new Set(["http:", "https:", "tg:", "mailto:"]);

/** An <a> only for an allowed protocol; web links open in a new tab without giving it access to this page. */
function safeLink(href, text) {
  let url;
  try { url = new URL(href, location.href); } catch { return null; }
  if (!LINK_PROTOCOLS.has(url.protocol)) return null;
  const a = make("a", { href: url.href });
  if (url.protocol.startsWith("http")) Object.assign(a, { target: "_blank", rel: "noopener noreferrer" });
  if (text !== undefined) a.textContent = text;
  return a;
}

const KEPT_TAGS = new Set(["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "blockquote"]);
const DROPPED_WITH_CONTENT = new Set(["script", "style", "template", "noscript", "iframe", "object", "svg", "math"]);

/** Telegram's HTML subset → fresh DOM built from a whitelist; nothing of the parsed markup is inserted as is. */
function sanitizeHtml(html) {
  const doc = new DOMParser().parseFromString(html, "text/html");
  const fragment = document.createDocumentFragment();
  copyAllowed(doc.body, fragment, false);
  return fragment;
}

function copyAllowed(from, to, inLinkOrCode) {
  for (const node of from.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      to.append(...(inLinkOrCode ? [document.createTextNode(node.data)] : linkify(node.data)));
      continue;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) continue;
    const tag = node.localName;
    if (DROPPED_WITH_CONTENT.has(tag)) continue;
    let copy = null;
    if (KEPT_TAGS.has(tag)) copy = document.createElement(tag);
    else if (tag === "a") copy = safeLink(node.getAttribute("href") ?? "") ?? document.createElement("span");
    else if (tag === "tg-spoiler" || (tag === "span" && node.classList.contains("tg-spoiler"))) copy = spoiler();
    else if (tag === "br") { to.append("\n"); continue; }
    if (copy) {
      copyAllowed(node, copy, inLinkOrCode || tag === "a" || tag === "code" || tag === "pre");
      to.append(copy);
    } else {
      copyAllowed(node, to, inLinkOrCode); // unknown tag: drop it, keep its text
    }
  }
}

/** Hidden text revealed by click or keyboard, like Telegram's spoilers. */
function spoiler() {
  const span = make("span", { class: "spoiler", tabindex: "0", role: "button", title: t("spoiler") });
  const reveal = () => { span.classList.add("revealed"); span.removeAttribute("role"); span.removeAttribute("tabindex"); span.removeAttribute("title"); };
  span.addEventListener("click", reveal, { once: true });
  span.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); reveal(); } });
  return span;
}

// ---------------------------------------------------------------------------------------------------------------
// Messages

function renderMessage(msg) {
  const bubble = make("div", { class: "bubble" }, [make("span", { class: "sr-only" }, [t(msg.from === "me" ? "from_me" : "from_bot") + " "])]);
  if (msg.file) bubble.append(renderFile(msg.file));
  if (msg.html) bubble.append(make("div", { class: "text" }, [sanitizeHtml(msg.html)]));
  else if (msg.text) bubble.append(make("div", { class: "text" }, linkify(msg.text)));
  if (msg.contact) bubble.append(make("div", { class: "text contact" }, [t("contact_shared", { phone: msg.contact.phone })]));
  const at = new Date(msg.at);
  const meta = make("div", { class: "meta" });
  if (msg.edited) meta.append(make("span", { class: "edited" }, [t("edited_mark")]));
  if (!Number.isNaN(at.getTime())) meta.append(make("time", { datetime: msg.at, title: formatDate(at) }, [timeFormat().format(at)]));
  bubble.append(meta);
  const li = make("li", { class: `msg from-${msg.from === "me" ? "me" : "bot"}`, dataset: { testid: "message", from: msg.from, id: String(msg.id) } }, [bubble]);
  if (msg.file?.kind === "photo") li.classList.add("has-photo");
  if (msg.buttons?.length) { li.classList.add("has-buttons"); li.append(renderInlineButtons(msg)); }
  return li;
}

function renderFile(file) {
  if (file.kind === "photo") {
    const img = make("img", { src: file.url, alt: file.name || "", decoding: "async", dataset: { testid: "photo" } });
    img.addEventListener("load", () => state.stickToBottom && scrollToNewest());
    return make("a", { class: "photo", href: file.url, target: "_blank", rel: "noopener", "aria-label": t("open_photo", { name: file.name || "" }) }, [img]);
  }
  return make("a", { class: "document", href: file.url, download: file.name || "", dataset: { testid: "document" }, title: t("download", { name: file.name || "" }) }, [
    make("span", { class: "doc-icon", "aria-hidden": "true" }),
    make("span", { class: "doc-text" }, [make("span", { class: "doc-name" }, [file.name || ""]), make("span", { class: "doc-size" }, [formatSize(file.size || 0)])]),
  ]);
}

function renderInlineButtons(msg) {
  const box = make("div", { class: "inline-keyboard" });
  for (const row of msg.buttons) {
    const line = make("div", { class: "inline-row" });
    for (const b of row) {
      if (b.url) {
        const a = safeLink(b.url, b.label);
        if (a) { a.className = "inline-btn inline-link"; line.append(a); }
      } else {
        const btn = make("button", { type: "button", class: "inline-btn", dataset: { testid: "inline-button" } }, [b.label]);
        btn.addEventListener("click", () => pressButton(btn, msg.id, b.data ?? ""));
        line.append(btn);
      }
    }
    box.append(line);
  }
  return box;
}

/** Add or replace messages by id (an edit keeps its id and takes the old one's place), then refresh what depends on them. */
function upsertMessages(list) {
  const wasAtBottom = state.stickToBottom;
  for (const msg of list) {
    if (typeof msg?.id !== "number") continue;
    const old = el.list.querySelector(`li[data-testid=message][data-id="${msg.id}"]`);
    state.messages.set(msg.id, msg);
    const node = renderMessage(msg);
    if (old) {
      const hadFocus = old.contains(document.activeElement);
      old.replaceWith(node);
      if (hadFocus) node.querySelector("button, a")?.focus(); // keep keyboard users inside the edited message
    } else {
      el.list.insertBefore(node, nextMessageNode(msg.id));
    }
  }
  refreshDayLines();
  renderReplyKeyboard();
  el.emptyChat.hidden = !state.chatId || state.messages.size > 0;
  if (wasAtBottom) scrollToNewest();
  else el.jump.hidden = false;
}

/** The first rendered message with a greater id (messages normally arrive in order; a re-fetch may fill a gap). */
function nextMessageNode(id) {
  for (const node of el.list.querySelectorAll("li[data-testid=message]")) if (Number(node.dataset.id) > id) return node;
  return null;
}

/** A date line before the first message of each day (Vietnam time). */
function refreshDayLines() {
  for (const line of el.list.querySelectorAll("li.day-line")) line.remove();
  let lastDay = "";
  for (const node of el.list.querySelectorAll("li[data-testid=message]")) {
    const at = new Date(state.messages.get(Number(node.dataset.id))?.at);
    if (Number.isNaN(at.getTime())) continue;
    const day = formatDate(at);
    if (day !== lastDay) node.before(make("li", { class: "day-line" }, [make("span", {}, [day])]));
    lastDay = day;
  }
}

function rerenderAll() {
  el.list.setAttribute("aria-busy", "true"); // a full redraw is not news: keep screen readers quiet
  el.list.replaceChildren();
  upsertMessages([...state.messages.values()].sort((a, b) => a.id - b.id));
  el.list.setAttribute("aria-busy", "false");
}

// ---------------------------------------------------------------------------------------------------------------
// Scrolling: follow the newest message unless the person scrolled up to read

function scrollToNewest() {
  el.scroller.scrollTop = el.scroller.scrollHeight;
  state.stickToBottom = true;
  el.jump.hidden = true;
}

el.scroller.addEventListener("scroll", () => {
  const gap = el.scroller.scrollHeight - el.scroller.scrollTop - el.scroller.clientHeight;
  state.stickToBottom = gap < NEAR_BOTTOM_PX;
  if (state.stickToBottom) el.jump.hidden = true;
}, { passive: true });
// The composer growing or quick replies appearing shrink the list: keep the newest message in view.
new ResizeObserver(() => state.stickToBottom && scrollToNewest()).observe(el.scroller);
el.jump.addEventListener("click", () => { scrollToNewest(); el.input.focus(); });

// ---------------------------------------------------------------------------------------------------------------
// Reply keyboard (quick replies above the composer)

/** The newest bot message with `keyboard` or `removeKeyboard` decides what is shown. */
function currentKeyboard() {
  const ids = [...state.messages.keys()].sort((a, b) => b - a);
  for (const id of ids) {
    const msg = state.messages.get(id);
    if (msg.from !== "bot") continue;
    if (msg.removeKeyboard) return null;
    if (msg.keyboard) return state.usedOneTimeKeyboard === id ? null : { id, ...msg.keyboard };
  }
  return null;
}

function renderReplyKeyboard() {
  const kb = currentKeyboard();
  const focusedLabel = el.quick.contains(document.activeElement) ? document.activeElement.textContent : null;
  el.quick.replaceChildren();
  el.quick.hidden = !kb;
  if (!kb) return;
  for (const row of kb.rows || []) {
    const line = make("div", { class: "quick-row" });
    for (const key of row) line.append(key.contact ? renderPhoneField(kb) : renderReplyButton(kb, key.label));
    el.quick.append(line);
  }
  if (focusedLabel) [...el.quick.querySelectorAll("button")].find((b) => b.textContent === focusedLabel)?.focus();
}

function renderReplyButton(kb, label) {
  const btn = make("button", { type: "button", class: "reply-btn", dataset: { testid: "reply-button" } }, [label]);
  btn.addEventListener("click", async () => {
    if (await post({ text: label }) && kb.oneTime) { state.usedOneTimeKeyboard = kb.id; renderReplyKeyboard(); }
  });
  return btn;
}

/** The "share my phone number" button of a chat app becomes a phone field: a browser has no contact to share. */
function renderPhoneField(kb) {
  const input = make("input", { type: "tel", id: "phone-input", inputMode: "tel", autocomplete: "tel", required: true, dataset: { testid: "phone-input" } });
  const form = make("form", { class: "phone-form" }, [
    make("label", { for: "phone-input", class: "phone-label" }, [t("phone_label")]),
    make("div", { class: "phone-line" }, [input, make("button", { type: "submit", class: "reply-btn phone-send", dataset: { testid: "phone-send" } }, [t("phone_send")])]),
  ]);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const phone = input.value.trim();
    if (!phone) { showError("error_empty"); input.focus(); return; }
    if (await post({ contact: { phone } }) && kb.oneTime) { state.usedOneTimeKeyboard = kb.id; renderReplyKeyboard(); }
  });
  return form;
}

// ---------------------------------------------------------------------------------------------------------------
// Sending: the page never shows its own messages itself; they come back through the event stream

function showError(key) {
  el.error.textContent = t(key) || t("error_unknown");
}
function clearError() { el.error.textContent = ""; }

/** POST to the chat; true when the server accepted it (202), otherwise the error is shown and the input kept. */
async function post(body) {
  if (!state.chatId) { el.persona.focus(); return false; }
  const isForm = body instanceof FormData;
  let res;
  try {
    res = await fetch(`/api/chats/${encodeURIComponent(state.chatId)}/messages`, {
      method: "POST",
      headers: isForm ? {} : { "Content-Type": "application/json" },
      body: isForm ? body : JSON.stringify(body),
    });
  } catch {
    showError("error_network");
    return false;
  }
  if (res.ok) { clearError(); return true; }
  const data = await res.json().catch(() => ({}));
  showError(typeof data.error === "string" && state.strings[data.error] ? data.error : res.status === 413 ? "error_file_too_large" : "error_unknown");
  return false;
}

async function sendTyped() {
  const text = el.input.value;
  if (!text.trim()) { showError("error_empty"); return; }
  if (state.sending) return;
  state.sending = true; // one request at a time, so Enter pressed twice does not send twice
  try {
    if (await post({ text })) { el.input.value = ""; autosize(); }
  } finally {
    state.sending = false;
  }
}

async function pressButton(btn, messageId, data) {
  btn.disabled = true; // until the server answers: a double tap would press twice
  btn.setAttribute("aria-busy", "true");
  await post({ press: { messageId, data } });
  btn.disabled = false;
  btn.removeAttribute("aria-busy");
}

/** A chosen file is sent at once; text already typed goes with it as the caption. */
async function sendFile(file) {
  if (file.size > MAX_FILE_BYTES) { showError("error_file_too_large"); return; }
  const form = new FormData();
  form.append("file", file, file.name);
  const caption = el.input.value.trim();
  if (caption) form.append("caption", caption);
  el.note.textContent = t("uploading");
  el.note.hidden = false;
  try {
    if (await post(form) && caption) { el.input.value = ""; autosize(); }
  } finally {
    el.note.hidden = true;
  }
}

function autosize() {
  el.input.style.height = "auto";
  el.input.style.height = `${Math.min(el.input.scrollHeight, 160)}px`;
}

el.form.addEventListener("submit", (e) => { e.preventDefault(); sendTyped(); });
el.input.addEventListener("keydown", (e) => {
  // isComposing: Vietnamese input methods (Telex, VNI) use Enter to commit a word; that Enter must not send.
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); sendTyped(); }
});
el.input.addEventListener("input", () => { autosize(); if (el.error.textContent) clearError(); });
el.upload.addEventListener("change", () => {
  const file = el.upload.files?.[0];
  el.upload.value = ""; // the same file can be chosen again after an error
  if (file) sendFile(file);
});

// ---------------------------------------------------------------------------------------------------------------
// Command menu

function renderCommands() {
  el.commandList.replaceChildren(...state.commands.map((c) => {
    const btn = make("button", { type: "button", class: "command", dataset: { testid: "command" } }, [
      make("span", { class: "command-name" }, [`/${c.command}`]),
      make("span", { class: "command-desc" }, [c.description || ""]),
    ]);
    btn.addEventListener("click", async () => { closeMenu(); await post({ text: `/${c.command}` }); el.input.focus(); });
    return make("li", {}, [btn]);
  }));
  el.menuEmpty.hidden = state.commands.length > 0;
}

function openMenu() {
  el.menuPanel.hidden = false;
  el.menuBtn.setAttribute("aria-expanded", "true");
  (el.commandList.querySelector("button") ?? el.menuBtn).focus();
}
function closeMenu({ focusButton = false } = {}) {
  if (el.menuPanel.hidden) return;
  el.menuPanel.hidden = true;
  el.menuBtn.setAttribute("aria-expanded", "false");
  if (focusButton) el.menuBtn.focus();
}

el.menuBtn.addEventListener("click", () => (el.menuPanel.hidden ? openMenu() : closeMenu()));
document.addEventListener("keydown", (e) => { if (e.key === "Escape") closeMenu({ focusButton: true }); });
document.addEventListener("click", (e) => {
  if (!el.menuPanel.hidden && !el.menuPanel.contains(e.target) && !el.menuBtn.contains(e.target)) closeMenu();
});

// ---------------------------------------------------------------------------------------------------------------
// Live updates

function setStatus(key) {
  el.status.textContent = key ? t(key) : "";
  el.status.hidden = !key;
}

async function fetchMessages(session) {
  const res = await fetch(`/api/chats/${encodeURIComponent(state.chatId)}/messages?lang=${encodeURIComponent(state.lang)}`); // lang: of the command menu
  if (session !== state.session) return;
  if (res.status === 404) { forgetPersona(); showError("error_unknown_chat"); return; }
  if (!res.ok) throw new Error(`messages ${res.status}`);
  const body = await res.json();
  if (session !== state.session) return;
  state.commands = body.commands || [];
  renderCommands();
  const firstLoad = state.messages.size === 0;
  if (firstLoad) el.list.setAttribute("aria-busy", "true"); // the history is not news: announce only what arrives later
  upsertMessages(body.messages || []);
  el.list.setAttribute("aria-busy", "false");
}

/** Open the stream first, then load the history on every (re)open: merging by id makes the overlap harmless. */
function connect() {
  const session = state.session;
  state.events?.close();
  const es = new EventSource(`/api/chats/${encodeURIComponent(state.chatId)}/events`);
  state.events = es;
  // Also load at once: a stream that cannot open (unknown person, proxy) must not leave the page empty.
  fetchMessages(session).catch(() => {});
  es.addEventListener("open", () => {
    if (session !== state.session) return;
    setStatus(null);
    fetchMessages(session).catch(() => setStatus("reconnecting"));
  });
  es.addEventListener("message", (e) => {
    if (session !== state.session) return;
    const message = JSON.parse(e.data);
    upsertMessages([message]);
    // A new worker exists once the bot has answered them: the switch can then name them ("Người lao động 3").
    if (message.from === "bot" && !state.people.some((p) => p.id === state.chatId)) loadPeople().catch(() => {});
  });
  es.addEventListener("commands", (e) => {
    if (session !== state.session) return;
    state.commands = JSON.parse(e.data) || [];
    renderCommands();
  });
  es.addEventListener("error", () => {
    if (session !== state.session) return;
    setStatus(navigator.onLine ? "reconnecting" : "offline");
    // EventSource retries by itself unless the server answered with an error; then it stays closed, so retry here.
    if (es.readyState === EventSource.CLOSED) setTimeout(() => session === state.session && connect(), 3000);
  });
}

window.addEventListener("offline", () => state.chatId && setStatus("offline"));
window.addEventListener("online", () => {
  if (!state.chatId) return;
  const open = state.events?.readyState === EventSource.OPEN;
  setStatus(open ? null : "reconnecting");
  if (open) fetchMessages(state.session).catch(() => {}); // the stream may have survived; catch up anyway
});

// ---------------------------------------------------------------------------------------------------------------
// Persona: #as=<id> wins, else the one remembered, else ask

function personaFromHash() {
  const m = /(?:^#|&)as=([^&]+)/.exec(location.hash);
  return m ? decodeURIComponent(m[1]) : null;
}

async function loadPeople() {
  const res = await fetch(`/api/people?lang=${encodeURIComponent(state.lang)}`);
  if (!res.ok) throw new Error(`people ${res.status}`);
  state.people = (await res.json()).people || [];
  renderPersonaSwitch();
}

function personOption(p) {
  const label = p.label || t(`role_${p.role}`) || p.id;
  const option = new Option(p.detail ? `${label} · ${p.detail}` : label, p.id);
  option.title = t(`role_${p.role}`);
  return option;
}

function renderPersonaSwitch() {
  const demo = make("optgroup", { label: t("persona_group_demo") });
  const workers = make("optgroup", { label: t("persona_group_workers") });
  for (const p of state.people) (p.role === "worker" ? workers : demo).append(personOption(p));
  if (state.chatId && !state.people.some((p) => p.id === state.chatId)) workers.append(new Option(state.chatId, state.chatId));
  workers.append(new Option(t("new_worker"), "new"));
  const choose = new Option(t("persona_choose"), "");
  choose.disabled = true;
  el.persona.replaceChildren(...(state.chatId ? [] : [choose]), demo, workers);
  el.persona.value = state.chatId ?? "";
}

function switchPersona(id, { force = false } = {}) {
  if (id === state.chatId && !force) return;
  state.session += 1;
  state.events?.close();
  state.events = null;
  state.chatId = id;
  state.messages.clear();
  state.commands = [];
  state.usedOneTimeKeyboard = null;
  state.stickToBottom = true;
  el.list.replaceChildren();
  clearError();
  closeMenu();
  renderCommands();
  renderReplyKeyboard();
  setStatus(null);
  el.welcome.hidden = !!id;
  el.emptyChat.hidden = true;
  renderPersonaSwitch();
  if (!id) { el.persona.focus(); return; }
  localStorage.setItem(STORE_PERSONA, id);
  connect();
}

function forgetPersona() {
  localStorage.removeItem(STORE_PERSONA);
  if (personaFromHash()) history.replaceState(null, "", location.pathname + location.search);
  switchPersona(null);
}

/** Choosing in the switch goes through the hash, so the address always names the person (and can be shared to a tab). */
el.persona.addEventListener("change", async () => {
  const value = el.persona.value;
  if (value !== "new") { location.hash = `as=${encodeURIComponent(value)}`; return; }
  el.persona.disabled = true;
  try {
    const res = await fetch("/api/people", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ role: "worker" }) });
    if (!res.ok) throw new Error(`people ${res.status}`);
    const { id } = await res.json();
    await loadPeople().catch(() => {});
    location.hash = `as=${encodeURIComponent(id)}`;
  } catch {
    showError("error_network");
    renderPersonaSwitch();
  } finally {
    el.persona.disabled = false;
  }
});

window.addEventListener("hashchange", () => {
  const id = personaFromHash();
  if (!id) return;
  if (!state.people.some((p) => p.id === id)) loadPeople().catch(() => {});
  switchPersona(id);
});

el.lang.addEventListener("change", async () => {
  const lang = el.lang.value;
  localStorage.setItem(STORE_LANG, lang);
  try {
    await loadStrings(lang);
    await loadPeople();
  } catch {
    showError("error_network");
  }
  renderPersonaSwitch();
  renderCommands();
  if (state.chatId) fetchMessages(state.session).catch(() => {}); // the command menu's descriptions follow the language
  rerenderAll(); // times, "edited" and the screen-reader prefixes follow the language
  if (el.status.textContent) setStatus(navigator.onLine ? "reconnecting" : "offline");
});

// ---------------------------------------------------------------------------------------------------------------
// Start

async function start() {
  const lang = localStorage.getItem(STORE_LANG) || "vi";
  try {
    await loadStrings(lang);
  } catch {
    if (lang !== "vi") await loadStrings("vi").catch(() => {});
  }
  const id = personaFromHash() || localStorage.getItem(STORE_PERSONA);
  state.chatId = null;
  await loadPeople().catch(() => renderPersonaSwitch());
  switchPersona(id || null, { force: true });
  if (id) el.input.focus({ preventScroll: true });
}

start();
