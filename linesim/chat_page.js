// The LINE chat simulator: a chat list of personas, each with their own thread with the bot; what the bot
// sends (text, Flex, templates, quick replies) rendered as LINE shows it; text, postbacks, photos, files,
// locations and stickers sent as signed webhooks through the fake platform; pushes appear as they arrive
// (the thread is polled); the default rich menu shown and tappable.
"use strict";

const $ = (id) => document.getElementById(id);
const POLL_MS = 700;
const SUMMARY_MS = 1500;
const MENU_MS = 4000;
const BOT_NAME = "itabot";

const state = {
  personas: [],
  userId: "",
  since: 0,
  items: [],
  polling: false,
  seen: loadSeen(),
  summaries: {},
  menu: null,
  menuOpen: true,
  dateTimeAction: null,
};

function loadSeen() {
  try { return JSON.parse(sessionStorage.getItem("itabot-seen") || "{}"); } catch (err) { return {}; }
}

function saveSeen() {
  try { sessionStorage.setItem("itabot-seen", JSON.stringify(state.seen)); } catch (err) { /* private mode */ }
}

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function setStatus(text) { $("status").textContent = text; }

function closeAttachPanel() {
  $("attach-panel").classList.remove("open");
  $("plus").setAttribute("aria-pressed", "false");
}

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  return {ok: response.ok, status: response.status, data};
}

function persona(userId) { return state.personas.find((p) => p.user_id === userId); }

function initials(name) {
  // The first consonant or letter (a Thai leading vowel or a tone mark alone would look broken).
  const match = /[\u0E01-\u0E2EA-Za-z0-9]/.exec(String(name || ""));
  return match ? match[0].toUpperCase() : "?";
}

// ----- sending -------------------------------------------------------------------------------------------
async function send(payload) {
  if (!state.userId) return;
  closeAttachPanel();
  setStatus("กำลังส่ง…");
  try {
    const result = await api("/_fake/send", Object.assign({user_id: state.userId}, payload));
    if (result.data.error) setStatus("ส่งไม่สำเร็จ: " + result.data.error);
    else setStatus("ส่งแล้ว · บอทตอบ webhook ด้วยสถานะ " + result.data.status);
  } catch (err) {
    setStatus("ส่งไม่สำเร็จ: " + err);
  }
  poll();
}

function sendText(text) {
  const clean = String(text || "").trim();
  if (clean) send({type: "text", text: clean});
}

function sendPostback(action, params) {
  // LINE shows a postback in the chat only as its displayText (the older `text` field works the same way).
  const shown = action.displayText || action.text || null;
  const payload = {type: "postback", data: action.data || ""};
  if (params) payload.params = params;
  if (shown) payload.display_text = shown;
  send(payload);
}

function readAsBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",")[1] || "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

async function sendPhoto(file) {
  const b64 = await readAsBase64(file);
  send({type: "image", content_b64: b64, content_type: file.type || "image/jpeg"});
}

async function sendFile(file) {
  const b64 = await readAsBase64(file);
  send({type: "file", file_name: file.name || "file", content_b64: b64});
}

function openLocationDialog() { $("location-dialog").showModal(); }

function openDateTimeDialog(action) {
  const mode = action.mode || "datetime";
  const input = $("datetime-input");
  input.type = {date: "date", time: "time", datetime: "datetime-local"}[mode] || "datetime-local";
  input.value = action.initial || "";
  if (action.min) input.min = action.min;
  if (action.max) input.max = action.max;
  $("datetime-title").textContent = action.label || "เลือกวันเวลา";
  state.dateTimeAction = action;
  $("datetime-dialog").showModal();
}

function runAction(action) {
  if (!action || !action.type) return;
  switch (action.type) {
    case "message": sendText(action.text || action.label); break;
    case "postback": sendPostback(action); break;
    case "datetimepicker": openDateTimeDialog(action); break;
    case "uri":
      if (/^https?:/i.test(action.uri || "")) window.open(action.uri, "_blank", "noopener");
      else setStatus("ลิงก์: " + (action.uri || ""));
      break;
    case "camera":
    case "cameraRoll": $("photo-input").click(); break;
    case "location": openLocationDialog(); break;
    case "clipboard":
      if (navigator.clipboard) navigator.clipboard.writeText(action.clipboardText || "").catch(() => {});
      setStatus("คัดลอกแล้ว: " + (action.clipboardText || ""));
      break;
    case "richmenuswitch": sendPostback({data: action.data || ""}); break;
    default: setStatus("ยังไม่รองรับ action แบบ " + action.type);
  }
}

