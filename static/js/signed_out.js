/* Signed out (or the session ended): forget the official's pages the service worker kept
   (core/offline.py names the cache). Visits kept on the phone and not sent stay: they belong to
   their author and are sent the next time they sign in here. */
(function () {
  "use strict";
  if ("caches" in window) {
    caches.delete("hengkou-own-pages");
  }
})();
