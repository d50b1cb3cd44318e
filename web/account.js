// Who is signed in, on a server where people sign in with Hugging Face (a Space): their
// name and a way to sign out. Nothing shows where nobody signs in (`ml-intern web` locally).

import { api } from "./api.js";
import { $, el } from "./dom.js";

export async function showAccount(info) {
  if (!info.sign_in) return;
  const me = await api("GET", "/oauth/me"); // {name, logout}
  // A real form: the server ends the session and sends the browser to the sign-in page.
  const signOut = el("form", { method: "post", action: me.logout, class: "sign-out" },
    el("button", { type: "submit", class: "quiet", text: "Sign out" }));
  $("account").replaceChildren(el("div", { class: "account-row" },
    el("span", { class: "account-who", title: `Signed in to Hugging Face as ${me.name}` },
      "Signed in as ", el("strong", { class: "account-name", text: me.name })),
    signOut));
  $("account").hidden = false;
}
