/**
 * The storage floor of the bare Deno server (`deno_server.js` with
 * `KV_PATH` set): each sent message is committed to Deno KV before its ack
 * and broadcast, the least a durable chat must do on this runtime, and
 * nothing more (no idempotency, no history reads, no checks against other
 * writers). Appends are grouped as ours groups them (`GATHER_MS` in
 * `lib/store/append_writer.ts`): one commit in flight; an append that finds
 * the writer idle within 20 ms of its last commit waits 1 ms for others.
 * Each commit rewrites every room's head (`seq`, the latest message) and
 * adds one row per message.
 *
 * @module
 */

const GATHER_MS = 1;
const LOADED_WITHIN_MS = 20;
const MAX_PER_COMMIT = 200;

/** Appends to one Deno KV database, grouped into commits. */
export class KvStore {
  /** @param {Deno.Kv} kv */
  constructor(kv) {
    this.kv = kv;
    /** @type {Array<{room: string, message: object, done: () => void, fail: (e: unknown) => void}>} */
    this.pending = [];
    this.busy = false;
    this.gathering = false;
    this.lastCommit = -Infinity;
  }

  /**
   * Stores one message; resolves once it is durable.
   * @param {string} room
   * @param {{seq: number}} message
   * @returns {Promise<void>}
   */
  append(room, message) {
    const { promise, resolve, reject } = Promise.withResolvers();
    this.pending.push({ room, message, done: resolve, fail: reject });
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
      /** @type {Map<string, object>} */
      const heads = new Map();
      for (const { room, message } of batch) {
        atomic.set(["msg", room, message.seq], message);
        heads.set(room, message);
      }
      for (const [room, last] of heads) atomic.set(["head", room], last);
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
