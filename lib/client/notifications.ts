/**
 * Notifications in the page: which messages notify the person (their
 * room's level, direct messages, mentions), what the notification says,
 * and showing it while the tab is hidden. The service worker
 * (`static/sw.js`) shows the same notification for a Web Push, with the
 * same tag (`<room>:<seq>`), so a message that arrives both ways shows
 * once.
 *
 * Asking for permission and subscribing to push is `push_setup.ts`, loaded
 * only when the person asks for notifications.
 *
 * @module
 */
import type { ChatMessage, NotifyLevel } from "../protocol/types.ts";

/** The level a room has until the person picks one. */
export const DEFAULT_LEVEL: NotifyLevel = "mentions";

/** Longest notification body, like the push payload's `text`. */
export const MAX_BODY_CHARS = 200;

/** The icon of every notification. */
export const NOTIFICATION_ICON = "/static/icons/icon-192.png";

/** What decides whether a message notifies. */
export interface NotifyRule {
  /** The person's user id. */
  meId: string | undefined;
  /** The person's level in the message's room. */
  level: NotifyLevel;
  /** The room is a direct message. */
  dm: boolean;
}

/**
 * Whether `message` notifies: never one's own or a deleted one, nothing at
 * level `none`; a direct message or a mention of the person at `mentions`,
 * everything at `all`.
 */
export function shouldNotify(message: ChatMessage, rule: NotifyRule): boolean {
  if (message.user.id === rule.meId || message.deleted) return false;
  if (rule.level === "none") return false;
  if (rule.level === "all" || rule.dm) return true;
  return rule.meId !== undefined &&
    (message.mentions?.includes(rule.meId) ?? false);
}

/** `text` shortened to at most `max` characters, ending in "…" when cut. */
export function shorten(text: string, max = MAX_BODY_CHARS): string {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max - 1).join("") + "…";
}

/** A notification's title and options, as `showNotification` takes them. */
export interface MessageNotification {
  title: string;
  options: NotificationOptions & { tag: string; data: { url: string } };
}

/**
 * The notification of `message` in `room`, as the push payload describes
 * it: "alice in #general" or "alice (direct message)", the text, tag
 * `<room>:<seq>` and the room's path to open.
 */
export function messageNotification(
  room: string,
  message: ChatMessage,
  dm: boolean,
): MessageNotification {
  const from = message.user.name;
  return {
    title: dm ? `${from} (direct message)` : `${from} in #${room}`,
    options: {
      body: shorten(message.text),
      tag: `${room}:${message.seq}`,
      data: { url: `/rooms/${room}` },
      icon: NOTIFICATION_ICON,
    },
  };
}

/**
 * Saves the person's level in `room` (`PUT /api/rooms/:room/notifications`).
 *
 * @throws {Error} with the server's message when it refuses.
 */
export async function saveLevel(
  room: string,
  level: NotifyLevel,
): Promise<void> {
  const res = await fetch(`/api/rooms/${room}/notifications`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ level }),
  });
  if (res.ok) return;
  const body = await res.json().catch(() => null) as
    | { error?: { message?: string } }
    | null;
  throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
}

/** Whether this browser can show notifications at all. */
export function notificationsSupported(): boolean {
  return typeof Notification !== "undefined";
}

/**
 * Shows `message`'s notification when the tab is hidden and the person
 * allowed notifications: through the service worker when one is
 * registered (its click handler focuses this tab), else as a page
 * `Notification` whose click focuses the tab. Never throws: a notification
 * that cannot be shown (permission taken back meanwhile) is only missed.
 */
export async function notifyInPage(
  room: string,
  message: ChatMessage,
  rule: NotifyRule,
): Promise<void> {
  if (
    document.visibilityState !== "hidden" || !notificationsSupported() ||
    Notification.permission !== "granted" || !shouldNotify(message, rule)
  ) return;
  const { title, options } = messageNotification(room, message, rule.dm);
  try {
    const registration = await navigator.serviceWorker?.getRegistration("/");
    if (registration) {
      await registration.showNotification(title, options);
      return;
    }
    const shown = new Notification(title, options);
    shown.onclick = () => {
      globalThis.focus();
      shown.close();
    };
  } catch {
    // Not shown; the message is in the room all the same.
  }
}
