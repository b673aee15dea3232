/**
 * Caps on the connections (WebSockets and SSE streams together) one user and
 * one address may hold open on an isolate. A connection counts against its
 * address from the upgrade (or the stream's opening) and against its user
 * once it is known (`hello`, or the stream's opening), until it closes.
 *
 * Counts are per isolate, as the send limits are: with N isolates a person
 * may hold up to N times the cap, which still bounds what one peer makes a
 * server hold (docs/limits.md).
 *
 * @module
 */

/** Open connections by key, refusing past a cap. */
class Counts {
  readonly #cap: number;
  /** Only keys with open connections: memory follows the connections. */
  readonly #open = new Map<string, number>();

  constructor(cap: number) {
    this.#cap = cap;
  }

  add(key: string): boolean {
    const count = this.#open.get(key) ?? 0;
    if (this.#cap !== 0 && count >= this.#cap) return false;
    this.#open.set(key, count + 1);
    return true;
  }

  remove(key: string): void {
    const count = this.#open.get(key);
    if (count === undefined) return;
    if (count <= 1) this.#open.delete(key);
    else this.#open.set(key, count - 1);
  }

  count(key: string): number {
    return this.#open.get(key) ?? 0;
  }
}

/** The connection caps of one isolate; a cap of 0 is unlimited. */
export class ConnectionCaps {
  readonly #users: Counts;
  readonly #addresses: Counts;

  constructor(perUser: number, perAddress: number) {
    this.#users = new Counts(perUser);
    this.#addresses = new Counts(perAddress);
  }

  /**
   * Counts a connection of the user `id`: false (and nothing counted) when
   * the user holds the cap already.
   */
  addUser(id: string): boolean {
    return this.#users.add(id);
  }

  /** Forgets a connection counted by {@linkcode addUser}. */
  removeUser(id: string): void {
    this.#users.remove(id);
  }

  /**
   * Counts a connection from `address`: false (and nothing counted) when the
   * address holds the cap already. An unknown address (`""`) is not capped.
   */
  addAddress(address: string): boolean {
    return address === "" || this.#addresses.add(address);
  }

  /** Forgets a connection counted by {@linkcode addAddress}. */
  removeAddress(address: string): void {
    if (address !== "") this.#addresses.remove(address);
  }

  /** Open connections of the user `id` and from `address` (tests check them). */
  counts(id: string, address: string): { user: number; address: number } {
    return {
      user: this.#users.count(id),
      address: this.#addresses.count(address),
    };
  }
}