// ----- rendering the thread --------------------------------------------------------------------------------
function linkified(text) {
  const fragment = document.createDocumentFragment();
  const parts = String(text).split(/(https?:\/\/[^\s]+)/g);
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      const a = el("a", "", part);
      a.href = part;
      a.target = "_blank";
      a.rel = "noopener";
      fragment.appendChild(a);
    } else if (part) {
      fragment.appendChild(document.createTextNode(part));
    }
  });
  return fragment;
}

function contentUrl(message) { return "/_fake/content/" + encodeURIComponent(message.id || ""); }

function sizeText(bytes) {
  if (typeof bytes !== "number") return "";
  return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1024)) + " KB";
}

function renderMessage(message, side) {
  const type = message && message.type;
  if (type === "text") {
    const bubble = el("div", "bubble text");
    bubble.appendChild(linkified(message.text || ""));
    return bubble;
  }
  if (type === "flex") {
    const wrap = el("div", "flex-message");
    wrap.setAttribute("aria-label", message.altText || "");
    wrap.appendChild(window.FlexRender.renderFlex(message.contents, runAction));
    return wrap;
  }
  if (type === "template") {
    const wrap = el("div", "flex-message template-message");
    wrap.setAttribute("aria-label", message.altText || "");
    wrap.appendChild(window.FlexRender.renderTemplate(message.template, runAction));
    return wrap;
  }
  if (type === "image") {
    const bubble = el("div", "bubble media image");
    const img = el("img");
    img.alt = "รูปภาพ";
    img.src = side === "user" ? contentUrl(message) : window.FlexRender.safeUrl(message.previewImageUrl || message.originalContentUrl);
    bubble.appendChild(img);
    return bubble;
  }
  if (type === "file") {
    const bubble = el("div", "bubble file");
    const link = el("a", "file-name", message.fileName || "ไฟล์");
    link.href = contentUrl(message);
    link.target = "_blank";
    bubble.appendChild(link);
    bubble.appendChild(el("div", "small", sizeText(message.fileSize)));
    return bubble;
  }
  if (type === "location") {
    const bubble = el("div", "bubble location");
    bubble.appendChild(el("div", "file-name", message.title || "ตำแหน่ง"));
    if (message.address) bubble.appendChild(el("div", "", message.address));
    bubble.appendChild(el("div", "small", message.latitude + ", " + message.longitude));
    return bubble;
  }
  if (type === "sticker") return el("div", "bubble sticker-note", "[สติกเกอร์]");
  if (type === "audio") return el("div", "bubble", "[ข้อความเสียง]");
  if (type === "video") return el("div", "bubble", "[วิดีโอ]");
  return el("div", "bubble", "[" + (type || "ข้อความ") + "]");
}

function timeText(at) {
  return new Date(at * 1000).toLocaleTimeString("th-TH", {hour: "2-digit", minute: "2-digit"});
}

function renderItem(item) {
  if (item.kind === "loading") return null;
  if (item.side === "user" && item.kind === "postback" && !item.label) return null;  // no displayText
  if (item.side === "user" && item.kind !== "message" && item.kind !== "postback") {
    const labels = {follow: "คุณเพิ่มบอทเป็นเพื่อนแล้ว", unfollow: "คุณบล็อกบอทแล้ว"};
    const note = el("div", "system", labels[item.kind] || item.kind);
    note.dataset.kind = item.kind;
    return note;
  }
  const row = el("div", "msg " + item.side);
  row.dataset.side = item.side;
  row.dataset.kind = item.kind;
  row.dataset.seq = String(item.seq);
  const message = item.kind === "postback" ? {type: "text", text: item.label} : item.message || {};
  row.dataset.type = message.type || "";
  if (item.side === "bot") row.appendChild(el("div", "avatar small", "IT"));
  const stack = el("div", "stack");
  if (item.side === "bot") stack.appendChild(el("div", "sender", BOT_NAME));
  const line = el("div", "line");
  line.appendChild(renderMessage(message, item.side));
  const meta = el("div", "meta");
  if (item.side === "bot") meta.appendChild(el("span", "kind", item.kind));
  meta.appendChild(el("span", "", timeText(item.at)));
  line.appendChild(meta);
  stack.appendChild(line);
  row.appendChild(stack);
  return row;
}

function renderChips() {
  const chips = $("chips");
  chips.replaceChildren();
  const visible = state.items.filter((i) => i.kind !== "loading");
  const last = visible[visible.length - 1];
  if (!last || last.side !== "bot" || !last.message || !last.message.quickReply) return;
  (last.message.quickReply.items || []).forEach((entry) => {
    const action = entry && entry.action;
    if (!action) return;
    const chip = el("button", "chip", action.label || action.text || action.type);
    chip.type = "button";
    chip.dataset.actionType = action.type || "";
    if (action.data) chip.dataset.data = action.data;
    chip.addEventListener("click", () => { chips.replaceChildren(); runAction(action); });
    chips.appendChild(chip);
  });
}

