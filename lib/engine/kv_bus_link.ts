/**
 * The node bus over Deno KV alone, for where no `BroadcastChannel` reaches
 * the other nodes (Deno Deploy's isolated instances; `CHAT_BROADCAST=0`).
 *
 * Each node keeps its recent posts in one KV entry of its own, its *box*
 * (`["bus", "box", node]`: its posts of the last {@linkcode KEEP_MS},
 * numbered, as UTF-8 JSON so its size is known before the write), and rings
 * a shared *bell* (`["bus", "bell"]`) in the same atomic write. Every node
 * watches the bell (`kv.watch`) and, when it rings, lists the boxes and
 * hands on the posts it has not seen yet. A box expires a minute after its
 * node's last post (`expireIn`), so a node that vanished leaves nothing
 * behind; before that, the bus forgets it after three silent heartbeats as
 * with every other link.
 *
 * Like every bus link this one may drop (a reader slower than
 * {@linkcode KEEP_MS} skips what left the box meanwhile; a post larger than
 * a box is refused) and never promises order between nodes. Writes are
 * coalesced: one write in flight per node, carrying whatever was posted
 * meanwhile.
 *
 * @module
 */
import type { BusLink } from "../bus/bus.ts";
import type { BusMessage } from "../bus/messages.ts";

/** How long a post stays in its node's box. */
export const KEEP_MS = 3_000;
/** A box's size limit: Deno KV refuses values over 64 KiB. */
export const BOX_BYTES = 60_000;
/** A box outlives its node's last post by this long (then KV deletes it). */
const BOX_TTL_MS = 60_000;
/** How long to wait before watching again after the watch failed. */
const REWATCH_MS = 1_000;

const BELL_KEY: Deno.KvKey = ["bus", "bell"];
const BOX_PREFIX: Deno.KvKey = ["bus", "box"];

/** A box as stored: posts `n - posts.length + 1 … n`. */
interface Box {
  /** The number of its node's latest post. */
  n: number;
  posts: BusMessage[];
}

/** Options of {@linkcode KvBusLink.open}. */
export interface KvBusLinkOptions {
  kv: Deno.Kv;
  /** This node's id (the key of its box). */
  node: string;
  onError: (error: unknown) => void;
  /** The clock (tests pass their own). */
  now?: () => number;
}

/** One node's end of the KV bus. */
export class KvBusLink implements BusLink {
  onmessage: ((event: MessageEvent<unknown>) => void) | null = null;
  readonly #kv: Deno.Kv;
  readonly #node: string;
  readonly #onError: (error: unknown) => void;
  readonly #now: () => number;
  readonly #encoder = new TextEncoder();
  readonly #decoder = new TextDecoder();
  /** This node's posts still in its box, oldest first, with when they were posted. */
  readonly #kept: Array<{ at: number; json: string }> = [];
  #posted = 0;
  #writing: Promise<void> | undefined;
  #writeAgain = false;
  /** Other nodes → the number of their latest post handed on. */
  readonly #seen = new Map<string, number>();
  #reading = false;
  #readAgain = false;
  #watch: ReadableStreamDefaultReader<unknown> | undefined;
  #closed = false;
  /** Posts refused for being larger than a box. */
  tooLarge = 0;

