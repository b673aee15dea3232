/**
 * What a client's `send`, `edit`, `delete` or `react` (a WebSocket frame, or
 * the same object posted over HTTP) asks the log to store.
 *
 * @module
 */
import type { ClientFrame } from "../protocol/types.ts";
import { ProtocolError } from "../protocol/errors.ts";
import { validateClientFrame } from "../protocol/codec.ts";
import type { EventInput } from "../engine/engine.ts";

/** The client frames that store an event. */
export type EventFrame = Extract<
  ClientFrame,
  { type: "send" | "edit" | "delete" | "react" }
>;

const EVENT_FRAME_TYPES: ReadonlySet<string> = new Set<EventFrame["type"]>([
  "send",
  "edit",
  "delete",
  "react",
]);

/**
 * Validates an HTTP body as the frame its `type` names (`send` when absent)
 * in `room`: the same fields and rules as over the WebSocket.
 *
 * @throws {ProtocolError} `bad_request` for another `type`, and the frame's
 * own errors.
 */
export function parseEventBody(
  body: Record<string, unknown>,
  room: string,
): EventFrame {
  const type = body.type ?? "send";
  if (typeof type !== "string" || !EVENT_FRAME_TYPES.has(type)) {
    throw new ProtocolError(
      "bad_request",
      '"type" must be "send" (the default), "edit", "delete" or "react"',
    );
  }
  // A frame of one of those types validates as that type.
  return validateClientFrame({ ...body, type, room }) as EventFrame;
}

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
