/**
 * Which isolates are alive, as far as this one can tell from the bus: every
 * isolate posts a heartbeat (`hb`) each heartbeat period, asks for presence
 * (`sync`) when it starts and says `bye` when it stops. A node not heard from
 * for three periods counts as gone.
 *
 * @module
 */
import type { Bus } from "./bus.ts";

/** The isolates of the deployment this isolate can hear. */
export class Membership {
  readonly node: string;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #lastSeen = new Map<string, number>();

  /**
   * @param node this isolate's id
   * @param bus where peers are heard
   * @param heartbeatMs the heartbeat period; silence for three is death
   * @param now the clock (tests pass their own)
   */
  constructor(
    node: string,
    bus: Bus,
    heartbeatMs: number,
    now: () => number = Date.now,
  ) {
    this.node = node;
    this.#timeoutMs = 3 * heartbeatMs;
    this.#now = now;
    const seen = ({ node }: { node: string }) => {
      if (node !== this.node) this.#lastSeen.set(node, this.#now());
    };
    bus.on("hb", seen);
    bus.on("sync", seen);
    bus.on("full", seen);
    bus.on("bye", ({ node }) => this.#lastSeen.delete(node));
  }

  /** This isolate and the peers heard from lately, sorted. */
  alive(): string[] {
    const now = this.#now();
    const nodes = [this.node];
    for (const [node, seen] of this.#lastSeen) {
      if (now - seen <= this.#timeoutMs) nodes.push(node);
      else this.#lastSeen.delete(node);
    }
    return nodes.sort();
  }

  /**
   * The isolate that writes for everyone: the lowest id alive. Isolates may
   * disagree for a moment while one starts or stops; storage stays correct
   * then (each commit checks the room's head), only slower.
   */
  writer(): string {
    let lowest = this.node;
    const now = this.#now();
    for (const [node, seen] of this.#lastSeen) {
      if (node < lowest && now - seen <= this.#timeoutMs) lowest = node;
    }
    return lowest;
  }
}
