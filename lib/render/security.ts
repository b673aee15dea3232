/**
 * Security headers of every rendered page.
 *
 * @module
 */

/**
 * The pages' Content-Security-Policy: scripts only from this origin and never
 * inline (island props are JSON data, not code); `connect-src 'self'` covers
 * `ws:`/`wss:` to this origin in CSP Level 3 browsers.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers set on every HTML page (callers may add to or override them). */
export function pageHeaders(): Headers {
  return new Headers({
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    // Pages carry per-user data (the session's name and token): never shared.
    "cache-control": "private, no-store",
  });
}
