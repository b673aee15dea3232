/**
 * The relying party of a passkey ceremony, from the request: the origin the
 * browser ran it on and the RP ID the passkeys are scoped to.
 *
 * @module
 */
import type { Config } from "../server/config.ts";
import { checkOrigin } from "../http/origin.ts";
import { PRODUCT_NAME } from "../ui/brand.tsx";
import type { RelyingParty } from "./passkeys.ts";

/**
 * The relying party a request speaks to. Its `Origin` must pass the
 * allowlist (`forbidden` otherwise) and is the origin the ceremony must have
 * run on; a request without one (not a browser) expects the server's own
 * origin. The RP ID is `CHAT_RP_ID`, else that origin's hostname: the
 * hostname of the page, which is the request's own unless the page is on
 * another allowed origin.
 */
export function relyingParty(
  req: Request,
  url: URL,
  config: Config,
): RelyingParty {
  checkOrigin(req, url, config);
  const proto = req.headers.get("x-forwarded-proto") ??
    url.protocol.slice(0, -1);
  const origin = req.headers.get("origin") ??
    `${proto}://${req.headers.get("host") ?? url.host}`;
  return {
    id: config.rpId ?? new URL(origin).hostname,
    name: PRODUCT_NAME,
    origin,
  };
}
