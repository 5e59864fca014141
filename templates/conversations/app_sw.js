{% load static i18n client_words %}{% get_current_language as LANGUAGE_CODE %}/* Compañero companion app service worker: an offline shell and the coach's push messages. */
// The offline page is kept in the person's language: another language is another worker and shell.
const SHELL = "compa-shell-v2-{{ LANGUAGE_CODE }}";
const WORDS = {% client_words_js %};
const SHELL_FILES = ["{% url 'app-offline' %}", "{% static 'compa/chat.css' %}", "{% static 'compa/app.css' %}", "{% static 'compa/chat.js' %}", "{% static 'compa/app-icon.svg' %}"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});
self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match("{% url 'app-offline' %}")));
    return;
  }
  if (SHELL_FILES.includes(new URL(request.url).pathname)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});
self.addEventListener("push", (event) => {
  const data = event.data ? event.data.json() : {};
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
    if (windows.some((w) => w.focused)) return undefined;  // the chat is open: it shows the message itself
    return self.registration.showNotification(data.title || WORDS.coach, { body: data.body || "", data: { url: data.url || "/app/" }, icon: "{% static 'compa/app-icon.svg' %}" });
  }));
});
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url || "/app/"));
});
