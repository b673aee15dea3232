/**
 * The endpoint guard's second half: what a push service's name resolves
 * to. A public-looking name can have a private address in DNS
 * (`internal.attacker.example → 10.0.0.5`); the name rules cannot see that,
 * so before a request the name is resolved and refused when any address it
 * has is not public.
 *
 * Best effort by design: a name that does not resolve here is left to
 * `fetch` (which fails on its own when the name is really unknown, and on
 * a runtime without DNS lookups nothing is refused for want of one), and
 * `fetch` resolves again by itself, so a name whose answers change from
 * one lookup to the next (DNS rebinding) can still slip through. Verdicts
 * are kept a minute per name: push services are a handful of hosts.
 *
 * @module
 */
import { isPublicAddress } from "./ip_address.ts";

/** Resolves a host name to its IPv4 and IPv6 addresses; rejects when it cannot. */
export type ResolveHost = (host: string) => Promise<string[]>;

/** How long a name's verdict is reused. */
export const DNS_VERDICT_MS = 60_000;
/** Names remembered at once. */
const MAX_NAMES = 1_000;

/** Refuses names that resolve to addresses that are not public. */
export class DnsGuard {
  readonly #resolve: ResolveHost;
  readonly #now: () => number;
  readonly #verdicts = new Map<
    string,
    { problem: string | undefined; at: number }
  >();

  constructor(resolve: ResolveHost, now: () => number = Date.now) {
    this.#resolve = resolve;
    this.#now = now;
  }

  /**
   * Why `host` (a name, not an address literal) may not be connected to,
   * or `undefined`: when it resolves to public addresses only, or does not
   * resolve at all here.
   */
  async problem(host: string): Promise<string | undefined> {
    const now = this.#now();
    const known = this.#verdicts.get(host);
    if (known && now - known.at < DNS_VERDICT_MS) return known.problem;
    let addresses: string[];
    try {
      addresses = await this.#resolve(host);
    } catch {
      return undefined;
    }
    const blocked = addresses.find((address) => !isPublicAddress(address));
    const problem = blocked === undefined
      ? undefined
      : `resolves to ${blocked}, not a public address`;
    this.#verdicts.delete(host);
    if (this.#verdicts.size >= MAX_NAMES) {
      this.#verdicts.delete(this.#verdicts.keys().next().value!);
    }
    this.#verdicts.set(host, { problem, at: now });
    return problem;
  }
}
