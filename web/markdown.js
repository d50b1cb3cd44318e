// Markdown to DOM nodes, GitHub-flavoured (tables, emphasis, quotes, lists, links, code), through
// two maintained libraries vendored from npm (web/vendor/<name>-<version>/, with their licences):
// marked turns the text into HTML, DOMPurify removes anything that could run or load (scripts,
// event handlers, forms, styles); links open in a new tab and only http(s) and mailto are kept.

import { marked } from "./vendor/marked-18.2.1/marked.esm.js";
import DOMPurify from "./vendor/dompurify-3.4.18/purify.es.mjs";
import { el } from "./dom.js";

const SAFE_HREF = /^(https?:|mailto:)/i;
const PURIFY = {
  RETURN_DOM_FRAGMENT: true,
  FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "img", "svg", "math"],
  FORBID_ATTR: ["style", "class", "id"],
};
const CACHE_SIZE = 200; // the page re-renders the whole log on every streamed chunk
const cache = new Map();

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName !== "A") return;
  const href = node.getAttribute("href") || "";
  if (!SAFE_HREF.test(href)) { node.removeAttribute("href"); return; }
  node.setAttribute("target", "_blank");
  node.setAttribute("rel", "noopener noreferrer");
});

function render(source) {
  const fragment = DOMPurify.sanitize(marked.parse(source, { gfm: true }), PURIFY);
  for (const table of fragment.querySelectorAll("table")) { // wide tables scroll, not the page
    table.replaceWith(el("div", { class: "table-wrap" }, table.cloneNode(true)));
  }
  for (const pre of fragment.querySelectorAll("pre")) pre.classList.add("code");
  return fragment;
}

export function markdown(source) {
  let fragment = cache.get(source);
  if (!fragment) {
    fragment = render(source);
    cache.set(source, fragment);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value);
  }
  return el("div", { class: "md" }, fragment.cloneNode(true));
}
