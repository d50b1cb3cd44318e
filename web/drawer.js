// On a narrow screen (a phone) the thread list is a drawer behind the "Threads" button,
// so the chat gets the whole width.

import { $ } from "./dom.js";

const narrow = window.matchMedia("(max-width: 760px)");

export const drawerOpen = () => document.body.classList.contains("drawer-open");

export function setDrawer(open) {
  document.body.classList.toggle("drawer-open", open);
  $("threads-toggle").setAttribute("aria-expanded", String(open));
  $("scrim").hidden = !open;
  if (open) $("new-thread").focus();
}

export function wireDrawer() {
  $("threads-toggle").addEventListener("click", () => setDrawer(!drawerOpen()));
  $("scrim").addEventListener("click", () => setDrawer(false));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && drawerOpen()) { setDrawer(false); $("threads-toggle").focus(); }
  });
  $("thread-list").addEventListener("click", (e) => { // a thread was opened (even the current one)
    if (e.target.closest(".thread")) setDrawer(false);
  });
  window.addEventListener("hashchange", () => setDrawer(false));
  narrow.addEventListener("change", () => setDrawer(false));
}
