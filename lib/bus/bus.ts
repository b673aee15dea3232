/**
 * The isolate bus: a typed wrapper over `BroadcastChannel`, which reaches
 * every other isolate of the process under `deno serve --parallel` (and
 * every instance on Deno Deploy), but never the sender itself.
 *
 * @module
 */
import type { BusKind, BusMessage } from "./messages.ts";

/** A handler for one kind of bus message. */
export type BusHandler<K extends BusKind> = (
  message: Extract<BusMessage, { k: K }>,
) => void;

/** Options for {@linkcode Bus}. */
export interface BusOptions {
  /** The channel name; isolates on the same name hear each other. */
  channel: string;
  /** Fault injection for tests: drop every Nth outgoing message (0 = never). */
  dropEvery?: number;
  /** Called with messages that failed to decode or whose handler threw. */
  onError?: (error: unknown) => void;
  /**
   * {@linkcode Bus.postToPeers} skips posting when nothing was heard for this
   * long (no other isolate alive to hear it). Omitted: always post.
   */
  peerSilenceMs?: number;
}

/** A typed broadcast bus between isolates. */
export class Bus {
  readonly #channel: BroadcastChannel;
  readonly #handlers = new Map<BusKind, Array<(message: BusMessage) => void>>();
  readonly #dropEvery: number;
  readonly #peerSilenceMs: number;
  #posted = 0;
  #closed = false;
  #lastHeard = -Infinity;
  /** How many posts the fault injector dropped. */
  dropped = 0;

  constructor(options: BusOptions) {
    this.#channel = new BroadcastChannel(options.channel);
    this.#dropEvery = options.dropEvery ?? 0;
    this.#peerSilenceMs = options.peerSilenceMs ?? Infinity;
    this.#channel.onmessage = (event: MessageEvent<unknown>) => {
      this.#lastHeard = Date.now();
      const message = event.data as BusMessage;
      const handlers = this.#handlers.get(message?.k);
      if (!handlers) return;
      for (const handler of handlers) {
        try {
          handler(message);
        } catch (error) {
          options.onError?.(error);
        }
      }
    };
  }

  /** Adds a handler for one kind; handlers run in the order added. */
  on<K extends BusKind>(kind: K, handler: BusHandler<K>): void {
    let handlers = this.#handlers.get(kind);
    if (!handlers) this.#handlers.set(kind, handlers = []);
    handlers.push(handler as (message: BusMessage) => void);
  }

  /** Sends to every other isolate. */
  post(message: BusMessage): void {
    if (this.#closed) return; // shutting down: late timers may still post
    this.#posted++;
    if (this.#dropEvery > 0 && this.#posted % this.#dropEvery === 0) {
      this.dropped++;
      return;
    }
    this.#channel.postMessage(message);
  }

  /**
   * Sends to every other isolate if any was heard lately: what only peers
   * need (their copies of messages, typing) costs nothing when alone. A peer
   * that starts asks for state first, so it is heard before it needs these.
   */
  postToPeers(message: BusMessage): void {
    if (Date.now() - this.#lastHeard <= this.#peerSilenceMs) this.post(message);
  }

  /** Stops listening. */
  close(): void {
    this.#closed = true;
    this.#channel.close();
  }
}
