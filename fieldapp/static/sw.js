// Service worker of the field app (scope /field/). Precaches the app shell of this build and answers
// it from the cache, so the app loads with the network off. API and sync requests are never cached.
// A new build waits ("installed") until the page says it is safe to take over (skip-waiting after
// the page has written every pending answer); the old cache is dropped only on activation.
const VERSION = "__VERSION__";
const SHELL = __SHELL__;
const CACHE = `fieldapp-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" })))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key.startsWith("fieldapp-") && key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "skip-waiting") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith("/field/")) return;
  if (request.mode === "navigate") {
    // the page itself: the cached shell of this version (network only when it is missing)
    event.respondWith(caches.match("/field/", { cacheName: CACHE }).then((hit) => hit || fetch(request)));
    return;
  }
  event.respondWith(caches.match(request, { cacheName: CACHE }).then((hit) => hit || fetch(request)));
});
