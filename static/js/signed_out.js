/* Signed out (or the session ended): forget the official's pages the service worker kept
   (core/offline.py names the cache), and who was signed in on the phone (the worker keeps no
   failed post for anyone then). Visits kept on the phone and not sent stay: they belong to
   their author and are sent the next time they sign in here. */
(function () {
  "use strict";
  if ("caches" in window) {
    caches.delete("hengkou-own-pages");
  }
  if (!("indexedDB" in window)) {
    return;
  }
  // core/offline.py OFFLINE_DATABASE and OFFLINE_META_STORE; never created here.
  const opening = indexedDB.open("hengkou-offline");
  opening.onupgradeneeded = () => opening.transaction.abort();
  opening.onsuccess = () => {
    const db = opening.result;
    if (db.objectStoreNames.contains("meta")) {
      db.transaction("meta", "readwrite").objectStore("meta").delete("user");
    }
    db.close();
  };
  opening.onerror = (event) => event.preventDefault();
})();
