// Markdown to DOM nodes (a safe subset): model text is never parsed as HTML.

import { el } from "./dom.js";

const INLINE = /(`[^`\n]+`)|(\*\*[^*\n]+\*\*)|(\[[^\]\n]+\]\([^)\s]+\))/g;

function safeHref(url) {
  return /^(https?:|mailto:)/i.test(url) ? url : null;
}

function inline(text) {
  const out = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) out.push(text.slice(last, match.index));
    const token = match[0];
    if (match[1]) out.push(el("code", { text: token.slice(1, -1) }));
    else if (match[2]) out.push(el("strong", {}, ...inline(token.slice(2, -2))));
    else {
      const [, label, url] = token.match(/^\[([^\]]+)\]\(([^)]+)\)$/);
      const href = safeHref(url);
      out.push(href ? el("a", { href, target: "_blank", rel: "noopener noreferrer", text: label }) : token);
    }
    last = match.index + token.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export function markdown(source) {
  const root = el("div", { class: "md" });
  const lines = source.replace(/\r\n/g, "\n").split("\n");
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const fence = line.match(/^\s*```(\S*)/);
    if (fence) {
      const code = [];
      for (i++; i < lines.length && !/^\s*```/.test(lines[i]); i++) code.push(lines[i]);
      i++;
      const pre = el("pre", { class: "code" }, el("code", { text: code.join("\n") }));
      if (fence[1]) pre.dataset.lang = fence[1];
      root.append(pre);
      continue;
    }
    const heading = line.match(/^(#{1,4})\s+(.*)$/);
    if (heading) {
      root.append(el(`h${heading[1].length + 2}`, {}, ...inline(heading[2])));
      i++;
      continue;
    }
    const bullet = /^\s*([-*+]|\d+[.)])\s+/;
    if (bullet.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const list = el(ordered ? "ol" : "ul");
      for (; i < lines.length && bullet.test(lines[i]); i++) {
        list.append(el("li", {}, ...inline(lines[i].replace(bullet, ""))));
      }
      root.append(list);
      continue;
    }
    if (!line.trim()) { i++; continue; }
    const para = [];
    for (; i < lines.length && lines[i].trim() && !/^\s*```/.test(lines[i])
      && !bullet.test(lines[i]) && !/^#{1,4}\s/.test(lines[i]); i++) para.push(lines[i]);
    const p = el("p");
    para.forEach((text, n) => { if (n) p.append(el("br")); p.append(...inline(text)); });
    root.append(p);
  }
  return root;
}
