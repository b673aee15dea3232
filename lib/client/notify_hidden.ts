/**
 * The page's side of in-page notifications: a message arriving while the
 * tab is hidden, with notifications allowed, loads `notifications.ts` to
 * decide and show (the room page's script is at its budget, and most
 * messages arrive while the tab is visible).
 *
 * @module
 */
import type { ChatMessage } from "../protocol/types.ts";
import type { NotifyRule } from "./notifications.ts";

/** Notifies of `message` in `room` by `rule`, if the tab is hidden. */
export function notifyIfHidden(
  room: string,
  message: ChatMessage,
  rule: NotifyRule,
): void {
  if (
    document.visibilityState !== "hidden" ||
    typeof Notification === "undefined" ||
    Notification.permission !== "granted"
  ) return;
  import("./notifications.ts").then(
    (m) => m.notifyInPage(room, message, rule),
    () => {}, // not loaded (offline): the message is in the room all the same
  );
}
