/* The offline page (hengkou/views/offline.py, precached by the service worker): shown for a
   page not kept on the phone when there is no connection. It comes in every language of the
   site and shows the one chosen with the language switch (its cookie), Chinese otherwise; it
   lists the pages kept on the phone and counts the visits not sent yet of the user signed in
   on it (static/js/offline.js writes who that is). */
(function () {
  "use strict";
  const script = document.getElementById("offline-page-script");
  const PAGES_CACHE = "hengkou-own-pages"; // core/offline.py OFFLINE_PAGES_CACHE
  const DATABASE = "hengkou-offline"; // OFFLINE_DATABASE, OFFLINE_DATABASE_VERSION
  const DATABASE_VERSION = 2;
  const DRAFTS = "visit-drafts";
  const META = "meta";

  function chosenLanguage() {
    const name = script.dataset.languageCookie + "=";
    const found = document.cookie.split(";").map((part) => part.trim())
      .find((part) => part.startsWith(name));
    return found ? decodeURIComponent(found.slice(name.length)).toLowerCase() : "";
  }

  const sections = Array.from(document.querySelectorAll(".offline-language"));
  const wanted = chosenLanguage();
  const section = sections.find((one) => one.dataset.language === wanted)
    || sections.find((one) => wanted && one.dataset.language.split("-")[0] === wanted.split("-")[0])
    || sections.find((one) => one.dataset.language === script.dataset.defaultLanguage)
    || sections[0];
  for (const one of sections) {
    one.hidden = one !== section;
  }
  document.documentElement.lang = section.dataset.language;
  document.title = section.dataset.title;
  // The visit form posted without a connection was kept (the service worker said so).
  const kept = window.location.hash === "#kept";
  section.querySelector(".offline-kept").hidden = !kept;
  section.querySelector(".offline-missing").hidden = kept;

  async function listPages() {
    const list = section.querySelector(".offline-pages");
    const pages = [];
    if ("caches" in window && (await caches.has(PAGES_CACHE))) {
      const cache = await caches.open(PAGES_CACHE);
      for (const request of await cache.keys()) {
        const response = await cache.match(request, { ignoreVary: true });
        const html = response ? await response.text() : "";
        const title = new DOMParser().parseFromString(html, "text/html").title;
        const url = new URL(request.url);
        pages.push({ href: url.pathname + url.search, title: title || url.pathname });
      }
    }
    pages.sort((a, b) => a.href.length - b.href.length || a.title.localeCompare(b.title));
    if (!pages.length) {
      const item = document.createElement("li");
      item.className = "list-group-item text-body-secondary";
      item.textContent = list.dataset.empty;
      list.replaceChildren(item);
      return;
    }
    list.replaceChildren(...pages.map((page) => {
      const link = document.createElement("a");
      link.className = "list-group-item list-group-item-action";
      link.href = page.href;
      link.textContent = page.title;
      return link;
    }));
  }

  async function countDrafts() {
    const line = section.querySelector(".offline-count");
    let count = 0;
    if ("indexedDB" in window && window.idb) {
      const db = await idb.openDB(DATABASE, DATABASE_VERSION, {
        upgrade(database) {
          if (!database.objectStoreNames.contains(DRAFTS)) {
            database.createObjectStore(DRAFTS, { keyPath: "key" }).createIndex("user", "user");
          }
          if (!database.objectStoreNames.contains(META)) {
            database.createObjectStore(META);
          }
        },
      });
      const user = await db.get(META, "user");
      if (user && user.value) {
        count = (await db.getAllFromIndex(DRAFTS, "user", user.value)).length;
      }
      db.close();
    }
    line.dataset.count = String(count);
    line.textContent = count === 0 ? line.dataset.none
      : count === 1 ? line.dataset.one : line.dataset.many.replace("{count}", String(count));
  }

  listPages();
  countDrafts();
  // The connection is back: the page asked for, or "my enterprises" after a visit kept here,
  // once the site answers (asked past the service worker, which routes no /healthz/).
  async function leaveWhenReachable(tries) {
    let reachable = false;
    try {
      reachable = (await fetch(script.dataset.probe, { cache: "no-store" })).ok;
    } catch (error) {
      reachable = false;
    }
    if (!reachable) {
      if (tries > 1) {
        setTimeout(() => leaveWhenReachable(tries - 1), 1000);
      }
      return;
    }
    if (window.location.pathname === script.dataset.self) {
      window.location.replace(script.dataset.home);
    } else {
      window.location.reload();
    }
  }
  window.addEventListener("online", () => leaveWhenReachable(30));
})();
