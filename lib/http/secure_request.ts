/**
 * Whether a request came over HTTPS, for the session cookie's `Secure`.
 *
 * @module
 */

/** Whether the session cookie must be `Secure` (HTTPS, directly or via a proxy). */
export function isSecureRequest(req: Request, url: URL): boolean {
  return url.protocol === "https:" ||
    req.headers.get("x-forwarded-proto") === "https";
}
