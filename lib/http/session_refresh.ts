/**
 * Keeps a browser's account session alive: an account's token expires (30
 * days), so a page visit with a session cookie past half its life gets a
 * fresh token in a new cookie. Bearer clients refresh with
 * `POST /api/session`.
 *
 * @module
 */
import { readCookie, SESSION_COOKIE, type Sessions } from "../auth/sessions.ts";
import { isSecureRequest } from "./secure_request.ts";

/**
 * Appends a fresh session cookie to `response` when `req` carries a session
 * cookie (and no other token) that is an account's and past half its life.
 */
export async function refreshStaleCookie(
  req: Request,
  url: URL,
  sessions: Sessions,
  response: Response,
): Promise<void> {
  if (req.headers.has("authorization") || url.searchParams.has("token")) return;
  const token = readCookie(req.headers.get("cookie"), SESSION_COOKIE);
  if (!token) return;
  const verified = await sessions.check(token);
  if (!verified?.stale) return;
  const fresh = await sessions.issueFor(verified.user);
  try {
    response.headers.append(
      "set-cookie",
      sessions.cookie(fresh.token, isSecureRequest(req, url)),
    );
  } catch {
    // A response with immutable headers (none of ours): no refresh this time.
  }
}
