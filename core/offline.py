"""The installable app's offline copies: which signed-in pages its service worker may keep.

Signed-in pages are ``Cache-Control: private, no-store`` (hengkou/middleware.py). The one
exception is deliberate: the service worker keeps, in the Cache Storage of the phone, a copy of
the pages a view marks with ``allow_offline_copy`` (an official's own enterprises, their visit
forms, "my enterprises"), so that a visit is logged where there is no signal. The browser's HTTP
cache still keeps nothing, and the copies are deleted at sign-out (docs/security.md).
"""

# The response header the service worker looks for before keeping a copy of a page.
OFFLINE_COPY_HEADER = "X-Offline-Copy"
OFFLINE_COPY_VALUE = "own"
# The Cache Storage names the service worker keeps them under (emptied at sign-out). Every
# cache of the service worker's is named with CACHE_PREFIX: at its activation, those it does not
# know (a previous version's, such as the unbounded "hengkou-static") are deleted.
CACHE_PREFIX = "hengkou-"
OFFLINE_PAGES_CACHE = "hengkou-own-pages"
OFFLINE_STATIC_CACHE = "hengkou-static-v2"
# The site's files kept as used: at most this many, each at most this old.
OFFLINE_STATIC_MAX_ENTRIES = 60
OFFLINE_STATIC_MAX_AGE_SECONDS = 30 * 24 * 3600
# The phone's IndexedDB of the visits kept offline (static/js/offline.js and the service
# worker open it alike): the drafts, and who is signed in (for the worker, which has no cookie).
OFFLINE_DATABASE = "hengkou-offline"
OFFLINE_DATABASE_VERSION = 2
OFFLINE_DRAFTS_STORE = "visit-drafts"
OFFLINE_META_STORE = "meta"


def allow_offline_copy(response, *, own: bool = True):
    """Mark ``response`` as a page of the signed-in user's own that may be kept offline."""
    if own and response.status_code == 200:
        response[OFFLINE_COPY_HEADER] = OFFLINE_COPY_VALUE
    return response