function renderTyping() {
  const last = state.items[state.items.length - 1];
  const typing = last && last.kind === "loading" && Date.now() / 1000 < last.at + (last.loading_seconds || 20);
  $("typing").textContent = typing ? BOT_NAME + " กำลังพิมพ์…" : "";
}

function appendItems(newItems) {
  const thread = $("thread");
  const nearBottom = thread.scrollHeight - thread.scrollTop - thread.clientHeight < 80;
  newItems.forEach((item) => {
    state.items.push(item);
    state.since = Math.max(state.since, item.seq);
    const node = renderItem(item);
    if (node) thread.appendChild(node);
  });
  if (newItems.length && (nearBottom || newItems.some((i) => i.side === "user"))) {
    thread.scrollTop = thread.scrollHeight;
  }
  if (newItems.length) renderChips();
  renderTyping();
}

async function poll() {
  if (!state.userId || state.polling) return;
  state.polling = true;
  const current = state.userId;
  try {
    const result = await api("/_fake/thread?user_id=" + encodeURIComponent(current) + "&since=" + state.since);
    if (current === state.userId && result.ok) appendItems(result.data.items || []);
  } catch (err) {
    setStatus("ติดต่อแพลตฟอร์มจำลองไม่ได้");
  } finally {
    state.polling = false;
  }
}

// ----- chat list -------------------------------------------------------------------------------------------
function renderChatList() {
  const list = $("chat-list");
  list.replaceChildren();
  state.personas.forEach((p) => {
    const entry = el("li", "chat-entry");
    entry.dataset.userId = p.user_id;
    entry.tabIndex = 0;
    entry.setAttribute("role", "button");
    entry.appendChild(el("div", "avatar", initials(p.name)));
    const who = el("div", "who");
    who.appendChild(el("div", "name", p.name));
    who.appendChild(el("div", "role", p.role_label || ""));
    entry.appendChild(who);
    entry.appendChild(el("span", "unread"));
    entry.addEventListener("click", () => openChat(p.user_id));
    entry.addEventListener("keydown", (e) => { if (e.key === "Enter") openChat(p.user_id); });
    list.appendChild(entry);
  });
  renderUnread();
}

function renderUnread() {
  document.querySelectorAll(".chat-entry").forEach((entry) => {
    const id = entry.dataset.userId;
    const summary = state.summaries[id];
    const total = summary ? summary.bot_messages : 0;
    if (id === state.userId && $("chat-view").classList.contains("active")) state.seen[id] = total;
    const unread = Math.max(0, total - (state.seen[id] || 0));
    entry.querySelector(".unread").textContent = unread ? String(unread) : "";
  });
  saveSeen();
}

async function refreshSummaries() {
  try {
    const result = await api("/_fake/threads");
    if (result.ok) {
      state.summaries = result.data.threads || {};
      renderUnread();
    }
  } catch (err) { /* the next round tries again */ }
}

async function loadPersonas() {
  const result = await api("/_fake/personas");
  state.personas = result.data.personas || [];
  renderChatList();
}

function showView(id) {
  document.querySelectorAll(".view").forEach((v) => v.classList.toggle("active", v.id === id));
}

function openChat(userId) {
  const p = persona(userId);
  state.userId = userId;
  state.since = 0;
  state.items = [];
  $("thread").replaceChildren();
  $("chips").replaceChildren();
  $("chat-title").textContent = p ? p.name : userId;
  $("chat-subtitle").textContent = p ? p.role_label : "";
  setStatus(p ? "คุยในฐานะ " + p.name : "");
  if (location.hash !== "#chat=" + userId) history.replaceState(null, "", "#chat=" + userId);
  showView("chat-view");
  poll();
  refreshSummaries();
}

function showList() {
  state.userId = "";
  history.replaceState(null, "", location.pathname);
  showView("chat-list-view");
  refreshSummaries();
}

// ----- rich menu -------------------------------------------------------------------------------------------
function setMenuOpen(open) {
  state.menuOpen = open;
  $("richmenu-panel").hidden = !open;
  $("richmenu-bar").setAttribute("aria-expanded", String(open));
  $("menu-toggle").setAttribute("aria-pressed", String(open));
  const menu = state.menu;
  $("richmenu-bar").textContent = menu ? (menu.chatBarText || "เมนู") + (open ? " ▾" : " ▴") : "";
}

