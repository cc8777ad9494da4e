/* The officials' service worker (served by hengkou/views/offline.py at /sw.js, scope /).

   Workbox comes from npm and is served from this site (static/vendor/workbox/, `make assets`),
   never from Google's CDN, which is workbox-sw's default.

   It keeps a copy of a page only when the server marked it as the signed-in official's own
   (the header X-Offline-Copy: own, on their enterprises' cards, visit forms and "my
   enterprises"), in the cache CONFIG.pagesCache, emptied at sign-out. Every other page goes
   to the network as if there were no service worker. Visits logged offline are not handled
   here but by static/js/offline.js, on the pages themselves. */
"use strict";
// Made by the view from settings and core/offline.py: static URLs, cache names, the header.
const CONFIG = {{ config|safe }};
importScripts(CONFIG.workboxSw);
workbox.setConfig({ debug: false, modulePathCb: (name) => CONFIG.modules[name] });

const PAGES = CONFIG.pagesCache;
const STATIC = CONFIG.staticCache;
const COPY_HEADER = CONFIG.copyHeader;
const COPY_VALUE = CONFIG.copyValue;
const STATIC_PREFIX = CONFIG.staticPrefix;
const LOGIN_PATH = CONFIG.loginPath;
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

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

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
workbox.routing.registerRoute(
  ({ url }) => url.origin === self.location.origin && url.pathname.startsWith(STATIC_PREFIX),
  new workbox.strategies.StaleWhileRevalidate({ cacheName: STATIC })
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
