/* The officials' app offline: the service worker, visits kept on the phone, and their sending.

   Loaded on every page of a user who logs visits (hengkou/context_processors.py), after idb
   (static/vendor/idb, from npm). A visit form submitted without a connection (or whose sending
   fails on the network) is kept in IndexedDB with its photos and its idempotency key, counted
   in the header, and sent again when the connection returns, when a page opens, or on a tap on
   the count. The server records a key once (enterprises/services/visits.py), so a draft sent
   twice (two tabs, a lost answer) is still one visit. Background Sync is Chromium-only and not
   used: the drafts are sent by the pages themselves.

   Drafts belong to their author: only the signed-in user's are counted and sent. At sign-out
   the pages kept by the service worker are deleted; the drafts not sent stay (the user is
   asked first) and are sent the next time the same user signs in on the phone. */
(function () {
  "use strict";
  const script = document.getElementById("offline-script");
  if (!script || !("indexedDB" in window) || !window.idb) {
    return;
  }
  const USER = script.dataset.user;
  const PAGES_CACHE = "hengkou-own-pages"; // core/offline.py OFFLINE_PAGES_CACHE
  const DATABASE = "hengkou-offline";
  const DRAFTS = "visit-drafts";
  const outbox = document.getElementById("offline-outbox");
  const status = document.getElementById("offline-status");
  let sending = null;

  const database = idb.openDB(DATABASE, 1, {
    upgrade(db) {
      db.createObjectStore(DRAFTS, { keyPath: "key" }).createIndex("user", "user");
    },
  });

  function say(text, kind) {
    if (!status || !text) {
      return;
    }
    status.textContent = text;
    status.className = "alert small py-2 alert-" + (kind || "info");
    status.hidden = false;
  }

  function csrfToken() {
    const found = document.cookie.split(";").map((part) => part.trim())
      .find((part) => part.startsWith("csrftoken="));
    return found ? decodeURIComponent(found.slice("csrftoken=".length)) : "";
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  async function myDrafts() {
    return (await database).getAllFromIndex(DRAFTS, "user", USER);
  }

  async function showCount() {
    const drafts = await myDrafts();
    if (!outbox) {
      return drafts.length;
    }
    const count = drafts.length;
    outbox.dataset.count = String(count);
    outbox.querySelector(".outbox-text").textContent = count === 1
      ? outbox.dataset.one
      : outbox.dataset.many.replace("{count}", String(count));
    outbox.hidden = count === 0;
    return count;
  }

  // --- the service worker ---------------------------------------------------------------------
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(script.dataset.sw, { scope: "/" }).then(() => {
      // "My enterprises": fetch ahead the cards and visit forms it links to, for offline use.
      const links = Array.from(document.querySelectorAll("a[data-offline]"), (link) => link.href);
      if (links.length) {
        navigator.serviceWorker.ready.then((registration) => {
          registration.active.postMessage({ type: "warm", urls: links });
        });
      }
    }).catch(() => {});
  }

  // Replace this page with a page fetched by script, at its address.
  function showPage(url, html) {
    window.history.replaceState(null, "", url);
    document.open();
    document.write(html);
    document.close();
  }

  // --- keeping a visit on the phone -----------------------------------------------------------
  async function keep(form) {
    const fields = [];
    const files = [];
    for (const [name, value] of new FormData(form).entries()) {
      if (value instanceof File) {
        if (value.size > 0) {
          files.push({ name, blob: value, filename: value.name, type: value.type });
        }
      } else if (name !== "csrfmiddlewaretoken") {
        fields.push([name, value]);
      }
    }
    const key = form.elements.idempotency_key.value;
    await (await database).put(DRAFTS, {
      key,
      user: USER,
      action: new URL(form.getAttribute("action") || window.location.href, window.location.href)
        .pathname,
      enterprise: form.dataset.enterprise || "",
      fields,
      files,
      savedAt: new Date().toISOString(),
    });
  }

  function startAfresh(form) {
    form.reset();
    form.elements.idempotency_key.value = newKey();
    for (const kept of form.querySelectorAll("#kept-photos")) {
      kept.remove();
    }
  }

  const form = document.getElementById("visit-form");
  if (form && form.elements.idempotency_key) {
    // A key per draft, made when the form opens (a page kept offline must not reuse one).
    if (!form.elements.idempotency_key.value) {
      form.elements.idempotency_key.value = newKey();
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("[type=submit]");
      if (button) {
        button.disabled = true;
      }
      const keepIt = async () => {
        await keep(form);
        startAfresh(form);
        await showCount();
        say(status && status.dataset.saved, "warning");
        window.scrollTo(0, 0);
      };
      try {
        if (!navigator.onLine) {
          await keepIt();
          return;
        }
        const body = new FormData(form);
        body.set("csrfmiddlewaretoken", csrfToken() || body.get("csrfmiddlewaretoken"));
        let response;
        try {
          response = await fetch(form.action || window.location.href, {
            method: "POST",
            body,
            credentials: "same-origin",
          });
        } catch (error) {
          await keepIt(); // the network failed on the way: kept, sent later
          return;
        }
        // Shown as a plain submission would: the page landed on (with its message), or the
        // form back with what to fix.
        showPage(response.url, await response.text());
      } finally {
        if (button) {
          button.disabled = false;
        }
      }
    });
  }

  // --- sending the kept visits ----------------------------------------------------------------
  async function sendOne(draft) {
    const body = new FormData();
    for (const [name, value] of draft.fields) {
      body.append(name, value);
    }
    for (const file of draft.files) {
      body.append(file.name, file.blob, file.filename);
    }
    // The token of the session signed in now (the cookie is read at sending time).
    const token = csrfToken();
    body.set("csrfmiddlewaretoken", token);
    const response = await fetch(draft.action, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token },
    });
    const landed = new URL(response.url).pathname;
    if (response.redirected && landed === script.dataset.login) {
      return "signin";
    }
    if (response.ok && response.redirected && landed !== draft.action) {
      return "sent"; // recorded now, or recorded before (a replay): either way, done
    }
    if (response.status === 200 && !response.redirected) {
      return { refused: await response.text() }; // the form came back with what to fix
    }
    return "later"; // the server is unwell (5xx), or refused the request as such: try later
  }

  // A draft the server refused (the form came back with its errors, its photos kept there for
  // a day): open that form, filled in, in place of this page, for the official to fix and send.
  function openRefused(draft, html) {
    showPage(draft.action, html);
  }

  async function sendAll() {
    if (!navigator.onLine) {
      return;
    }
    const drafts = await myDrafts();
    let sent = 0;
    for (const draft of drafts) {
      let outcome;
      try {
        outcome = await sendOne(draft);
      } catch (error) {
        break; // the network is down again: the rest waits
      }
      if (outcome === "sent") {
        await (await database).delete(DRAFTS, draft.key);
        sent += 1;
      } else if (outcome === "signin") {
        say(status && status.dataset.signin, "warning");
        break;
      } else if (outcome === "later") {
        break;
      } else {
        await (await database).delete(DRAFTS, draft.key);
        openRefused(draft, outcome.refused);
        return;
      }
    }
    await showCount();
    if (sent) {
      say(status && status.dataset.sent.replace("{count}", String(sent)), "success");
    }
  }

  function sendKept() {
    // One sending at a time in this page; across tabs the keys keep it to one visit each.
    if (!sending) {
      sending = sendAll().finally(() => {
        sending = null;
      });
    }
    return sending;
  }

  window.addEventListener("online", sendKept);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      sendKept();
    }
  });
  if (outbox) {
    outbox.addEventListener("click", sendKept);
  }

  // --- signing out ----------------------------------------------------------------------------
  const logout = document.getElementById("logout-form");
  if (logout) {
    logout.addEventListener("submit", async (event) => {
      event.preventDefault();
      const count = (await myDrafts()).length;
      if (count && !window.confirm(status.dataset.signout.replace("{count}", String(count)))) {
        return;
      }
      if ("caches" in window) {
        await caches.delete(PAGES_CACHE);
      }
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({ type: "forget" });
      }
      logout.submit();
    });
  }

  // Expose the sending for the browser journeys (and a manual retry from the console).
  window.hengkouOffline = { sendKept, showCount };
  showCount().then(sendKept);
})();
