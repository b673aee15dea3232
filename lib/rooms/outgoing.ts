/**
 * Events on their way to many recipients, serialised at most once per
 * broadcast whatever the number of recipients or transports: each form is
 * computed on first use and shared.
 *
 * @module
 */
import type { RoomEvent, ServerEvent } from "../protocol/types.ts";

/** A stored room event (a message, an edit, a deletion, a reaction) being fanned out. */
export class OutgoingRoomEvent {
  readonly event: RoomEvent;
  #data?: string;
  #frame?: string;

  constructor(event: RoomEvent) {
    this.event = event;
  }

  /**
   * The event's name on the wire: `message` for messages (stored without a
   * `type`), else its own `type`: `edit`, `delete`, `reaction`.
   */
  get name(): "message" | "edit" | "delete" | "reaction" {
    return this.event.type ?? "message";
  }

  /** The event object as JSON (SSE `data:`, long-poll bodies). */
  get data(): string {
    return this.#data ??= JSON.stringify(this.event);
  }

  /** The WebSocket event (`{"type":"message",…}` for a message) as JSON. */
  get frame(): string {
    return this.#frame ??= this.event.type === undefined
      ? `{"type":"message",${this.data.slice(1)}`
      : this.data;
  }
}

/** A non-message event (presence, typing) being fanned out. */
export class OutgoingEvent {
  readonly event: Extract<ServerEvent, { type: "presence" | "typing" }>;
  #frame?: string;

  constructor(event: Extract<ServerEvent, { type: "presence" | "typing" }>) {
    this.event = event;
  }

  /** The event as JSON. */
  get frame(): string {
    return this.#frame ??= JSON.stringify(this.event);
  }
}
