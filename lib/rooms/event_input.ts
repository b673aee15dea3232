/**
 * What a client's `send`, `edit`, `delete` or `react` (a WebSocket frame, or
 * the same object posted over HTTP) asks the log to store.
 *
 * @module
 */
import type { ClientFrame } from "../protocol/types.ts";
import type { EventInput } from "../engine/engine.ts";

/** The client frames that store an event. */
export type EventFrame = Extract<
  ClientFrame,
  { type: "send" | "edit" | "delete" | "react" }
>;

/** The `type` of each {@linkcode EventFrame}. */
export const EVENT_FRAME_TYPES: ReadonlySet<string> = new Set<
  EventFrame["type"]
>(["send", "edit", "delete", "react"]);

/** The input a validated frame becomes. */
export function inputOf(frame: EventFrame): EventInput {
  switch (frame.type) {
    case "send":
      return frame.replyTo === undefined
        ? { type: "message", text: frame.text }
        : { type: "message", text: frame.text, replyTo: frame.replyTo };
    case "edit":
      return { type: "edit", target: frame.target, text: frame.text };
    case "delete":
      return { type: "delete", target: frame.target };
    case "react":
      return {
        type: "reaction",
        target: frame.target,
        emoji: frame.emoji,
        on: frame.on,
      };
  }
}
