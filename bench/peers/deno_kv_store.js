/**
 * The storage floor of the bare Deno server (`deno_server.js` with
 * `KV_PATH` set): each sent message is committed to Deno KV before its ack
 * and broadcast, the least a durable chat must do on this runtime, and
 * nothing more (no per-room rows, no idempotency, no history reads, no
 * checks against other writers). Appends are grouped as ours groups them
 * (`GATHER_MS` in `lib/store/append_writer.ts`): one commit in flight; an
 * append that finds the writer idle within 20 ms of its last commit waits
 * 1 ms for others. Each commit writes the batch as one row of a log (as
 * JSON, split in rows under KV's 64 KiB value limit): what is left is what
 * a commit itself costs, not a layout.
 *
 * @module
 */

const GATHER_MS = 1;
const LOADED_WITHIN_MS = 20;
const MAX_PER_COMMIT = 200;
/** Characters of JSON per log row (a KV value is at most 64 KiB). */
const ROW_CHARS = 30_000;

/** Appends to one Deno KV database, grouped into commits. */
export class KvStore {
  /** @param {Deno.Kv} kv */
  constructor(kv) {
    this.kv = kv;
    /** @type {Array<{message: object, done: () => void, fail: (e: unknown) => void}>} */
    this.pending = [];
    this.busy = false;
    this.gathering = false;
    this.lastCommit = -Infinity;
    /** The next log row's number. */
    this.row = 0;
  }

  /**
   * Stores one message; resolves once it is durable.
   * @param {object} message
   * @returns {Promise<void>}
   */
  append(message) {
    const { promise, resolve, reject } = Promise.withResolvers();
    this.pending.push({ message, done: resolve, fail: reject });
    if (this.busy || this.gathering) return promise;
    if (performance.now() - this.lastCommit < LOADED_WITHIN_MS) {
      this.gathering = true;
      setTimeout(() => {
        this.gathering = false;
        if (!this.busy) this.drain();
      }, GATHER_MS);
    } else {
      this.drain();
    }
    return promise;
  }

  async drain() {
    this.busy = true;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_PER_COMMIT);
      const atomic = this.kv.atomic();
      let row = "";
      for (const { message } of batch) {
        const json = JSON.stringify(message);
        if (row.length + json.length > ROW_CHARS) {
          atomic.set(["log", this.row++], row);
          row = "";
        }
        row += row ? "\n" + json : json;
      }
      atomic.set(["log", this.row++], row);
      try {
        await atomic.commit();
        for (const item of batch) item.done();
      } catch (error) {
        for (const item of batch) item.fail(error);
      }
      this.lastCommit = performance.now();
    }
    this.busy = false;
  }
}
