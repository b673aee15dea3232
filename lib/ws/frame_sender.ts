/**
 * Outgoing frames of one socket, coalesced: everything queued during one
 * task goes out as a single frame at the end of it, an event alone or a JSON
 * array of events (the contract allows both). Frames arrive already
 * serialised, so a broadcast is serialised once, not once per recipient.
 *
 * @module
 */

/** What the sender needs of a socket. */
export interface FrameSink {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
}

const OPEN = 1;
const flushQueue: FrameSender[] = [];
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  // Senders queued during the flush wait for the next one.
  const senders = flushQueue.splice(0);
  for (const sender of senders) sender.flush();
}

/** Coalescing frame sender for one socket. */
export class FrameSender {
  readonly #socket: FrameSink;
  readonly #maxBuffered: number;
  readonly #onSlow: () => void;
  #queue: string[] = [];
  #scheduled = false;

  /**
   * @param socket where frames go
   * @param maxBuffered bytes the socket may have unsent before it counts as too slow
   * @param onSlow called once when the socket falls too far behind
   */
  constructor(socket: FrameSink, maxBuffered: number, onSlow: () => void) {
    this.#socket = socket;
    this.#maxBuffered = maxBuffered;
    this.#onSlow = onSlow;
  }

  /** Queues one serialised event. */
  push(frame: string): void {
    this.#queue.push(frame);
    if (this.#scheduled) return;
    this.#scheduled = true;
    flushQueue.push(this);
    if (!flushScheduled) {
      flushScheduled = true;
      queueMicrotask(flushAll);
    }
  }

  /** Sends what is queued now. */
  flush(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    if (queue.length === 0) return;
    this.#queue = [];
    if (this.#socket.readyState !== OPEN) return;
    if (this.#socket.bufferedAmount > this.#maxBuffered) {
      this.#onSlow();
      return;
    }
    this.#socket.send(queue.length === 1 ? queue[0] : `[${queue.join(",")}]`);
  }
}
