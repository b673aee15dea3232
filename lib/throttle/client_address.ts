/**
 * The client address that limits count by: the peer's address, or, when the
 * peer is a trusted proxy (`CHAT_TRUSTED_PROXIES`), the address it names in
 * `X-Forwarded-For`. Behind nginx every peer is nginx, so without trusting
 * it every guest would share one send bucket and one connection cap.
 *
 * @module
 */

/**
 * The address of the client that sent `req` through `peer`, as a limit key
 * ({@linkcode addressKey}); `""` when unknown.
 *
 * @example
 * ```ts
 * import { clientAddress } from "./client_address.ts";
 * const req = new Request("http://chat/", {
 *   headers: { "x-forwarded-for": "198.51.100.7, 203.0.113.9" },
 * });
 * const trusted = new Set(["127.0.0.1"]);
 * console.assert(clientAddress(req, "127.0.0.1", trusted) === "203.0.113.9");
 * console.assert(clientAddress(req, "192.0.2.1", trusted) === "192.0.2.1");
 * ```
 */
export function clientAddress(
  req: Request,
  peer: string,
  trusted: ReadonlySet<string>,
): string {
  let address = peer;
  if (trusted.has(peer)) {
    const hops = (req.headers.get("x-forwarded-for") ?? "").split(",")
      .map((hop) => hop.trim()).filter((hop) => hop !== "");
    // Proxies append the address they heard from: the rightmost hop that is
    // not a trusted proxy is the client. Anything left of it the client may
    // have written itself.
    for (let i = hops.length - 1; i >= 0; i--) {
      address = hops[i];
      if (!trusted.has(address)) break;
    }
  }
  return addressKey(address);
}

/**
 * An address as limits count it: IPv4 as it is (also when IPv4-mapped), IPv6
 * by its /64 prefix, the least one host is usually given, so that walking
 * through a host's own addresses buys nothing.
 */
export function addressKey(address: string): string {
  const text = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "")
    .toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (mapped) return mapped[1];
  if (!text.includes(":")) return text;
  const [head, tail] = text.includes("::") ? text.split("::") : [text, ""];
  const left = head === "" ? [] : head.split(":");
  const right = tail === "" ? [] : tail.split(":");
  if (left.length + right.length > 8) return text; // not an address: as given
  const groups = [
    ...left,
    ...Array(8 - left.length - right.length).fill("0"),
    ...right,
  ].slice(0, 4).map((group) => group.replace(/^0+(?=.)/, ""));
  return `${groups.join(":")}::/64`;
}
