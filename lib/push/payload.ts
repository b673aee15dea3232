/**
 * What a push carries to the service worker: enough to show the notification
 * (`title`, `text`) and open the room (`url`) without a request, since a
 * phone woken by a push may have no network by the time it is shown.
 *
 * @module
 */
import type { ChatMessage } from "../protocol/types.ts";

/** The decrypted JSON of one push (the contract's "Push payload"). */
export interface PushPayload {
  room: string;
  seq: number;
  from: { id: string; name: string };
  /** The message, at most {@linkcode MAX_PUSH_TEXT} characters. */
  text: string;
  /** The room's path (`/rooms/<room>`); the service worker resolves it against its origin. */
  url: string;
  /** `alice in #general`, or `alice (direct message)`. */
  title: string;
  /**
   * `<room>:<seq>`: the in-page notification uses the same tag, so a hidden
   * tab and a push for one message show one notification.
   */
  tag: string;
}

/**
 * The longest `text` sent, in characters (code points): push services take
 * about 4 KiB per message, and a notification shows a few lines anyway.
 */
export const MAX_PUSH_TEXT = 200;

/** `text` cut to `max` characters, the last being "…" when it was cut. */
export function shorten(text: string, max = MAX_PUSH_TEXT): string {
  // By code point, so an emoji's surrogate pair is never split in two.
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

/**
 * The push payload for `message`.
 *
 * @param direct the room is a direct message (titled after the sender alone)
 *
 * @example
 * ```ts
 * import { pushPayload } from "./payload.ts";
 * const payload = pushPayload(
 *   { room: "general", seq: 7, user: { id: "u_a", name: "alice" }, text: "hi @bob" },
 *   { direct: false },
 * );
 * console.assert(payload.title === "alice in #general" && payload.tag === "general:7");
 * ```
 */
export function pushPayload(
  message: Pick<ChatMessage, "room" | "seq" | "user" | "text">,
  { direct }: { direct: boolean },
): PushPayload {
  const { room, seq, user } = message;
  return {
    room,
    seq,
    from: { id: user.id, name: user.name },
    text: shorten(message.text),
    url: `/rooms/${encodeURIComponent(room)}`,
    title: direct
      ? `${user.name} (direct message)`
      : `${user.name} in #${room}`,
    tag: `${room}:${seq}`,
  };
}
