/**
 * Turning notifications on, after the person asked for it (a click, never
 * on load): the browser's permission, the service worker (`/sw.js`, scope
 * `/`), a push subscription with the server's VAPID key
 * (`GET /api/push/key`), stored for the person
 * (`POST /api/push/subscriptions`). The room island imports this module
 * only on that click, so pages do not download it.
 *
 * @module
 */

/** Where it ended: notifications on, in-page only, or not allowed. */
export type PushSetup =
  /** Permission granted and the subscription stored: pushes reach closed tabs. */
  | { state: "on" }
  /** Permission granted, but push failed: notifications while a tab is open. */
  | { state: "page-only"; reason: string }
  /** The person dismissed or blocked the permission prompt. */
  | { state: "default" | "denied" };

/** The service worker's URL and scope (served at the root to control `/rooms/`). */
export const SERVICE_WORKER_URL = "/sw.js";

/** A base64url string (no padding) as bytes. */
export function base64UrlBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - base64.length % 4) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Whether a subscription was made with `key` (bytes of the VAPID key). */
export function sameKey(
  subscription: PushSubscription,
  key: Uint8Array,
): boolean {
  const own = subscription.options.applicationServerKey;
  if (!own || own.byteLength !== key.byteLength) return false;
  const bytes = new Uint8Array(own);
  return bytes.every((b, i) => b === key[i]);
}

async function errorOf(res: Response): Promise<string> {
  const body = await res.json().catch(() => null) as
    | { error?: { message?: string } }
    | null;
  return body?.error?.message ?? `HTTP ${res.status}`;
}

/** Subscribes `registration` with the server's key and stores it there. */
async function subscribe(registration: ServiceWorkerRegistration) {
  const res = await fetch("/api/push/key");
  if (!res.ok) throw new Error(await errorOf(res));
  const key = base64UrlBytes(((await res.json()) as { key: string }).key);
  let subscription = await registration.pushManager.getSubscription();
  // A subscription of another key (the server's keys changed) is useless.
  if (subscription && !sameKey(subscription, key)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  subscription ??= await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: key,
  });
  const stored = await fetch("/api/push/subscriptions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(subscription.toJSON()),
  });
  if (!stored.ok) throw new Error(await errorOf(stored));
}

/**
 * Asks for permission, then registers the service worker and subscribes.
 * A push that cannot be set up (no push service, as in some browsers and
 * headless ones) still leaves in-page notifications on.
 */
export async function enablePush(): Promise<PushSetup> {
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return { state: permission };
  try {
    await navigator.serviceWorker.register(SERVICE_WORKER_URL, { scope: "/" });
    // Subscribing needs an active worker, which `ready` waits for.
    await subscribe(await navigator.serviceWorker.ready);
    return { state: "on" };
  } catch (err) {
    return {
      state: "page-only",
      reason: err instanceof Error ? err.message : String(err),
    };
  }
}
