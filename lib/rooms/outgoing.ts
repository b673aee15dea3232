/**
 * Events on their way to many recipients, serialised at most once per
 * broadcast whatever the number of recipients or transports: each form is
 * computed on first use and shared.
 *
 * @module
 */
import type { ChatMessage, ServerEvent } from "../protocol/types.ts";

/** A chat message being fanned out. */
export class OutgoingMessage {
  readonly message: ChatMessage;
  #data?: string;
  #frame?: string;

  constructor(message: ChatMessage) {
    this.message = message;
  }

  /** The message object as JSON (SSE `data:`, long-poll bodies). */
  get data(): string {
    return this.#data ??= JSON.stringify(this.message);
  }

  /** The WebSocket event `{"type":"message",…}` as JSON. */
  get frame(): string {
    return this.#frame ??= `{"type":"message",${this.data.slice(1)}`;
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
