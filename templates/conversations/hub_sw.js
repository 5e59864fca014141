{% load i18n static %}/* Compañero hub service worker: the team's notifications as web push (a crisis, a request for a human).
   A push names no person's words: a title, the kind of notification and the hub page to open. */
const WORDS = { title: "{{ _('Compañero')|escapejs }}", body: "{{ _('Your coaching team has a notification')|escapejs }}" };

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = {}; }
  // Only pages of this hub open from a notification.
  const url = typeof data.url === "string" && data.url.startsWith("/hub/") ? data.url : "/hub/notifications/";
  event.waitUntil(self.registration.showNotification(data.title || WORDS.title, {
    body: data.body || WORDS.body, tag: url, data: { url: url }, icon: "{% static 'compa/app-icon.svg' %}",
  }));
});
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL((event.notification.data && event.notification.data.url) || "/hub/notifications/", self.location.origin).href;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
    const open = windows.find((w) => w.url === url);
    return open ? open.focus() : self.clients.openWindow(url);
  }));
});
