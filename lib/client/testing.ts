/**
 * Test doubles for the client: a scripted transport, an in-memory storage
 * and the server's `welcome`. Used by the unit tests here; the comet transports can reuse them.
 *
 * @module
 */
import type { ClientFrame, ServerEvent, User } from "../protocol/types.ts";
import type { StorageLike } from "./outbox.ts";
import type {
  Transport,
  TransportFactory,
  TransportHandlers,
} from "./transport.ts";

/** One fake connection: the test opens it, feeds events and closes it. */
export class FakeConnection implements Transport {
  readonly kind = "fake";
  readonly sent: ClientFrame[] = [];
  readonly #handlers: TransportHandlers;
  #open = false;
  #closed = false;

  constructor(handlers: TransportHandlers) {
    this.#handlers = handlers;
  }

  /** Whether the client or the test closed it. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The server side accepts the connection. */
  open(): void {
    this.#open = true;
    this.#handlers.onOpen();
  }

  /** The server sends one frame (an event or an array of them). */
  deliver(...events: ServerEvent[]): void {
    this.#handlers.onEvents(events);
  }

  /** The server (or the network) closes the connection. */
  drop(code = 1006, reason = ""): void {
    if (this.#closed) return;
    this.#closed = true;
    const wasOpen = this.#open;
    this.#open = false;
    this.#handlers.onClose({ code, reason, wasOpen });
  }

  send(frame: ClientFrame): boolean {
    if (!this.#open || this.#closed) return false;
    this.sent.push(frame);
    return true;
  }

  close(code = 1000, reason = ""): void {
    this.drop(code, reason);
  }

  /** Frames of one type sent so far. */
  sentOf<T extends ClientFrame["type"]>(
    type: T,
  ): Extract<ClientFrame, { type: T }>[] {
    return this.sent.filter((f): f is Extract<ClientFrame, { type: T }> =>
      f.type === type
    );
  }
}

/** A transport factory that records every connection it makes. */
export function fakeTransport(): {
  factory: TransportFactory;
  connections: FakeConnection[];
} {
  const connections: FakeConnection[] = [];
  return {
    connections,
    factory: (handlers) => {
      const c = new FakeConnection(handlers);
      connections.push(c);
      return c;
    },
  };
}

/** `Storage` in memory. */
export class MemoryStorage implements StorageLike {
  readonly data = new Map<string, string>();
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.data.set(key, value);
  }
  removeItem(key: string): void {
    this.data.delete(key);
  }
}

/** The server's `welcome` for `user` with `token`, as sent on node "n1". */
export function welcomeEvent(user: User, token: string): ServerEvent {
  return {
    type: "welcome",
    user,
    token,
    protocol: 1,
    limits: {
      maxFrameBytes: 65536,
      maxTextChars: 4000,
      maxNameChars: 32,
      historyMax: 100,
    },
    node: "n1",
  };
}
