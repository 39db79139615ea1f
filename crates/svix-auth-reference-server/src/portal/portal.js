// The app portal login page: reads the magic link's `#key=` (base64url JSON
// {appId, oneTimeToken, serverUrl}), removes it from the address bar, exchanges the one-time
// token for a session token, and signs out on request. The session lives in memory and in
// sessionStorage (this tab only, gone when it closes; never localStorage, never the URL), so a
// reload keeps it.
"use strict";

(function () {
  const session = document.getElementById("session");
  const STORAGE_KEY = "svix-portal-session";
  let sessionToken = null;

  function remember(state) {
    try {
      if (state === null) sessionStorage.removeItem(STORAGE_KEY);
      else sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch (_) {
      // Storage may be disabled: the session then lasts as long as the page.
    }
  }

  function recall() {
    try {
      const state = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
      return state && typeof state.token === "string" ? state : null;
    } catch (_) {
      return null;
    }
  }

  function show(state, message) {
    session.dataset.state = state;
    if (message !== undefined) {
      document.getElementById("error-message").textContent = message;
    }
  }

  function decodeKey(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const key = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof key !== "object" || key === null) throw new Error("not an object");
    for (const field of ["appId", "oneTimeToken", "serverUrl"]) {
      if (typeof key[field] !== "string" || key[field] === "") throw new Error("missing " + field);
    }
    const server = new URL(key.serverUrl);
    if (server.protocol !== "https:" && server.protocol !== "http:") throw new Error("bad server");
    return key;
  }

  function readKey() {
    const match = /(?:^#|&)key=([^&]*)/.exec(window.location.hash);
    // The key must not stay in the address bar, the history or a bookmark.
    history.replaceState(null, "", window.location.pathname + window.location.search);
    return match ? match[1] : null;
  }

  async function exchange(key) {
    const response = await fetch(key.serverUrl.replace(/\/+$/, "") + "/api/v1/auth/one-time-token", {
      method: "POST",
      headers: {
        "Authorization": "Bearer " + key.oneTimeToken,
        "Content-Type": "application/json",
      },
      body: JSON.stringify({ oneTimeToken: key.oneTimeToken }),
      credentials: "omit",
      referrerPolicy: "no-referrer",
      cache: "no-store",
    });
    if (!response.ok) return null;
    const body = await response.json();
    return typeof body.token === "string" ? body.token : null;
  }

  async function logout(key) {
    const button = document.getElementById("logout");
    button.disabled = true;
    try {
      await fetch(key.serverUrl.replace(/\/+$/, "") + "/api/v1/auth/logout", {
        method: "POST",
        headers: { "Authorization": "Bearer " + sessionToken },
        credentials: "omit",
        referrerPolicy: "no-referrer",
        cache: "no-store",
      });
    } catch (_) {
      // Signed out on this side whatever the network says: the token is dropped.
    }
    sessionToken = null;
    remember(null);
    show("signed-out");
    button.disabled = false;
  }

  function activate(key, token) {
    sessionToken = token;
    session.dataset.appId = key.appId;
    document.getElementById("app-id").textContent = key.appId;
    document.getElementById("access").textContent =
      key.readOnly === true ? "Read-only" : key.readOnly === false ? "Read and write" : "Not reported";
    document.getElementById("flags").textContent =
      Array.isArray(key.featureFlags) && key.featureFlags.length > 0
        ? key.featureFlags.join(", ")
        : Array.isArray(key.featureFlags) ? "None" : "Not reported";
    document.getElementById("logout").addEventListener("click", () => logout(key));
    show("active");
    document.getElementById("logout").focus();
  }

  async function main() {
    const raw = readKey();
    if (raw === null) {
      // A reload of a signed-in tab: the session is still here.
      const kept = recall();
      if (kept !== null) {
        activate(kept, kept.token);
      } else {
        show("error", "This link is not valid. Ask for a new one.");
      }
      return;
    }
    let key;
    try {
      key = decodeKey(raw);
    } catch (_) {
      show("error", "This link is not valid. Ask for a new one.");
      return;
    }
    session.dataset.appId = key.appId;
    show("loading");
    let token = null;
    try {
      token = await exchange(key);
    } catch (_) {
      show("error", "The server could not be reached. Check your connection and try the link again.");
      return;
    }
    if (token === null) {
      remember(null);
      show("error", "This link was already used or has expired. Ask for a new one.");
      return;
    }
    remember({
      appId: key.appId,
      serverUrl: key.serverUrl,
      readOnly: key.readOnly,
      featureFlags: key.featureFlags,
      token: token,
    });
    activate(key, token);
  }

  // A new link opened in this tab changes only the fragment: start over with it.
  window.addEventListener("hashchange", () => window.location.reload());
  main();
})();
