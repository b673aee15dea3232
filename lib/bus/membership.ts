/**
 * Which isolate writes for the process: the lowest id alive. Liveness is the
 * bus's record ({@linkcode Bus.peers}): every isolate posts a heartbeat each
 * period, asks for presence when it starts and says `bye` when it stops, and
 * one silent for three periods counts as gone.
 *
 * @module
 */
import type { Bus } from "./bus.ts";

/** The isolates of the deployment this isolate can hear. */
export class Membership {
  readonly node: string;
  readonly #bus: Bus;

  /**
   * @param node this isolate's id
   * @param bus where peers are heard
   */
  constructor(node: string, bus: Bus) {
    this.node = node;
    this.#bus = bus;
  }

  /** This isolate and the peers alive, sorted. */
  alive(): string[] {
    const peers = this.#bus.peers().filter((node) => node !== this.node);
    return [this.node, ...peers].sort();
  }

  /**
   * The isolate that writes for everyone: the lowest id alive. Isolates may
   * disagree for a moment while one starts or stops; storage stays correct
   * then (each commit checks the room's head), only slower.
   */
  writer(): string {
    let lowest = this.node;
    for (const node of this.#bus.peers()) if (node < lowest) lowest = node;
    return lowest;
  }
}
