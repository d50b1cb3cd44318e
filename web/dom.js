// Small DOM helpers: nodes are built with textContent, never from HTML strings.

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

// Makes `node` equal to `fresh` (as isEqualNode tells) by changing only what differs, so the
// browser lays out again only that: a streamed answer grows at its end, and laying out all of a
// 5 MB answer again at each chunk took seconds. For markup without listeners (markdown answers):
// a kept node keeps its own. `fresh` is left in pieces.
export function morph(node, fresh) {
  for (const { name } of [...node.attributes]) if (!fresh.hasAttribute(name)) node.removeAttribute(name);
  for (const { name, value } of fresh.attributes) {
    if (node.getAttribute(name) !== value) node.setAttribute(name, value);
  }
  const olds = [...node.childNodes];
  const news = [...fresh.childNodes];
  olds.slice(news.length).forEach((old) => old.remove());
  news.forEach((child, n) => {
    const old = olds[n];
    if (!old) node.append(child);
    else if (old.isEqualNode(child)) return;
    else if (old.nodeType === Node.TEXT_NODE && child.nodeType === Node.TEXT_NODE) old.data = child.data;
    else if (old.nodeType === Node.ELEMENT_NODE && old.nodeName === child.nodeName) morph(old, child);
    else old.replaceWith(child);
  });
}

// Puts the children of `fresh` (a fragment) in `parent` in place of its own; but the k-th
// child matching `selector` (markup without listeners) is morphed into the k-th of them there
// was, which stays in place: what did not change is not laid out again.
export function patchChildren(parent, fresh, selector) {
  const olds = [...parent.children].filter((child) => child.matches(selector));
  let k = 0;
  const nodes = [...fresh.childNodes].map((child) => {
    const old = child.nodeType === Node.ELEMENT_NODE && child.matches(selector) ? olds[k++] : null;
    if (!old || old.nodeName !== child.nodeName) return child;
    morph(old, child);
    return old;
  });
  const wanted = new Set(nodes);
  for (const child of [...parent.childNodes]) if (!wanted.has(child)) child.remove();
  let at = parent.firstChild; // only the kept nodes are left, in their order
  for (const node of nodes) {
    if (node === at) at = at.nextSibling;
    else parent.insertBefore(node, at);
  }
}

export function textOf(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((b) => (typeof b === "string" ? b : b.type === "text" ? b.text || "" : "")).join("");
  }
  return content == null ? "" : String(content);
}

export function firstArg(args) {
  const value = Object.values(args || {})[0];
  const text = typeof value === "string" ? value : JSON.stringify(value ?? "");
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

export function showError(error) {
  $("error").hidden = !error;
  $("error").textContent = error ? String(error.message || error) : "";
}

// Line icons (24×24, drawn with the text colour), so no glyph depends on the fonts installed.
const ICONS = {
  plus: [["path", { d: "M12 5v14M5 12h14" }]],
  fork: [["circle", { cx: 12, cy: 18, r: 3 }], ["circle", { cx: 6, cy: 6, r: 3 }], ["circle", { cx: 18, cy: 6, r: 3 }],
    ["path", { d: "M18 9v2c0 .6-.4 1-1 1H7c-.6 0-1-.4-1-1V9M12 12v3" }]],
  trash: [["path", { d: "M3 6h18M19 6v14c0 1-1 2-2 2H7c-1 0-2-1-2-2V6M8 6V4c0-1 1-2 2-2h4c1 0 2 1 2 2v2" }]],
  undo: [["path", { d: "M9 14 4 9l5-5M4 9h10.5a5.5 5.5 0 0 1 0 11H11" }]],
  stop: [["rect", { x: 6, y: 6, width: 12, height: 12, rx: 2, fill: "currentColor" }]],
};

export function icon(name) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "icon-svg");
  svg.setAttribute("aria-hidden", "true");
  for (const [tag, attrs] of ICONS[name] || []) {
    const shape = document.createElementNS(ns, tag);
    for (const [key, value] of Object.entries(attrs)) shape.setAttribute(key, String(value));
    svg.append(shape);
  }
  return svg;
}
