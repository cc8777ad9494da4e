/* The officials' app offline: the service worker, visits kept on the phone, and their sending.

   Loaded on every page of a user who logs visits (hengkou/context_processors.py), after idb
   (static/vendor/idb, from npm). With a connection the visit form is submitted as any form
   is; without one (or when the network fails on the way: the service worker keeps that post)
   the visit is kept in IndexedDB with its photos and its idempotency key, counted in the
   header and on the sign-out button, and sent by fetch when the connection returns, when a
   page opens, or on a tap on the count. The server records a key once
   (enterprises/services/visits.py), so a draft sent twice (two tabs, a lost answer) is still
   one visit; it answers the script in JSON (enterprises/views/visits.py). A draft the server
   refuses stays on the phone, marked refused with the server's messages, until its author
   opens it in the form to correct it or discards it. Background Sync is Chromium-only and not
   used: the drafts are sent by the pages themselves.

   Drafts belong to their author: only the signed-in user's are counted, shown and sent. At
   sign-out the pages kept by the service worker are deleted; the drafts not sent stay (the
   user is asked first) and are sent the next time the same user signs in on the phone. */
(function () {
  "use strict";
  const script = document.getElementById("offline-script");
  if (!script || !("indexedDB" in window) || !window.idb) {
    return;
  }
  const USER = script.dataset.user;
  const PAGES_CACHE = "hengkou-own-pages"; // core/offline.py OFFLINE_PAGES_CACHE
  const DATABASE = "hengkou-offline"; // OFFLINE_DATABASE, OFFLINE_DATABASE_VERSION
  const DATABASE_VERSION = 2;
  const DRAFTS = "visit-drafts";
  const META = "meta";
  const outbox = document.getElementById("offline-outbox");
  const status = document.getElementById("offline-status");
  const refusedList = document.getElementById("offline-refused");
  const logoutCount = document.getElementById("logout-count");
  let sending = null;

  // The service worker opens the same database (templates/hengkou/sw.js).
  const database = idb.openDB(DATABASE, DATABASE_VERSION, {
    upgrade(db) {
      if (!db.objectStoreNames.contains(DRAFTS)) {
        db.createObjectStore(DRAFTS, { keyPath: "key" }).createIndex("user", "user");
      }
      if (!db.objectStoreNames.contains(META)) {
        db.createObjectStore(META);
      }
    },
  });
  // Who is signed in on the phone: the service worker keeps a failed post for them.
  database.then((db) => db.put(META, { value: USER }, "user"));

  function say(text, kind) {
    if (!status || !text) {
      return;
    }
    status.replaceChildren(text);
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

  function counted(template, count) {
    return template.replace("{count}", String(count));
  }

  async function myDrafts() {
    return (await database).getAllFromIndex(DRAFTS, "user", USER);
  }

  function field(draft, name) {
    const found = draft.fields.find(([key]) => key === name);
    return found ? found[1] : "";
  }

  // The enterprise of a draft: named when kept by the page; else the kept form's title.
  async function labelOf(draft) {
    if (draft.enterprise) {
      return draft.enterprise;
    }
    if ("caches" in window) {
      const kept = await caches.match(draft.action, { cacheName: PAGES_CACHE, ignoreVary: true });
      if (kept) {
        const title = new DOMParser().parseFromString(await kept.text(), "text/html").title;
        if (title) {
          return title;
        }
      }
    }
    return draft.action;
  }

  async function showRefused(drafts) {
    if (!refusedList) {
      return;
    }
    const refused = drafts.filter((draft) => draft.state === "refused");
    const template = document.getElementById("offline-refused-item");
    const items = [];
    for (const draft of refused) {
      const item = template.content.firstElementChild.cloneNode(true);
      item.dataset.key = draft.key;
      item.querySelector(".refused-label").textContent =
        (await labelOf(draft)) + " · " + field(draft, "visited_on");
      item.querySelector(".refused-messages").replaceChildren(...(draft.messages || []).map(
        (message) => Object.assign(document.createElement("li"), { textContent: message })
      ));
      item.querySelector(".refused-open").href = draft.action + "#draft=" + encodeURIComponent(draft.key);
      item.querySelector(".refused-discard").addEventListener("click", async () => {
        if (window.confirm(refusedList.dataset.discard)) {
          await (await database).delete(DRAFTS, draft.key);
          await showCount();
        }
      });
      items.push(item);
    }
    refusedList.querySelector(".refused-items").replaceChildren(...items);
    refusedList.hidden = items.length === 0;
  }

  async function showCount() {
    const drafts = await myDrafts();
    const count = drafts.length;
    if (outbox) {
      outbox.dataset.count = String(count);
      outbox.querySelector(".outbox-text").textContent = count === 1
        ? outbox.dataset.one
        : counted(outbox.dataset.many, count);
      outbox.hidden = count === 0;
    }
    if (logoutCount) {
      logoutCount.dataset.count = String(count);
      logoutCount.textContent = counted(logoutCount.dataset.template, count);
      logoutCount.hidden = count === 0;
    }
    await showRefused(drafts);
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
      state: "pending",
    });
  }

  function startAfresh(form) {
    form.reset();
    form.elements.idempotency_key.value = newKey();
    delete form.dataset.draft;
    for (const stale of form.querySelectorAll("#kept-photos, #draft-errors")) {
      stale.remove();
    }
    if (window.location.hash.startsWith("#draft=")) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
  }

  // A refused draft opened to be corrected: the form filled in as it was kept, its photos too.
  async function openDraft(form, key) {
    const draft = await (await database).get(DRAFTS, key);
    if (!draft || draft.user !== USER) {
      return;
    }
    const problems = Number(field(draft, "problems-TOTAL_FORMS")) || 0;
    const total = form.elements["problems-TOTAL_FORMS"];
    const add = document.getElementById("add-problem");
    while (add && total && Number(total.value) < problems) {
      add.click();
    }
    for (const box of form.querySelectorAll("input[name=participants]")) {
      box.checked = false;
    }
    for (const [name, value] of draft.fields) {
      if (name === "participants" && !form.querySelector(`#participant-${CSS.escape(value)}`)) {
        const wrapper = document.createElement("div");
        wrapper.className = "form-check form-check-tap";
        const box = Object.assign(document.createElement("input"), {
          className: "form-check-input", type: "checkbox", name, value, id: "participant-" + value,
        });
        const label = Object.assign(document.createElement("label"), {
          className: "form-check-label", htmlFor: box.id, textContent: "#" + value,
        });
        wrapper.append(box, label);
        document.getElementById("participants").append(wrapper);
      }
      const element = form.elements[name];
      if (!element) {
        continue;
      }
      const choices = element instanceof RadioNodeList ? Array.from(element) : [element];
      if (choices[0].type === "checkbox" || choices[0].type === "radio") {
        for (const choice of choices) {
          if (choice.value === value) {
            choice.checked = true;
          }
        }
      } else if (choices[0].type !== "file") {
        choices[0].value = value;
      }
    }
    const photos = form.elements.photos;
    if (photos && draft.files.length && window.DataTransfer) {
      const chosen = new DataTransfer();
      for (const file of draft.files) {
        chosen.items.add(new File([file.blob], file.filename, { type: file.type }));
      }
      photos.files = chosen.files;
    }
    form.elements.idempotency_key.value = draft.key;
    form.dataset.draft = draft.key;
    if (draft.messages && draft.messages.length) {
      const errors = document.createElement("div");
      errors.id = "draft-errors";
      errors.className = "alert alert-danger";
      errors.setAttribute("role", "alert");
      errors.replaceChildren(...draft.messages.map(
        (message) => Object.assign(document.createElement("div"), { textContent: message })
      ));
      form.prepend(errors);
    }
  }

  const form = document.getElementById("visit-form");
  if (form && form.elements.idempotency_key) {
    // A key per draft, made when the form opens (a page kept offline must not reuse one).
    if (!form.elements.idempotency_key.value) {
      form.elements.idempotency_key.value = newKey();
    }
    const openFromAddress = () => {
      const opened = window.location.hash.match(/^#draft=(.+)$/);
      if (opened) {
        form.reset();
        for (const stale of form.querySelectorAll("#draft-errors")) {
          stale.remove();
        }
        openDraft(form, decodeURIComponent(opened[1])).then(() => form.scrollIntoView());
      }
    };
    // After visit_form.js, which adds the problems' forms; and when "correct it" is tapped on
    // this very form (the address changes its hash only).
    document.addEventListener("DOMContentLoaded", openFromAddress);
    window.addEventListener("hashchange", openFromAddress);
    form.addEventListener("submit", async (event) => {
      if (navigator.onLine && !form.dataset.draft) {
        return; // submitted as any form; the service worker keeps it if the network fails
      }
      event.preventDefault();
      if (navigator.onLine) {
        // A refused draft, corrected, submitted as any form. Where the service worker keeps a
        // failed post it is dropped from the phone; else it is kept as corrected (a replay
        // of its key records nothing).
        if (navigator.serviceWorker && navigator.serviceWorker.controller) {
          await (await database).delete(DRAFTS, form.dataset.draft);
        } else {
          await keep(form);
        }
        form.submit();
        return;
      }
      await keep(form);
      startAfresh(form);
      await showCount();
      say(status && status.dataset.saved, "warning");
      window.scrollTo(0, 0);
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
      headers: { "X-CSRFToken": token, Accept: "application/json" },
    });
    if (response.redirected && new URL(response.url).pathname === script.dataset.login) {
      return { outcome: "signin" };
    }
    const json = (response.headers.get("Content-Type") || "").startsWith("application/json");
    const answer = json ? await response.json() : {};
    if ((response.status === 201 || response.status === 200) && answer.visit) {
      // Recorded now, or recorded before (a replay): either way, done.
      return { outcome: "sent", answer, replayed: response.status === 200 };
    }
    if ((response.status === 400 || response.status === 404) && answer.status === "refused") {
      return { outcome: "refused", messages: answer.messages || [] };
    }
    return { outcome: "later" }; // the server is unwell (5xx), or refused the request as such
  }

  function sentReport(sent) {
    const report = document.createElement("div");
    report.append(counted(status.dataset.sent, sent.length));
    const list = document.createElement("ul");
    list.className = "mb-0 sent-visits";
    for (const answer of sent) {
      const link = Object.assign(document.createElement("a"), {
        href: answer.url, textContent: status.dataset.view,
      });
      const item = document.createElement("li");
      item.append(answer.enterprise + " · " + answer.visited_on + " · ", link);
      list.append(item);
    }
    report.append(list);
    return report;
  }

  async function sendAll() {
    if (!navigator.onLine) {
      return;
    }
    const drafts = (await myDrafts()).filter((draft) => draft.state !== "refused");
    const sent = [];
    let refused = 0;
    for (const draft of drafts) {
      let result;
      try {
        result = await sendOne(draft);
      } catch (error) {
        break; // the network is down again: the rest waits
      }
      if (result.outcome === "sent") {
        await (await database).delete(DRAFTS, draft.key);
        sent.push(result.answer);
      } else if (result.outcome === "refused") {
        await (await database).put(DRAFTS, {
          ...draft, state: "refused", messages: result.messages, refusedAt: new Date().toISOString(),
        });
        refused += 1;
      } else if (result.outcome === "signin") {
        say(status && status.dataset.signin, "warning");
        break;
      } else {
        break;
      }
    }
    await showCount();
    if (status && sent.length) {
      say(sentReport(sent), "success");
    } else if (status && refused) {
      say(counted(status.dataset.refused, refused), "danger");
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
  // The phone's housekeeping never holds a sign-out back: each step has a few seconds (a busy
  // phone's storage can be slow to answer), then the sign-out goes on. Drafts are never deleted
  // here, so a step cut short loses nothing; the server forgets the session either way.
  const SIGN_OUT_STEP_MS = 4000;

  function within(promise, fallback) {
    const late = new Promise((resolve) => setTimeout(() => resolve(fallback), SIGN_OUT_STEP_MS));
    return Promise.race([Promise.resolve(promise).catch(() => fallback), late]);
  }

  async function forgetThisPhone() {
    if ("caches" in window) {
      await caches.delete(PAGES_CACHE);
    }
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "forget" });
    }
    // Nobody is signed in on the phone any more: the worker keeps no post for anyone.
    await (await database).delete(META, "user");
  }

  const logout = document.getElementById("logout-form");
  if (logout) {
    let leaving = false;
    logout.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (leaving) {
        return;
      }
      leaving = true;
      const count = await within(myDrafts().then((drafts) => drafts.length), 0);
      if (count && !window.confirm(counted(status.dataset.signout, count))) {
        leaving = false;
        return;
      }
      await within(forgetThisPhone(), null);
      logout.submit();
    });
  }

  // Expose the sending for the browser journeys (and a manual retry from the console).
  window.hengkouOffline = { sendKept, showCount };
  showCount().then(sendKept);
})();
