/**
 * A view of the bus for a second registry that speaks the same kinds as the
 * first: its messages travel wrapped in `{"k":"scoped","scope"}` and reach
 * only the handlers of the same scope. The attention registry (which
 * connections have a room visible, for Web Push) is a second `Presence`
 * this way, with presence's versions, heartbeats and resyncs for free.
 *
 * @module
 */
import type { Bus, BusHandler, GoneListener } from "./bus.ts";
import type { BusKind, BusMessage } from "./messages.ts";

/** What a registry needs of a bus. */
export type RegistryBus = Pick<Bus, "on" | "post" | "onGone">;

/** The bus, as one scope sees it. */
export class ScopedBus implements RegistryBus {
  readonly #bus: Bus;
  readonly #scope: string;
  readonly #handlers = new Map<BusKind, Array<(message: BusMessage) => void>>();

  constructor(bus: Bus, scope: string) {
    this.#bus = bus;
    this.#scope = scope;
    bus.on("scoped", ({ scope: to, m }) => {
      if (to !== scope) return;
      for (const handler of this.#handlers.get(m.k) ?? []) handler(m);
    });
  }

  /** Adds a handler for one kind of this scope's messages. */
  on<K extends BusKind>(kind: K, handler: BusHandler<K>): void {
    let handlers = this.#handlers.get(kind);
    if (!handlers) this.#handlers.set(kind, handlers = []);
    handlers.push(handler as (message: BusMessage) => void);
  }

  /** Sends a message of this scope to every other node. */
  post(message: BusMessage): void {
    this.#bus.post({ k: "scoped", scope: this.#scope, m: message });
  }

  /** Peers that are gone are gone for every scope. */
  onGone(listener: GoneListener): void {
    this.#bus.onGone(listener);
  }
}
