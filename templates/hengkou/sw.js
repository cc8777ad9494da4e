/* The officials' service worker (served by hengkou/views/offline.py at /sw.js, scope /).

   Workbox comes from npm and is served from this site (static/vendor/workbox/, `make assets`),
   never from Google's CDN, which is workbox-sw's default.

   It keeps a copy of a page only when the server marked it as the signed-in official's own
   (the header X-Offline-Copy: own, on their enterprises' cards, visit forms and "my
   enterprises"), in the cache CONFIG.pagesCache, emptied at sign-out. Any other page goes to
   the network; without a connection, a page not kept is answered with the offline page
   (/offline/, precached with the files the kept pages need). A visit form posted while the
   network fails is kept in IndexedDB for its author, as static/js/offline.js keeps a visit
   logged offline, and sent by the pages when the connection returns. */
"use strict";
// Made by the view from settings and core/offline.py: static URLs, cache names, the header.
const CONFIG = {{ config|safe }};
importScripts(CONFIG.workboxSw, CONFIG.idb);
workbox.setConfig({ debug: false, modulePathCb: (name) => CONFIG.modules[name] });
// The precache is "hengkou-precache" (workbox's default name carries the scope instead).
workbox.core.setCacheNameDetails({ prefix: "hengkou", suffix: "", precache: "precache" });

const PAGES = CONFIG.pagesCache;
const STATIC = CONFIG.staticCache;
const COPY_HEADER = CONFIG.copyHeader;
const COPY_VALUE = CONFIG.copyValue;
const STATIC_PREFIX = CONFIG.staticPrefix;
const LOGIN_PATH = CONFIG.loginPath;
const OFFLINE_PAGE = CONFIG.offlinePage;
const VISIT_FORM = new RegExp(CONFIG.visitFormPattern);
// At most this many pages are fetched ahead from "my enterprises" (two per enterprise).
const MAX_WARM = 100;

function isOwnPage(response) {
  return Boolean(
    response &&
      response.status === 200 &&
      !response.redirected &&
      response.headers.get(COPY_HEADER) === COPY_VALUE
  );
}

// Keep a page only when the server says it is the official's own.
const ownPagesOnly = {
  cacheWillUpdate: async ({ response }) => (isOwnPage(response) ? response : null),
};
// Sent to the sign-in page: signed out (or the session ended), so forget the pages kept.
const forgetWhenSignedOut = {
  fetchDidSucceed: async ({ response }) => {
    if (response.redirected && new URL(response.url).pathname === LOGIN_PATH) {
      await caches.delete(PAGES);
    }
    return response;
  },
};

// The offline page and the files every kept page needs (the revisions come from the view).
workbox.precaching.precacheAndRoute(CONFIG.precache);
workbox.precaching.cleanupOutdatedCaches();

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => {
  // The caches of a previous version of this worker (another name) go; these stay.
  const current = new Set([PAGES, STATIC, workbox.core.cacheNames.precache]);
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith(CONFIG.cachePrefix) && !current.has(name))
            .map((name) => caches.delete(name))
        )
      )
      .then(() => self.clients.claim())
  );
});

workbox.routing.registerRoute(
  ({ request, url }) => request.mode === "navigate" && url.origin === self.location.origin,
  new workbox.strategies.NetworkFirst({
    cacheName: PAGES,
    networkTimeoutSeconds: 5,
    // The pages vary by cookie and language; this cache is one user's, emptied at sign-out.
    matchOptions: { ignoreVary: true },
    plugins: [ownPagesOnly, forgetWhenSignedOut],
  })
);
// The site's files: kept as used, bounded in number and age (a deploy renames them all).
workbox.routing.registerRoute(
  ({ url }) => url.origin === self.location.origin && url.pathname.startsWith(STATIC_PREFIX),
  new workbox.strategies.StaleWhileRevalidate({
    cacheName: STATIC,
    plugins: [
      new workbox.expiration.ExpirationPlugin({
        maxEntries: CONFIG.staticMaxEntries,
        maxAgeSeconds: CONFIG.staticMaxAgeSeconds,
        purgeOnQuotaError: true,
      }),
    ],
  })
);

// --- a visit form posted while the network fails ----------------------------------------------
async function signedInUser(db) {
  const entry = await db.get(CONFIG.metaStore, "user");
  return entry ? entry.value : null;
}

// Keep the posted visit for its author (the user the pages said is signed in); return whether.
async function keepPosted(request) {
  const db = await idb.openDB(CONFIG.database, CONFIG.databaseVersion, {
    upgrade: (database) => upgradeDatabase(database),
  });
  const user = await signedInUser(db);
  if (!user) {
    return false;
  }
  const fields = [];
  const files = [];
  for (const [name, value] of (await request.formData()).entries()) {
    if (typeof value !== "string") {
      if (value.size > 0) {
        files.push({ name, blob: value, filename: value.name, type: value.type });
      }
    } else if (name !== "csrfmiddlewaretoken") {
      fields.push([name, value]);
    }
  }
  let key = (fields.find(([name]) => name === "idempotency_key") || [])[1];
  if (!key) {
    key = self.crypto.randomUUID();
    fields.push(["idempotency_key", key]);
  }
  await db.put(CONFIG.draftsStore, {
    key,
    user,
    action: new URL(request.url).pathname,
    enterprise: "",
    fields,
    files,
    savedAt: new Date().toISOString(),
    state: "pending",
  });
  return true;
}

// Kept in step with static/js/offline.js, which opens the same database.
function upgradeDatabase(database) {
  if (!database.objectStoreNames.contains(CONFIG.draftsStore)) {
    database.createObjectStore(CONFIG.draftsStore, { keyPath: "key" }).createIndex("user", "user");
  }
  if (!database.objectStoreNames.contains(CONFIG.metaStore)) {
    database.createObjectStore(CONFIG.metaStore);
  }
}

async function offlinePage() {
  return (await workbox.precaching.matchPrecache(OFFLINE_PAGE)) || Response.error();
}

workbox.routing.registerRoute(
  ({ request, url }) => request.mode === "navigate" && url.origin === self.location.origin,
  async ({ request }) => {
    const copy = request.clone();
    try {
      return await fetch(request);
    } catch (error) {
      if (VISIT_FORM.test(new URL(request.url).pathname) && (await keepPosted(copy))) {
        return Response.redirect(OFFLINE_PAGE + "#kept", 303);
      }
      return offlinePage();
    }
  },
  "POST"
);

// A page neither reachable nor kept: the offline page, not the browser's error.
workbox.routing.setCatchHandler(async ({ request }) =>
  request.mode === "navigate" ? offlinePage() : Response.error()
);

async function warm(urls) {
  const cache = await caches.open(PAGES);
  for (const address of urls.slice(0, MAX_WARM)) {
    const url = new URL(address, self.location.origin);
    if (url.origin !== self.location.origin) {
      continue;
    }
    let response;
    try {
      response = await fetch(url, { credentials: "same-origin" });
    } catch (error) {
      return; // offline: what is kept stays
    }
    if (isOwnPage(response)) {
      await cache.put(url, response);
    }
  }
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "forget") {
    event.waitUntil(caches.delete(PAGES));
  } else if (data.type === "warm" && Array.isArray(data.urls)) {
    event.waitUntil(warm(data.urls));
  }
});
