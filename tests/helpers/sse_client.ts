/**
 * A small Server-Sent Events client for tests: `fetch` streams the body and
 * this parses `text/event-stream` itself (fields, comments, `retry:`,
 * multi-line data, CR/LF/CRLF line ends), records every event and waits for
 * the ones a test expects.
 *
 * @module
 */

/** One dispatched event. */
export interface SseEvent {
  event: string;
  data: string;
  /** The last event id in force when this event was dispatched. */
  id: string;
}

/** Options for {@linkcode SseClient.open}. */
export interface SseOpenOptions {
  headers?: Record<string, string>;
  /** A `Deno.HttpClient` (to pick or avoid a pooled connection). */
  client?: Deno.HttpClient;
}

/** A recording SSE client. */
export class SseClient {
  readonly response: Response;
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  /** The last `retry:` value, in ms. */
  retry: number | undefined;
  /** The last event id seen (what a browser would send as Last-Event-ID). */
  lastEventId = "";
  #ended = false;
  #waiters: Array<() => void> = [];
  readonly #abort: AbortController;
  readonly #done: Promise<void>;

  private constructor(response: Response, abort: AbortController) {
    this.response = response;
    this.#abort = abort;
    this.#done = this.#read();
  }

  /** Opens a stream; throws unless the answer is 200 `text/event-stream`. */
  static async open(
    url: string,
    options: SseOpenOptions = {},
  ): Promise<SseClient> {
    const abort = new AbortController();
    const response = await fetch(url, {
      headers: { accept: "text/event-stream", ...options.headers },
      signal: abort.signal,
      client: options.client,
    });
    const type = response.headers.get("content-type") ?? "";
    if (response.status !== 200 || !type.startsWith("text/event-stream")) {
      const body = await response.text();
      throw new Error(`SSE open failed: ${response.status} ${type} ${body}`);
    }
    return new SseClient(response, abort);
  }

  /** The isolate serving the stream (the `x-chat-node` header). */
  get node(): string {
    return this.response.headers.get("x-chat-node") ?? "";
  }

  /** Whether the server ended the stream. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The parsed data of every `message` event, in arrival order. */
  messages(): Array<Record<string, unknown> & { seq: number }> {
    return this.events.filter((e) => e.event === "message").map((e) =>
      JSON.parse(e.data)
    );
  }

  /** Waits for the first event (from index `from`) that matches. */
  async next(
    match: (event: SseEvent) => boolean,
    timeoutMs = 5_000,
    from = 0,
  ): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0 || this.#ended) {
        throw new Error(
          `Timed out waiting for an SSE event; got:\n${
            this.events.map((e) => `${e.event} ${e.id} ${e.data}`).join("\n")
              .slice(-4000)
          }`,
        );
      }
      await this.#wait(left);
    }
  }

  /** Waits until `count` message events have arrived; returns their data. */
  async waitForMessages(
    count: number,
    timeoutMs = 10_000,
  ): Promise<Array<Record<string, unknown> & { seq: number }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const messages = this.messages();
      if (messages.length >= count) return messages;
      const left = deadline - Date.now();
      if (left <= 0 || this.#ended) {
        throw new Error(
          `Expected ${count} SSE messages, got ${messages.length}`,
        );
      }
      await this.#wait(Math.min(left, 100));
    }
  }

  /** Waits until the server ends the stream. */
  async waitEnded(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("SSE stream did not end");
      await this.#wait(left);
    }
  }

  /** Disconnects and waits for the reader to stop. */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.#done;
  }

  #wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  async #read(): Promise<void> {
    const parser = new SseParser(
      (event) => {
        this.events.push(event);
        this.lastEventId = event.id;
        this.#wake();
      },
      (comment) => this.comments.push(comment),
      (retry) => {
        this.retry = retry;
      },
    );
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.response.body!) {
        parser.push(decoder.decode(chunk, { stream: true }));
      }
    } catch {
      // Aborted by close() or the server cut the stream.
    } finally {
      this.#ended = true;
      this.#wake();
    }
  }
}

/** An incremental `text/event-stream` parser (the HTML spec's algorithm). */
export class SseParser {
  #buffer = "";
  #event = "";
  #data: string[] = [];
  #id = "";
  readonly #onEvent: (event: SseEvent) => void;
  readonly #onComment: (comment: string) => void;
  readonly #onRetry: (ms: number) => void;

  constructor(
    onEvent: (event: SseEvent) => void,
    onComment: (comment: string) => void = () => {},
    onRetry: (ms: number) => void = () => {},
  ) {
    this.#onEvent = onEvent;
    this.#onComment = onComment;
    this.#onRetry = onRetry;
  }

  /** Feeds decoded text. */
  push(text: string): void {
    this.#buffer += text;
    for (;;) {
      const match = /\r\n|\n|\r/.exec(this.#buffer);
      // A lone CR at the end may be the first half of a CRLF.
      if (
        !match || (match[0] === "\r" && match.index === this.#buffer.length - 1)
      ) {
        return;
      }
      const line = this.#buffer.slice(0, match.index);
      this.#buffer = this.#buffer.slice(match.index + match[0].length);
      this.#line(line);
    }
  }

  #line(line: string): void {
    if (line === "") {
      if (this.#data.length > 0) {
        this.#onEvent({
          event: this.#event || "message",
          data: this.#data.join("\n"),
          id: this.#id,
        });
      }
      this.#event = "";
      this.#data = [];
      return;
    }
    if (line.startsWith(":")) return this.#onComment(line.slice(1).trim());
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.#event = value;
        break;
      case "data":
        this.#data.push(value);
        break;
      case "id":
        if (!value.includes("\0")) this.#id = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.#onRetry(Number(value));
        break;
    }
  }
}
