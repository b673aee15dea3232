/**
 * Comet Chat's service worker, served at `/sw.js` with scope `/` (so it may
 * act for `/rooms/…`): shows a notification for each Web Push and opens
 * the room when one is clicked, and stores a subscription the browser
 * renewed. It does nothing else (no caching, no fetch handler), so the app
 * behaves the same with or without it.
 *
 * Plain JavaScript, not built from TypeScript: it is this one small file,
 * and the browser must fetch it at one fixed URL, which the hashed build
 * output is not.
 *
 * The push payload (lib/notify/notifier.ts `payloadOf`):
 * `{room, seq, from: {id, name}, text, url, title, tag}`. The tag is
 * `<room>:<seq>`, the same as the page's own notification of that message,
 * so the browser shows one notification per message.
 */

const ICON = "/static/icons/icon-192.png";

self.addEventListener("install", () => {
  // Nothing to cache: take over at once instead of after every tab closed.
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

/** A path of this origin for `url`, or the lobby for anything else. */
function sameOrigin(url) {
  const origin = self.location.origin;
  try {
    const resolved = new URL(url, origin);
    if (resolved.origin === origin) return resolved.href;
  } catch {
    // Not a URL: the lobby.
  }
  return `${origin}/`;
}

/** The window clients of this origin, controlled by this worker or not. */
function windows() {
  return self.clients.matchAll({ type: "window", includeUncontrolled: true });
}

/** Whether `client` shows `url` (its query and fragment aside). */
function shows(client, url) {
  const a = new URL(client.url);
  const b = new URL(url);
  return a.origin === b.origin && a.pathname === b.pathname;
}

async function showPush(event) {
  let payload = null;
  try {
    payload = event.data ? event.data.json() : null;
  } catch {
    // Not JSON: the generic notification below.
  }
  if (!payload || typeof payload !== "object") {
    // Chrome requires a notification for every push (userVisibleOnly).
    await self.registration.showNotification("Comet Chat", {
      body: "New activity",
      icon: ICON,
      data: { url: sameOrigin("/") },
    });
    return;
  }
  const url = sameOrigin(typeof payload.url === "string" ? payload.url : "/");
  // The person is looking at that room right now: the message is on screen.
  const open = await windows();
  if (
    open.some((c) =>
      c.visibilityState === "visible" && c.focused && shows(c, url)
    )
  ) {
    return;
  }
  const title = typeof payload.title === "string"
    ? payload.title
    : "Comet Chat";
  const options = {
    body: typeof payload.text === "string" ? payload.text : "",
    icon: ICON,
    data: { url },
  };
  if (typeof payload.tag === "string") options.tag = payload.tag;
  await self.registration.showNotification(title, options);
}

async function openRoom(notification) {
  const url = sameOrigin(notification.data && notification.data.url);
  const open = await windows();
  const tab = open.find((c) => shows(c, url));
  if (tab) return await tab.focus();
  return await self.clients.openWindow(url);
}

self.addEventListener("push", (event) => {
  event.waitUntil(showPush(event));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(openRoom(event.notification));
});

/**
 * The browser replaced the subscription (the push service expired it): the
 * new one, made with the same key, is stored like the page stores one (the
 * session cookie goes along). The old one is dropped by the server when the
 * push service answers 410 for it.
 */
async function renew(event) {
  const options = event.oldSubscription && event.oldSubscription.options;
  const subscription = event.newSubscription ||
    (options && await self.registration.pushManager.subscribe(options));
  if (!subscription) return;
  await fetch("/api/push/subscriptions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(subscription.toJSON()),
  });
}

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(renew(event));
});
