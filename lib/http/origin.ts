/**
 * The Origin allowlist: the server's own origin plus `CHAT_ALLOWED_ORIGINS`,
 * exact matches only. Requests without `Origin` (non-browser clients) pass.
 *
 * @module
 */
import type { Config } from "../server/config.ts";
import { ProtocolError } from "../protocol/errors.ts";

/** Whether the request's Origin (if any) is allowed. */
export function originAllowed(req: Request, url: URL, config: Config): boolean {
  const origin = req.headers.get("origin");
  if (origin === null) return true;
  if (config.allowedOrigins.has(origin)) return true;
  // The server's own origin, as the browser saw it: scheme of the request URL
  // (or the proxy's), host from the Host header.
  const proto = req.headers.get("x-forwarded-proto") ??
    url.protocol.slice(0, -1);
  const host = req.headers.get("host") ?? url.host;
  return origin === `${proto}://${host}`;
}

/**
 * Throws `forbidden` (403) unless the Origin is allowed.
 *
 * @example
 * ```ts
 * import { checkOrigin } from "./origin.ts";
 * import { loadConfig } from "../server/config.ts";
 * const req = new Request("http://localhost:8000/api/session", { method: "POST" });
 * checkOrigin(req, new URL(req.url), loadConfig(() => undefined)); // no Origin: allowed
 * ```
 */
export function checkOrigin(req: Request, url: URL, config: Config): void {
  if (!originAllowed(req, url, config)) {
    throw new ProtocolError(
      "forbidden",
      `Origin ${JSON.stringify(req.headers.get("origin"))} is not allowed`,
    );
  }
}
