// salesbot playground: draws what the app posted (Block Kit) the way Slack does, and sends what a user does
// (a slash command, a DM, a button, a form) to the playground server, which passes it to the real app.
"use strict";

const state = { user: "UDEMOMGR", view: "channel", channel: "C0GENERAL", data: null, seen: {}, modalSeq: null };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "html") node.innerHTML = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}

async function api(path, body) {
  const res = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: state.user, ...body }),
  });
  const data = await res.json();
  if (!res.ok) { toast(data.error || "failed"); throw new Error(data.error); }
  return data;
}

function toast(text) {
  const t = $("toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
}

// ---- mrkdwn -------------------------------------------------------------------------------------
const EMOJI = { white_check_mark: "✅", warning: "⚠️", chart_with_upwards_trend: "📈", chart_with_downwards_trend: "📉",
  wave: "👋", tada: "🎉", red_circle: "🔴", large_green_circle: "🟢", small_red_triangle_down: "🔻", bell: "🔔",
  memo: "📝", calendar: "📅", star: "⭐", x: "❌", heavy_check_mark: "✔️", information_source: "ℹ️", bar_chart: "📊" };

function escapeHtml(s) {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
function unescapeSlack(s) { return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&"); }

function styled(s) {  // s is HTML-escaped text without links
  return s
    .replace(/```([\s\S]+?)```/g, (_, c) => `<pre>${c}</pre>`)
    .replace(/`([^`\n]+)`/g, (_, c) => `<code>${c}</code>`)
    .replace(/(^|[\s(（·>])\*([^*\n]+)\*(?=$|[\s).,:;!?，。：；）·<])/g, "$1<b>$2</b>")
    .replace(/(^|[\s(（>])_([^_\n]+)_(?=$|[\s).,:;!?，。）<])/g, "$1<i>$2</i>")
    .replace(/(^|\s)~([^~\n]+)~(?=$|\s)/g, "$1<s>$2</s>")
    .replace(/^&gt; ?(.*)$/gm, "<blockquote>$1</blockquote>")
    .replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);
}

function mrkdwn(text) {
  const names = (state.data && state.data.names) || {};
  const out = [];
  let last = 0;
  const re = /<([^<>]+)>/g;
  let m;
  while ((m = re.exec(text)) !== null) {
    out.push(styled(escapeHtml(unescapeSlack(text.slice(last, m.index)))));
    const [target, label] = m[1].split("|");
    if (target.startsWith("@")) out.push(`<span class="mention">@${escapeHtml(label || names[target.slice(1)] || target.slice(1))}</span>`);
    else if (target.startsWith("#")) out.push(`<span class="mention">#${escapeHtml(label || names[target.slice(1)] || target.slice(1))}</span>`);
    else if (target.startsWith("!")) out.push(`<span class="mention">@${escapeHtml(label || target.slice(1).split("^")[0])}</span>`);
    else out.push(`<a href="${escapeHtml(unescapeSlack(target))}" target="_blank" rel="noopener">${escapeHtml(unescapeSlack(label || target))}</a>`);
    last = m.index + m[0].length;
  }
  out.push(styled(escapeHtml(unescapeSlack(text.slice(last)))));
  return out.join("");
}

function textNode(obj, cls = "") {
  if (!obj) return null;
  if (obj.type === "mrkdwn") return el("div", { class: "mrkdwn " + cls, html: mrkdwn(obj.text || "") });
  return el("div", { class: "mrkdwn " + cls, html: styled(escapeHtml(obj.text || "")).replace(/<\/?(b|i|s|code)>/g, "") });
}
function plainText(obj) { return obj ? (obj.text || "") : ""; }

// ---- Block Kit ----------------------------------------------------------------------------------
function options(element) {
  return (element.options || []).concat(...(element.option_groups || []).map((g) => g.options || []));
}

function interactive(element, block, item) {
  const press = (value) => api("/api/action", { seq: item.seq, block_id: block.block_id || "",
    action_id: element.action_id || "", value }).then(refresh);
  if (element.type === "button") {
    const b = el("button", { type: "button", class: "bk-button " + (element.style || ""), "data-action": element.action_id },
      plainText(element.text));
    b.addEventListener("click", () => { if (element.url) window.open(element.url, "_blank"); press(element.value || ""); });
    return b;
  }
  if (["overflow", "static_select", "radio_buttons"].includes(element.type)) {
    const s = el("select", { class: element.type === "overflow" ? "bk-overflow" : "bk-select", "data-action": element.action_id },
      el("option", { value: "" }, element.type === "overflow" ? "⋯" : plainText(element.placeholder) || "Choose…"),
      options(element).map((o) => el("option", { value: o.value }, plainText(o.text))));
    s.addEventListener("change", () => { if (s.value) press(s.value); });
    return s;
  }
  if (element.type === "image") return el("img", { src: element.image_url, alt: element.alt_text || "" });
  return el("span", { class: "meta" }, `[${element.type}]`);
}

function renderBlock(block, item, modal) {
  switch (block.type) {
    case "header": return el("div", { class: "bk-header" }, plainText(block.text));
    case "section": {
      const main = el("div", {}, textNode(block.text),
        block.fields ? el("div", { class: "bk-fields" }, block.fields.map((f) => textNode(f))) : null);
      return el("div", { class: "bk-section" }, main, block.accessory ? interactive(block.accessory, block, item) : null);
    }
    case "context": return el("div", { class: "bk-context" }, (block.elements || []).map((e) =>
      e.type === "image" ? el("img", { src: e.image_url, alt: e.alt_text || "" }) : textNode(e)));
    case "divider": return el("hr", { class: "bk-divider" });
    case "actions": return el("div", { class: "bk-actions" }, (block.elements || []).map((e) => interactive(e, block, item)));
    case "image": return el("div", { class: "bk-image" }, block.title ? el("div", { class: "title" }, plainText(block.title)) : null,
      el("img", { src: block.image_url, alt: block.alt_text || "" }));
    case "input": return modal ? renderInput(block, item) : null;
    case "rich_text": return el("div", { class: "mrkdwn" }, (block.elements || []).map((s) =>
      (s.elements || []).map((e) => e.text || e.url || "").join("")).join("\n"));
    default: return el("div", { class: "meta" }, `[${block.type}]`);
  }
}

function renderBlocks(blocks, item, modal = false) {
  return el("div", { class: "blocks" }, (blocks || []).map((b) => renderBlock(b, item, modal)));
}

// ---- inputs of a modal --------------------------------------------------------------------------
function renderInput(block, item) {
  const e = block.element || {};
  const id = "in-" + block.block_id;
  let field;
  const people = state.data.users;
  const conversations = state.data.channels.map((c) => ({ value: c.id, text: "#" + c.name }));
  switch (e.type) {
    case "plain_text_input":
      field = e.multiline ? el("textarea", { id, name: block.block_id }) : el("input", { id, name: block.block_id, type: "text" });
      field.value = e.initial_value || "";
      if (e.placeholder) field.placeholder = plainText(e.placeholder);
      break;
    case "static_select": case "radio_buttons":
      field = el("select", { id, name: block.block_id }, el("option", { value: "" }, "—"),
        options(e).map((o) => el("option", { value: o.value }, plainText(o.text))));
      field.value = e.initial_option ? e.initial_option.value : "";
      break;
    case "multi_users_select": case "users_select":
      field = el("select", { id, name: block.block_id, multiple: e.type === "multi_users_select" ? "" : null, size: 5 },
        people.map((p) => el("option", { value: p.id }, p.name)));
      for (const o of field.options) o.selected = (e.initial_users || [e.initial_user]).includes(o.value);
      break;
    case "conversations_select": case "channels_select":
      field = el("select", { id, name: block.block_id }, el("option", { value: "" }, "—"),
        conversations.map((o) => el("option", { value: o.value }, o.text)));
      field.value = e.initial_conversation || e.initial_channel || "";
      break;
    case "timepicker":
      field = el("input", { id, name: block.block_id, type: "time" });
      field.value = e.initial_time || "";
      break;
    case "datepicker":
      field = el("input", { id, name: block.block_id, type: "date" });
      field.value = e.initial_date || "";
      break;
    case "checkboxes": {
      const chosen = (e.initial_options || []).map((o) => o.value);
      field = el("div", { id }, options(e).map((o) => el("label", {},
        el("input", { type: "checkbox", name: block.block_id, value: o.value, checked: chosen.includes(o.value) ? "" : null }),
        " ", plainText(o.text))));
      break;
    }
    default:
      field = el("input", { id, name: block.block_id, type: "text" });
  }
  field.dataset.kind = e.type;
  const error = (item.errors || {})[block.block_id];
  return el("div", { class: "bk-input", "data-block": block.block_id },
    el("label", { class: "lbl", for: id }, plainText(block.label), block.optional ? el("span", { class: "optional" }, " (optional)") : null),
    field, block.hint ? el("div", { class: "hint" }, plainText(block.hint)) : null,
    error ? el("div", { class: "error" }, error) : null);
}

function formValues() {
  const values = {};
  for (const wrap of document.querySelectorAll("#modal-body .bk-input")) {
    const block = wrap.dataset.block;
    const boxes = wrap.querySelectorAll("input[type=checkbox]");
    if (boxes.length) { values[block] = [...boxes].filter((b) => b.checked).map((b) => b.value); continue; }
    const field = wrap.querySelector("input, textarea, select");
    if (!field) continue;
    if (field.multiple) values[block] = [...field.selectedOptions].map((o) => o.value);
    else values[block] = field.value;
  }
  return values;
}

// ---- the page -----------------------------------------------------------------------------------
function who(item) {
  if (item.author === "bot") return { name: "salesbot", avatar: el("div", { class: "avatar" }, "S"), app: true };
  const person = state.data.users.find((u) => u.id === item.author);
  const name = person ? person.name : item.author;
  return { name, avatar: el("div", { class: "avatar person" }, name.slice(0, 1)), app: false };
}

function timeOf(item) {  // the moment it was shown, on the viewer's clock (Slack shows your own time zone)
  const me = state.data.users.find((u) => u.id === state.user);
  try {
    return new Date(item.at).toLocaleTimeString("en-GB", { timeZone: me.tz, hour: "2-digit", minute: "2-digit",
      weekday: "short" });
  } catch (e) { return (item.at || "").slice(11, 16) + " UTC"; }
}

function renderMessage(item) {
  const w = who(item);
  const body = el("div", {},
    el("div", { class: "meta" }, el("strong", {}, w.name), w.app ? el("span", { class: "app-badge" }, "APP") : null, timeOf(item)),
    item.kind === "ephemeral" ? el("div", { class: "only-you" }, "👁 Only visible to you") : null,
    item.blocks && item.blocks.length ? renderBlocks(item.blocks, item) : el("div", { class: "mrkdwn", html: mrkdwn(item.text || "") }),
    (item.files || []).map((f) => el("div", { class: "file" },
      f.image && f.url ? el("img", { src: f.url, alt: f.title || f.name }) : null,
      el("div", {}, "📄 ", f.url ? el("a", { href: f.url, target: "_blank" }, f.name) : f.name))));
  return el("div", { class: "message " + item.kind, "data-seq": item.seq }, w.avatar, body);
}

function currentChannel() { return state.view === "dm" ? state.data.dm : state.channel; }

function render() {
  const d = state.data;
  const switcher = $("user-switcher");
  if (switcher.options.length !== d.users.length) {
    switcher.replaceChildren(...d.users.map((u) => el("option", { value: u.id },
      `${u.name} · ${u.manager ? "manager" : "rep"} · ${u.locale}`)));
  }
  switcher.value = state.user;
  $("team-name").textContent = d.team.name;
  $("clock-now").textContent = "🕓 " + d.now_label;
  const counts = {};
  for (const i of d.items) counts[i.channel] = (counts[i.channel] || 0) + 1;
  const unread = (cid) => Math.max(0, (counts[cid] || 0) - (state.seen[state.user + cid] || 0));
  $("channel-list").replaceChildren(...d.channels.map((c) => {
    const a = el("a", { href: "#", class: "nav-item channel" + (state.view === "channel" && state.channel === c.id ? " active" : ""),
      "data-channel": c.id }, "# " + c.name, unread(c.id) && !(state.view === "channel" && state.channel === c.id) ? el("span", { class: "badge" }, String(unread(c.id))) : null);
    a.addEventListener("click", (ev) => { ev.preventDefault(); state.view = "channel"; state.channel = c.id; render(); });
    return a;
  }));
  const dmBadge = unread(d.dm) && state.view !== "dm" ? ` (${unread(d.dm)})` : "";
  $("nav-dm").textContent = "🤖 salesbot" + dmBadge;
  $("nav-dm").classList.toggle("active", state.view === "dm");
  $("nav-home").classList.toggle("active", state.view === "home");

  const home = state.view === "home";
  $("messages").hidden = home;
  $("home").hidden = !home;
  $("composer").hidden = home;
  if (home) {
    $("title").textContent = "salesbot";
    $("topic").textContent = "Home";
    $("home").replaceChildren(d.home ? renderBlocks(d.home.view.blocks, d.home) : el("div", { class: "meta" }, "Opening…"));
  } else {
    const channel = currentChannel();
    const info = d.channels.find((c) => c.id === channel);
    $("title").textContent = info ? "# " + info.name : "salesbot";
    $("topic").textContent = info ? info.topic : "Direct message with the app";
    $("composer-text").placeholder = info ? `Message #${info.name} — or a slash command` : "Message salesbot — answers to check-ins, or a slash command";
    $("attach").hidden = !!info;
    const box = $("messages");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    const shown = d.items.filter((i) => i.channel === channel);
    const key = shown.map((i) => i.seq + ":" + i.version).join(",");
    if (box.dataset.key !== key) {
      box.dataset.key = key;
      box.replaceChildren(...shown.map(renderMessage));
      if (atBottom || state.scroll) box.scrollTop = box.scrollHeight;
      state.scroll = false;
    }
    state.seen[state.user + channel] = counts[channel] || 0;
  }
  renderModal(d.modal);
}

function renderModal(modal) {
  const backdrop = $("modal-backdrop");
  if (!modal) { backdrop.hidden = true; state.modalSeq = null; return; }
  const key = modal.seq + ":" + modal.version;
  if (state.modalSeq === key) return;
  state.modalSeq = key;
  $("modal-title").textContent = plainText(modal.view.title);
  $("modal-submit").textContent = plainText(modal.view.submit) || "Submit";
  $("modal-submit").hidden = !modal.view.submit;
  $("modal-cancel").textContent = plainText(modal.view.close) || "Cancel";
  $("modal-body").replaceChildren(renderBlocks(modal.view.blocks, modal, true));
  backdrop.dataset.seq = modal.seq;
  backdrop.hidden = false;
}

async function refresh() {
  state.data = await api("/api/state?user=" + encodeURIComponent(state.user));
  render();
}

async function send(ev) {
  ev.preventDefault();
  const box = $("composer-text");
  const text = box.value.trim();
  if (!text) return;
  box.value = "";
  $("send").disabled = true;
  try {
    state.scroll = true;
    await api("/api/send", { channel: currentChannel(), text });
  } finally {
    $("send").disabled = false;
    await refresh();
  }
}

async function advance(body) {
  $("clock").classList.add("busy");
  try { const r = await api("/api/clock", body); toast(r.said); } finally { $("clock").classList.remove("busy"); await refresh(); }
}

function wire() {
  $("composer").addEventListener("submit", send);
  $("composer-text").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey) send(ev);
  });
  $("user-switcher").addEventListener("change", async (ev) => {
    state.user = ev.target.value;
    state.modalSeq = null;
    if (state.view === "home") await api("/api/home", {});
    await refresh();
  });
  $("nav-home").addEventListener("click", async (ev) => {
    ev.preventDefault(); state.view = "home"; render(); await api("/api/home", {}); await refresh();
  });
  $("nav-dm").addEventListener("click", (ev) => { ev.preventDefault(); state.view = "dm"; state.scroll = true; render(); });
  $("modal-submit").addEventListener("click", async () => {
    const seq = Number($("modal-backdrop").dataset.seq);
    state.modalSeq = null;
    await api("/api/submit", { seq, values: formValues() });
    await refresh();
  });
  const cancel = async () => { await api("/api/cancel", { seq: Number($("modal-backdrop").dataset.seq) }); await refresh(); };
  $("modal-cancel").addEventListener("click", cancel);
  $("modal-x").addEventListener("click", cancel);
  $("clock-friday").addEventListener("click", () => advance({ weekday: 4, at: "16:00" }));
  $("clock-monday").addEventListener("click", () => advance({ weekday: 0, at: "09:00" }));
  $("clock-go").addEventListener("click", () => {
    const v = $("clock-moment").value;
    if (!v) return toast("Pick a moment first");
    const tz = state.data.users.find((u) => u.id === state.user).tz;
    advance({ moment: v + ":00", tz });
  });
  $("attach-file").addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    let binary = "";
    for (const b of bytes) binary += String.fromCharCode(b);
    await api("/api/upload", { name: file.name, content: btoa(binary) });
    ev.target.value = "";
    await refresh();
  });
  setInterval(() => { if (document.visibilityState === "visible") refresh().catch(() => {}); }, 3000);
}

wire();
refresh();
