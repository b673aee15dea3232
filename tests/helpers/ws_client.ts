/**
 * A WebSocket test client that records every event (unpacking array frames)
 * and waits for the ones a test expects, with a timeout that shows what it
 * got instead.
 *
 * @module
 */

/** A server event as received. */
export type Event = Record<string, unknown> & { type: string };

/** Matches `message` events of one room. */
export const isMessage = (room: string) => (e: Event): boolean =>
  e.type === "message" && e.room === room;

/** Matches a `presence` event in `room` in which user `id` leaves. */
export const leftBy = (room: string, id: string) => (e: Event): boolean =>
  e.type === "presence" && e.room === room &&
  (e.leaves as Array<{ id: string }>).some((u) => u.id === id);

/** The sequence numbers `from`…`to`, inclusive. */
export function seqRange(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** A recording WebSocket client. */
export class TestClient {
  readonly socket: WebSocket;
  /** Every event received, in order. */
  readonly events: Event[] = [];
  /** Every raw frame received. */
  readonly frames: string[] = [];
  #waiters: Array<() => void> = [];
  #closed: Promise<CloseEvent>;
  /** How the server closed the socket, once it did. */
  #closeEvent: CloseEvent | undefined;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    this.#closed = new Promise((resolve) =>
      socket.addEventListener("close", resolve)
    );
    socket.addEventListener("message", (e) => {
      const raw = String(e.data);
      this.frames.push(raw);
      const value = JSON.parse(raw);
      for (const event of Array.isArray(value) ? value : [value]) {
        this.events.push(event);
      }
      for (const wake of this.#waiters.splice(0)) wake();
    });
    socket.addEventListener("close", (event) => {
      this.#closeEvent = event;
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /** Opens a connection (without saying hello). */
  static async open(
    url: string,
    init?: { headers?: Record<string, string> },
  ): Promise<TestClient> {
    const socket = init?.headers
      // Deno's WebSocket takes headers as an extension.
      ? new WebSocket(url, { headers: init.headers } as unknown as string[])
      : new WebSocket(url);
    const client = new TestClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener(
        "error",
        (e) =>
          reject(
            new Error(`Cannot connect to ${url}: ${(e as ErrorEvent).message}`),
          ),
        { once: true },
      );
    });
    return client;
  }

  /** Opens a connection, says hello and waits for `welcome`. */
  static async connect(
    url: string,
    hello: Record<string, unknown> = { name: "tester" },
  ): Promise<TestClient> {
    const client = await TestClient.open(url);
    client.send({ type: "hello", ...hello });
    await client.next((e) => e.type === "welcome");
    return client;
  }

  /** The `welcome` event. */
  get welcome(): Event {
    const welcome = this.events.find((e) => e.type === "welcome");
    if (!welcome) throw new Error("No welcome yet");
    return welcome;
  }

  /** Sends a frame (objects are JSON-encoded). */
  send(frame: unknown): void {
    this.socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /**
   * Waits for the first event, from `from` on, that matches; returns it.
   * Fails after `timeoutMs` listing what did arrive.
   */
  async next(
    match: (event: Event) => boolean,
    timeoutMs = 5_000,
    from = 0,
  ): Promise<Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0 || this.socket.readyState === WebSocket.CLOSED) {
        throw new Error(
          `Timed out waiting for an event; got:\n${
            this.events.map((e) => JSON.stringify(e)).join("\n").slice(-4000)
          }`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until `count` events match. */
  async collect(
    match: (event: Event) => boolean,
    count: number,
    timeoutMs = 10_000,
  ): Promise<Event[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.filter(match);
      if (found.length >= count) return found;
      if (
        Date.now() > deadline || this.socket.readyState === WebSocket.CLOSED
      ) {
        const closed = this.#closeEvent
          ? ` (closed ${this.#closeEvent.code} "${this.#closeEvent.reason}")`
          : "";
        throw new Error(
          `Expected ${count} events, got ${found.length}${closed}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /**
   * Sends messages `from`…`to` to `room` without waiting: ids are
   * `${prefix}${n}`, texts `text(n)` (default `m${n}`).
   */
  sendRange(
    room: string,
    prefix: string,
    from: number,
    to: number,
    text: (n: number) => string = (n) => `m${n}`,
  ): void {
    for (let n = from; n <= to; n++) {
      this.send({ type: "send", room, id: `${prefix}${n}`, text: text(n) });
    }
  }

  /** Sends a message and waits for its `ack`. */
  async post(room: string, id: string, text: string): Promise<Event> {
    const from = this.events.length;
    this.send({ type: "send", room, id, text });
    return await this.next((e) => e.type === "ack" && e.id === id, 5_000, from);
  }

  /** Joins a room and returns the `joined` event. */
  async join(room: string, since?: number): Promise<Event> {
    const from = this.events.length;
    this.send(
      since === undefined
        ? { type: "join", room }
        : { type: "join", room, since },
    );
    return await this.next(
      (e) => e.type === "joined" && e.room === room,
      5_000,
      from,
    );
  }

  /** Waits for the socket to close and returns the close event. */
  closed(timeoutMs = 5_000): Promise<CloseEvent> {
    return Promise.race([
      this.#closed,
      new Promise<CloseEvent>((_, reject) =>
        setTimeout(() => reject(new Error("Socket did not close")), timeoutMs)
      ),
    ]);
  }

  /** Closes the socket and waits for it. */
  async close(): Promise<void> {
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.close();
    await this.#closed;
  }
}

/** Connects until it finds clients on `count` distinct isolates (by `welcome.node`). */
export async function clientsOnDistinctIsolates(
  url: string,
  count: number,
  name = (i: number) => `user${i}`,
): Promise<TestClient[]> {
  const byNode = new Map<string, TestClient>();
  const spare: TestClient[] = [];
  for (let attempt = 0; attempt < 60 && byNode.size < count; attempt++) {
    const client = await TestClient.connect(url, { name: name(byNode.size) });
    const node = String(client.welcome.node);
    if (byNode.has(node)) spare.push(client);
    else byNode.set(node, client);
  }
  await Promise.all(spare.map((c) => c.close()));
  if (byNode.size < count) {
    throw new Error(`Found only ${byNode.size} isolates`);
  }
  return [...byNode.values()];
}
