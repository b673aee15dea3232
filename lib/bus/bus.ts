/**
 * The node bus: typed messages between the nodes of one chat, over a
 * {@linkcode BusLink}: a `BroadcastChannel` (the isolates of one process,
 * under `deno serve --parallel`) or the engine's own (Redis pub/sub between
 * processes). A link never hands a node its own messages.
 *
 * The bus is also the one place that knows which peers are alive: every
 * message naming its sender (`node`) proves that sender alive, every isolate
 * posts a heartbeat each period, and a peer silent for `peerSilenceMs` (three
 * heartbeats) or saying `bye` is gone. Writer election (`Membership`),
 * presence (which forgets a gone peer's users) and {@linkcode Bus.postToPeers}
 * all read this one record.
 *
 * @module
 */
import type { BusKind, BusMessage } from "./messages.ts";

/** A handler for one kind of bus message. */
export type BusHandler<K extends BusKind> = (
  message: Extract<BusMessage, { k: K }>,
) => void;

/** How bus messages travel between nodes. */
export interface BusLink {
  /** Sends to every other node (at most once, in no promised order). */
  postMessage(message: BusMessage): void;
  /** Called with each other node's message, not yet validated. */
  onmessage: ((event: MessageEvent<unknown>) => void) | null;
  /** Stops sending and receiving. */
  close(): void;
}

/** Options for {@linkcode Bus}. */
export interface BusOptions {
  /**
   * A `BroadcastChannel` name (isolates of one process on the same name
   * hear each other), or another link.
   */
  channel: string | BusLink;
  /** Fault injection for tests: drop every Nth outgoing message (0 = never). */
  dropEvery?: number;
  /** Called with messages that failed to decode or whose handler threw. */
  onError?: (error: unknown) => void;
  /**
   * A peer not heard from for this long is gone. Omitted: peers are gone
   * only when they say `bye`.
   */
  peerSilenceMs?: number;
  /** The clock (tests pass their own). */
  now?: () => number;
}

/** Called when a peer is gone: it said `bye` or fell silent. */
export type GoneListener = (node: string) => void;

/** A typed broadcast bus between isolates. */
export class Bus {
  readonly #channel: BusLink;
  readonly #handlers = new Map<BusKind, Array<(message: BusMessage) => void>>();
  readonly #dropEvery: number;
  readonly #peerSilenceMs: number;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  /** Peer node id → when it was last heard. */
  readonly #heard = new Map<string, number>();
  readonly #goneListeners: GoneListener[] = [];
  #posted = 0;
  #closed = false;
  /** How many posts the fault injector dropped. */
  dropped = 0;

  constructor(options: BusOptions) {
    this.#channel = typeof options.channel === "string"
      ? new BroadcastChannel(options.channel)
      : options.channel;
    this.#dropEvery = options.dropEvery ?? 0;
    this.#peerSilenceMs = options.peerSilenceMs ?? Infinity;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? (() => {});
    this.#channel.onmessage = (event: MessageEvent<unknown>) => {
      const message = event.data as BusMessage;
      this.#hear(message);
      const handlers = this.#handlers.get(message?.k);
      if (!handlers) return;
      for (const handler of handlers) {
        try {
          handler(message);
        } catch (error) {
          this.#onError(error);
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
   * Sends to every other isolate if any is alive: what only peers need
   * (their copies of messages, typing) costs nothing when alone. A peer that
   * starts asks for state first, so it is heard before it needs these.
   */
  postToPeers(message: BusMessage): void {
    if (this.hasPeers()) this.post(message);
  }

  /** Whether any peer is alive. */
  hasPeers(): boolean {
    const now = this.#now();
    for (const heard of this.#heard.values()) {
      if (now - heard <= this.#peerSilenceMs) return true;
    }
    return false;
  }

  /** The ids of the peers alive. */
  peers(): string[] {
    const now = this.#now();
    const alive: string[] = [];
    for (const [node, heard] of this.#heard) {
      if (now - heard <= this.#peerSilenceMs) alive.push(node);
    }
    return alive;
  }

  /** Adds a listener for peers that are gone. */
  onGone(listener: GoneListener): void {
    this.#goneListeners.push(listener);
  }

  /**
   * Forgets the peers silent for too long, telling the gone listeners;
   * called on the heartbeat timer.
   */
  sweep(): void {
    const now = this.#now();
    for (const [node, heard] of this.#heard) {
      if (now - heard > this.#peerSilenceMs) this.#gone(node);
    }
  }

  #hear(message: BusMessage): void {
    const node = (message as { node?: unknown } | null)?.node;
    if (typeof node !== "string") return;
    if (message.k === "bye") {
      if (this.#heard.has(node)) this.#gone(node);
      return;
    }
    this.#heard.set(node, this.#now());
  }

  #gone(node: string): void {
    this.#heard.delete(node);
    for (const listener of this.#goneListeners) {
      try {
        listener(node);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** Stops listening. */
  close(): void {
    this.#closed = true;
    this.#channel.close();
  }
}
