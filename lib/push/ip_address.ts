/**
 * Which IP addresses are on the public internet: the half of the push
 * endpoint guard that knows address ranges. A push endpoint is a URL a
 * stranger hands the server to POST to, so one naming `127.0.0.1`, a
 * `10.…` host or a cloud metadata address (`169.254.169.254`) must be
 * refused before any request is made.
 *
 * IPv4 is public unless it is in one of IANA's special-purpose ranges.
 * IPv6 is the other way round: only global unicast (`2000::/3`) minus its
 * special ranges is public, and the forms that embed an IPv4 address
 * (`::ffff:a.b.c.d`, NAT64's `64:ff9b::a.b.c.d`) are judged by that address,
 * since connecting to them reaches it.
 *
 * @module
 */

/** IPv4 ranges that are not globally reachable: [first octets, prefix length]. */
const PRIVATE_V4: ReadonlyArray<[readonly number[], number]> = [
  [[0], 8], // "this network"
  [[10], 8], // private
  [[100, 64], 10], // carrier-grade NAT
  [[127], 8], // loopback
  [[169, 254], 16], // link-local, cloud metadata services
  [[172, 16], 12], // private
  [[192, 0, 0], 24], // IETF protocol assignments
  [[192, 0, 2], 24], // documentation
  [[192, 88, 99], 24], // 6to4 relay anycast
  [[192, 168], 16], // private
  [[198, 18], 15], // benchmarking
  [[198, 51, 100], 24], // documentation
  [[203, 0, 113], 24], // documentation
  [[224], 4], // multicast
  [[240], 4], // reserved, and the broadcast address
];

/** The four bytes of a dotted-quad IPv4 address, or `null`. */
export function parseIpv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes = parts.map((part) =>
    /^(0|[1-9]\d{0,2})$/.test(part) ? Number(part) : NaN
  );
  return bytes.every((byte) => byte <= 255) ? bytes : null;
}

/**
 * The eight 16-bit words of an IPv6 address (`::` compression and a
 * dotted-quad tail allowed, no zone, no brackets), or `null`.
 */
export function parseIpv6(text: string): number[] | null {
  let head = text;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".", lastColon)) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (!v4) return null;
    tail.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    // Keep the colon(s) before the quad so "::1.2.3.4" stays "::".
    head = text.slice(0, lastColon + 1);
    if (head.endsWith(":") && !head.endsWith("::")) head = head.slice(0, -1);
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const words = (part: string) =>
    part === ""
      ? []
      : part.split(":").map((word) =>
        /^[0-9a-f]{1,4}$/i.test(word) ? parseInt(word, 16) : NaN
      );
  const left = words(halves[0]);
  const right = halves.length === 2 ? words(halves[1]) : [];
  const all = [...left, ...right, ...tail];
  if (all.some(Number.isNaN)) return null;
  if (halves.length === 1) return all.length === 8 ? all : null;
  const zeros = 8 - all.length;
  if (zeros < 1) return null;
  return [...left, ...new Array(zeros).fill(0), ...right, ...tail];
}

function inV4Range(bytes: readonly number[], [first, bits]: [
  readonly number[],
  number,
]): boolean {
  let remaining = bits;
  for (let i = 0; remaining > 0; i++, remaining -= 8) {
    const mask = remaining >= 8 ? 0xff : (0xff << (8 - remaining)) & 0xff;
    if ((bytes[i] & mask) !== ((first[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** Whether four IPv4 bytes are a globally reachable address. */
function isPublicV4(bytes: readonly number[]): boolean {
  return !PRIVATE_V4.some((range) => inV4Range(bytes, range));
}

/** Whether eight IPv6 words are a globally reachable address. */
function isPublicV6(words: readonly number[]): boolean {
  const embeddedV4 = [
    words[6] >> 8,
    words[6] & 0xff,
    words[7] >> 8,
    words[7] & 0xff,
  ];
  const firstFive = words.slice(0, 5).every((word) => word === 0);
  // ::ffff:a.b.c.d (IPv4-mapped): the socket connects to a.b.c.d.
  if (firstFive && words[5] === 0xffff) return isPublicV4(embeddedV4);
  // 64:ff9b::a.b.c.d (NAT64, RFC 6052): the gateway connects to a.b.c.d.
  if (
    words[0] === 0x64 && words[1] === 0xff9b &&
    words.slice(2, 6).every((word) => word === 0)
  ) {
    return isPublicV4(embeddedV4);
  }
  // Everything outside global unicast: unspecified, loopback, IPv4-compatible,
  // unique-local (fc00::/7), link-local (fe80::/10), multicast (ff00::/8)…
  if ((words[0] & 0xe000) !== 0x2000) return false;
  if (words[0] === 0x2001 && words[1] < 0x200) return false; // 2001::/23 IETF (Teredo…)
  if (words[0] === 0x2001 && words[1] === 0xdb8) return false; // documentation
  if (words[0] === 0x2002) return false; // 6to4: may embed any IPv4 address
  if (words[0] === 0x3fff && words[1] < 0x1000) return false; // 3fff::/20 documentation
  return true;
}

/** Whether `host` is an IP address literal (IPv6 with or without brackets). */
export function isIpLiteral(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  return parseIpv4(bare) !== null || parseIpv6(bare) !== null;
}

/**
 * Whether `address` (IPv4, or IPv6 with or without brackets) is a globally
 * reachable address; `false` for anything that is not an address at all.
 *
 * @example
 * ```ts
 * import { isPublicAddress } from "./ip_address.ts";
 * console.assert(isPublicAddress("8.8.8.8"));
 * console.assert(!isPublicAddress("[::ffff:7f00:1]"));
 * ```
 */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[(.*)\]$/, "$1");
  const v4 = parseIpv4(bare);
  if (v4) return isPublicV4(v4);
  const v6 = parseIpv6(bare);
  return v6 !== null && isPublicV6(v6);
}
