/**
 * The push endpoint guard (SSRF): a browser's push subscription names a URL
 * the server will POST to, and a client can send any URL it likes. Only
 * `https` on the default port of a public host name or public address is
 * accepted, so the server cannot be aimed at itself, its network, a cloud
 * metadata service or a port scan. Origins listed in
 * `CHAT_PUSH_TEST_ORIGINS` are let through for tests' local push service.
 *
 * Checked when a subscription is stored and again before every send, since
 * stored subscriptions outlive the configuration that let them in.
 *
 * This judges the URL as written; what a name resolves to is
 * `dns_guard.ts`'s part (see docs/notifications.md for what neither covers).
 *
 * @module
 */
import { isIpLiteral, isPublicAddress } from "./ip_address.ts";

/** The longest endpoint accepted (real ones are a few hundred characters). */
export const MAX_ENDPOINT_LENGTH = 2000;

/**
 * Suffixes of names that are never public (RFC 6761, RFC 6762 appendix G,
 * RFC 8375, ICANN's `.internal`): they name machines on some local network.
 */
const LOCAL_SUFFIXES = [
  "localhost",
  "local",
  "localdomain",
  "internal",
  "intranet",
  "private",
  "corp",
  "home",
  "lan",
  "home.arpa",
  "invalid",
  "test",
];

/**
 * Why `endpoint` may not be posted to, or `undefined` when it may.
 *
 * @param testOrigins exact origins allowed whatever their scheme or host
 *
 * @example
 * ```ts
 * import { endpointProblem } from "./endpoint_guard.ts";
 * console.assert(endpointProblem("https://fcm.googleapis.com/fcm/send/x", new Set()) === undefined);
 * console.assert(endpointProblem("https://127.0.0.1/x", new Set()) !== undefined);
 * ```
 */
export function endpointProblem(
  endpoint: string,
  testOrigins: ReadonlySet<string>,
): string | undefined {
  if (endpoint.length > MAX_ENDPOINT_LENGTH) {
    return `is longer than ${MAX_ENDPOINT_LENGTH} characters`;
  }
  if (!URL.canParse(endpoint)) return "is not a URL";
  // The WHATWG parser is the one fetch uses: what is checked here is what
  // would be connected to (numeric hosts such as 2130706433 come out as
  // dotted quads, names in lower case and punycode).
  const url = new URL(endpoint);
  if (url.username !== "" || url.password !== "") {
    return "carries a user name or password";
  }
  if (testOrigins.has(url.origin)) return undefined;
  if (url.protocol !== "https:") return "is not https";
  // Every real push service listens on 443; another port on a public host
  // is only good for probing it.
  if (url.port !== "") return "is not on the default https port";
  const host = url.hostname.replace(/\.+$/, "");
  if (isIpLiteral(host)) {
    return isPublicAddress(host) ? undefined : "is not a public address";
  }
  if (!host.includes(".")) return "is not a fully qualified host name";
  const local = LOCAL_SUFFIXES.some((suffix) =>
    host === suffix || host.endsWith(`.${suffix}`)
  );
  return local ? "is a local host name" : undefined;
}