  private constructor(options: KvBusLinkOptions) {
    this.#kv = options.kv;
    this.#node = options.node;
    this.#onError = options.onError;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Joins the bus; resolves once the boxes present were read, so what any
   * node posts from then on reaches this one (unless dropped).
   */
  static async open(options: KvBusLinkOptions): Promise<KvBusLink> {
    const link = new KvBusLink(options);
    // What is in the boxes now was posted before this node existed.
    for await (
      const entry of link.#kv.list<Uint8Array>({ prefix: BOX_PREFIX })
    ) {
      const box = link.#decode(entry.value);
      if (box) link.#seen.set(String(entry.key[2]), box.n);
    }
    await link.#startWatching();
    return link;
  }

  postMessage(message: BusMessage): void {
    if (this.#closed) return;
    const json = JSON.stringify(message);
    if (
      json.length * 3 > BOX_BYTES &&
      this.#encoder.encode(json).length > BOX_BYTES - 64
    ) {
      this.tooLarge++;
      this.#onError(
        new RangeError(
          `Cannot post "${message.k}" on the KV bus: larger than a box (${BOX_BYTES} bytes)`,
        ),
      );
      return;
    }
    this.#posted++;
    this.#kept.push({ at: this.#now(), json });
    this.#write();
  }

  /** Stops watching; posts already made are still written (see {@linkcode flushed}). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watch?.cancel().catch(() => {});
    this.#watch = undefined;
  }

  /** Resolves once every post made so far is written (or failed). */
  async flushed(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  #write(): void {
    if (this.#writing) {
      this.#writeAgain = true;
      return;
    }
    this.#writing = (async () => {
      do {
        this.#writeAgain = false;
        const box = this.#box();
        try {
          await this.#kv.atomic()
            .set([...BOX_PREFIX, this.#node], box, { expireIn: BOX_TTL_MS })
            .set(BELL_KEY, this.#node)
            .commit();
        } catch (error) {
          this.#onError(error);
        }
      } while (this.#writeAgain);
      this.#writing = undefined;
    })();
  }

  /** The box to write now: the posts of the last {@linkcode KEEP_MS} that fit. */
  #box(): Uint8Array {
    const now = this.#now();
    while (this.#kept.length > 1 && now - this.#kept[0].at > KEEP_MS) {
      this.#kept.shift();
    }
    for (;;) {
      const bytes = this.#encoder.encode(
        `{"n":${this.#posted},"posts":[${
          this.#kept.map((post) => post.json).join(",")
        }]}`,
      );
      // The newest post alone always fits (checked when posted).
      if (bytes.length <= BOX_BYTES || this.#kept.length === 1) return bytes;
      this.#kept.shift();
    }
  }

  async #startWatching(): Promise<void> {
    const reader = this.#kv.watch([BELL_KEY]).getReader();
    this.#watch = reader;
    // The first value is the bell as it is now: watching has begun.
    await reader.read();
    (async () => {
      try {
        for (;;) {
          const { done } = await reader.read();
          if (done || this.#closed) return;
          this.#read();
        }
      } catch (error) {
        if (this.#closed) return;
        this.#onError(error);
        this.#rewatchLater();
      }
    })();
    // Anything posted while the watch was starting rang before it began.
    this.#read();
  }

  /** Watches again after a failure, until it works or the link closes. */
  #rewatchLater(): void {
    setTimeout(() => {
      if (this.#closed) return;
      this.#startWatching().catch((error) => {
        this.#onError(error);
        this.#rewatchLater();
      });
    }, REWATCH_MS);
  }

  /** Lists the boxes and hands on the posts not seen yet. */
  #read(): void {
    if (this.#reading) {
      this.#readAgain = true;
      return;
    }
    this.#reading = true;
    (async () => {
      do {
        this.#readAgain = false;
        try {
          await this.#readBoxes();
        } catch (error) {
          if (!this.#closed) this.#onError(error);
        }
      } while (this.#readAgain && !this.#closed);
      this.#reading = false;
    })();
  }

  async #readBoxes(): Promise<void> {
    const present = new Set<string>();
    for await (
      const entry of this.#kv.list<Uint8Array>({ prefix: BOX_PREFIX })
    ) {
      const node = String(entry.key[2]);
      if (node === this.#node || this.#closed) continue;
      present.add(node);
      const box = this.#decode(entry.value);
      if (!box) continue;
      const seen = this.#seen.get(node) ?? 0;
      if (box.n <= seen) continue;
      this.#seen.set(node, box.n);
      const first = box.n - box.posts.length + 1;
      for (let i = Math.max(0, seen + 1 - first); i < box.posts.length; i++) {
        this.onmessage?.(new MessageEvent("message", { data: box.posts[i] }));
      }
    }
    for (const node of this.#seen.keys()) {
      if (!present.has(node)) this.#seen.delete(node);
    }
  }

  #decode(value: unknown): Box | undefined {
    if (!(value instanceof Uint8Array)) return undefined;
    try {
      const box = JSON.parse(this.#decoder.decode(value));
      if (typeof box?.n === "number" && Array.isArray(box.posts)) {
        return box;
      }
    } catch (error) {
      this.#onError(error);
    }
    return undefined;
  }
}
