/**
 * Closes WebSockets that have sent nothing for a while, with one timer per
 * isolate instead of one per socket.
 *
 * Deno's own idle timeout (`upgradeWebSocket`'s `idleTimeout`) pings at the
 * WebSocket level, but it costs every socket a timer that is re-armed on each
 * frame received and a close listener that keeps the upgrade request (its
 * headers, URL and internals, ~1 KiB) alive as long as the socket. Clients
 * send `ping` (the contract's liveness frame) instead, and this sweep closes
 * those that stopped.
 *
 * @module
 */

/** A socket the sweep watches. */
export interface IdleWatched {
  /** The sweep's {@linkcode IdleSweep.tick} when the socket last sent a frame. */
  readonly heard: number;
  /** Closes the socket because it went silent. */
  closeIdle(): void;
}

/** How many sweeps make up one idle period. */
const SWEEPS_PER_PERIOD = 4;

/**
 * A coarse clock and the sweep over it. Sockets stamp {@linkcode tick} on
 * every frame (a field read, cheaper than reading a clock), and each sweep
 * advances it.
 *
 * @example
 * ```ts
 * import { IdleSweep } from "./idle_sweep.ts";
 *
 * const idle = new IdleSweep(60_000);
 * const socket = { heard: idle.tick, closeIdle() {} };
 * setInterval(() => idle.sweep([socket]), idle.intervalMs);
 * ```
 */
export class IdleSweep {
  /** Sweeps so far. */
  tick = 0;
  /** How often {@linkcode sweep} should run. */
  readonly intervalMs: number;

  /**
   * @param idleMs a socket silent this long is closed (at the latest a
   *   quarter of it later)
   */
  constructor(idleMs: number) {
    if (!(idleMs > 0)) {
      throw new RangeError(`Cannot sweep idle sockets: idleMs ${idleMs} ≤ 0`);
    }
    this.intervalMs = Math.max(1, Math.floor(idleMs / SWEEPS_PER_PERIOD));
  }

  /**
   * Advances the clock and closes every socket silent for a whole period:
   * one that last sent at tick `t` is closed at the sweep that makes the
   * tick `t + 5`, so it has been silent for more than four intervals.
   */
  sweep(sockets: Iterable<IdleWatched>): void {
    const tick = ++this.tick;
    // A socket closing leaves its set; a Set's iteration allows that.
    for (const socket of sockets) {
      if (tick - socket.heard > SWEEPS_PER_PERIOD) socket.closeIdle();
    }
  }
}
