// orgbuild's service worker, served at /sw.js by orgbuild/views/offline.py (root scope).
// - static files (CSS, JS, icons): from the cache, filled when the worker is installed;
// - the field pages (my follow-ups, an organisation, its visit form): from the network, kept in the
//   cache, and answered from the cache when there is no connection or it does not answer in time;
// - anything else that is not cached while offline: the offline page.
// POSTs are never touched: a visit made offline is queued by the page (static/js/offline.js).
// Background Sync ("orgbuild-visits", registered by the page when it queues a visit): the worker
// sends the queue itself (static/js/offline-queue.js, imported below), also with no page open; the
// browser calls again later while visits are still waiting for a connection.
"use strict";

importScripts({{ queue_url|tojson }});

const VERSION = {{ version|tojson }};
const STATIC_CACHE = "orgbuild-static-" + VERSION;
const PAGES_CACHE = "orgbuild-pages";
const PRECACHE = {{ precache|tojson }};
const OFFLINE_URL = {{ offline_url|tojson }};
const SESSION_URL = {{ session_url|tojson }};
const SEND_TIMEOUT_MS = {{ timeout_ms|tojson }};
const SYNC_TAG = "orgbuild-visits";
const FIELD_PAGES = [/^\/followups$/, /^\/orgs\/\d+$/, /^\/orgs\/\d+\/step\/record_visit$/];
const NETWORK_WAIT_MS = 5000;  // a bad signal: after this, answer from the cache (the fetch goes on)
const MAX_WARM = 31;           // pages stored from one follow-up list: itself and 30 visit forms
const FRESH_MS = 10 * 60 * 1000;  // a page stored this recently is not fetched again for the list

function isFieldPage(url) {
  return url.origin === self.location.origin && FIELD_PAGES.some((re) => re.test(url.pathname));
}

function cacheable(response) {
  return response && response.ok && response.type === "basic" && !response.redirected;
}

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(STATIC_CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("orgbuild-static-") && n !== STATIC_CACHE)
        .map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

async function fromNetworkThenCache(request) {
  const cache = await caches.open(PAGES_CACHE);
  const network = fetch(request).then((response) => {
    if (cacheable(response)) { cache.put(request.url, response.clone()); }
    return response;
  });
  const timeout = new Promise((resolve) => setTimeout(resolve, NETWORK_WAIT_MS, null));
  try {
    const first = await Promise.race([network, timeout]);
    if (first) { return first; }
    const cached = await cache.match(request.url);
    return cached || await network;
  } catch (error) {
    const cached = await cache.match(request.url);
    return cached || (await caches.match(OFFLINE_URL)) || Response.error();
  }
}

async function fromCacheThenNetwork(request) {
  const cached = await caches.match(request);
  if (cached) { return cached; }
  const response = await fetch(request);
  if (cacheable(response)) {
    const cache = await caches.open(STATIC_CACHE);
    cache.put(request, response.clone());
  }
  return response;
}

async function orOfflinePage(request) {
  try {
    return await fetch(request);
  } catch (error) {
    return (await caches.match(OFFLINE_URL)) || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") { return; }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.startsWith("/static/") || url.pathname.startsWith("/bootstrap/")) {
    event.respondWith(fromCacheThenNetwork(request));
  } else if (request.mode === "navigate" && isFieldPage(url)) {
    event.respondWith(fromNetworkThenCache(request));
  } else if (request.mode === "navigate") {
    event.respondWith(orOfflinePage(request));
  }
});

// Messages from the pages: "warm" stores a follow-up list and its visit forms (so that they
// open without a connection later); "forget" drops every stored page (on signing out).
let warming = Promise.resolve();

async function fresh(cache, href) {
  const cached = await cache.match(href);
  const stamp = cached && Date.parse(cached.headers.get("Date") || "");
  return Boolean(stamp) && Date.now() - stamp < FRESH_MS;
}

async function warm(hrefs) {
  const cache = await caches.open(PAGES_CACHE);
  let stored = 0;
  for (const href of hrefs) {
    if (await fresh(cache, href)) { stored += 1; continue; }
    try {
      const response = await fetch(href, { credentials: "same-origin" });
      if (cacheable(response)) { await cache.put(href, response); stored += 1; }
    } catch (error) { break; }  // the connection went: keep what was stored
  }
  return stored;
}

// Messages from the pages: "warm" stores a follow-up list and its visit forms (so that they
// open without a connection later; one list at a time, pages stored in the last minutes are kept);
// "forget" drops every stored page (on signing out: they are that account's).
self.addEventListener("message", (event) => {
  const data = event.data || {};
  const reply = (message) => { if (event.ports && event.ports[0]) { event.ports[0].postMessage(message); } };
  if (data.type === "warm") {
    const hrefs = (data.urls || []).map((u) => new URL(u, self.location.origin))
      .filter(isFieldPage).slice(0, MAX_WARM).map((u) => u.href);
    warming = warming.then(() => warm(hrefs)).then((stored) => reply({ type: "warmed", stored: stored }),
      () => reply({ type: "warmed", stored: 0 }));
    event.waitUntil(warming);
  } else if (data.type === "forget") {
    event.waitUntil(caches.delete(PAGES_CACHE).then(() => reply({ type: "forgotten" })));
  }
});

self.addEventListener("sync", (event) => {
  if (event.tag !== SYNC_TAG) { return; }
  event.waitUntil(
    self.OrgbuildQueue.syncQueue({ sessionUrl: SESSION_URL, timeoutMs: SEND_TIMEOUT_MS })
      .then(async (state) => {
        const pages = await self.clients.matchAll({ type: "window" });
        pages.forEach((page) => page.postMessage({ type: "queue-changed" }));
        // visits still waiting for a connection: failing here makes the browser try again later
        // (a sign-in that expired is not retried: the page asks the officer to sign in)
        if (state.left) { throw new Error("visits still queued"); }
      })
  );
});