function renderRichMenu(menu) {
  const box = $("richmenu");
  const areas = $("richmenu-areas");
  areas.replaceChildren();
  if (!menu) {
    box.hidden = true;
    $("menu-toggle").hidden = true;
    return;
  }
  box.hidden = false;
  box.dataset.richMenuId = menu.richMenuId;
  $("menu-toggle").hidden = false;
  $("richmenu-image").src = menu.imageUrl;
  $("richmenu-image").alt = menu.name || "rich menu";
  const width = menu.size.width;
  const height = menu.size.height;
  (menu.areas || []).forEach((area, index) => {
    const b = area.bounds;
    const button = el("button", "richmenu-area");
    button.type = "button";
    button.dataset.index = String(index);
    button.dataset.actionType = area.action.type || "";
    button.setAttribute("aria-label", area.action.label || area.action.displayText || area.action.text || "");
    button.style.left = (100 * b.x / width) + "%";
    button.style.top = (100 * b.y / height) + "%";
    button.style.width = (100 * b.width / width) + "%";
    button.style.height = (100 * b.height / height) + "%";
    button.addEventListener("click", () => runAction(area.action));
    areas.appendChild(button);
  });
  setMenuOpen(menu.selected !== false);
}

async function loadRichMenu() {
  try {
    const result = await api("/_fake/richmenu");
    const menu = result.ok ? result.data.richmenu : null;
    const before = state.menu ? state.menu.richMenuId : null;
    if ((menu ? menu.richMenuId : null) !== before) {
      state.menu = menu;
      renderRichMenu(menu);
    }
  } catch (err) { /* the next round tries again */ }
}

// ----- wiring ----------------------------------------------------------------------------------------------
function wire() {
  $("back").addEventListener("click", showList);
  $("composer").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("text").value;
    $("text").value = "";
    sendText(text);
  });
  $("plus").addEventListener("click", () => {
    const open = !$("attach-panel").classList.contains("open");
    $("attach-panel").classList.toggle("open", open);
    $("plus").setAttribute("aria-pressed", String(open));
  });
  $("menu-toggle").addEventListener("click", () => setMenuOpen(!state.menuOpen));
  $("richmenu-bar").addEventListener("click", () => setMenuOpen(!state.menuOpen));
  $("send-photo").addEventListener("click", () => $("photo-input").click());
  $("send-file").addEventListener("click", () => $("file-input").click());
  $("send-location").addEventListener("click", openLocationDialog);
  $("send-sticker").addEventListener("click", () => send({type: "sticker"}));
  $("follow").addEventListener("click", () => send({type: "follow"}));
  $("unfollow").addEventListener("click", () => send({type: "unfollow"}));
  $("photo-input").addEventListener("change", () => {
    const file = $("photo-input").files[0];
    if (file) sendPhoto(file).catch((err) => setStatus("อ่านรูปไม่ได้: " + err));
    $("photo-input").value = "";
  });
  $("file-input").addEventListener("change", () => {
    const file = $("file-input").files[0];
    if (file) sendFile(file).catch((err) => setStatus("อ่านไฟล์ไม่ได้: " + err));
    $("file-input").value = "";
  });
  $("location-form").addEventListener("submit", (e) => {
    if (e.submitter && e.submitter.value !== "send") return;
    const lat = parseFloat($("location-lat").value);
    const lng = parseFloat($("location-lng").value);
    if (Number.isNaN(lat) || Number.isNaN(lng)) {
      e.preventDefault();
      setStatus("ละติจูดและลองจิจูดต้องเป็นตัวเลข");
      return;
    }
    send({type: "location", title: $("location-title").value, address: $("location-address").value,
          latitude: lat, longitude: lng});
  });
  $("datetime-form").addEventListener("submit", (e) => {
    const action = state.dateTimeAction;
    if (!action || (e.submitter && e.submitter.value !== "send") || !$("datetime-input").value) return;
    const mode = action.mode || "datetime";
    const params = {};
    params[mode] = $("datetime-input").value;
    sendPostback(Object.assign({}, action, {displayText: action.displayText || params[mode]}), params);
  });
}

async function start() {
  wire();
  try {
    await loadPersonas();
  } catch (err) {
    setStatus("โหลดรายชื่อผู้ใช้จำลองไม่ได้");
  }
  const match = /^#chat=(.+)$/.exec(location.hash);
  if (match && persona(decodeURIComponent(match[1]))) openChat(decodeURIComponent(match[1]));
  loadRichMenu();
  refreshSummaries();
  setInterval(() => { poll(); renderTyping(); }, POLL_MS);
  setInterval(refreshSummaries, SUMMARY_MS);
  setInterval(loadRichMenu, MENU_MS);
}

start();
