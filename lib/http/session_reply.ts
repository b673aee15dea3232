/**
 * The answer that hands out a session: the user and token in the body (for
 * non-browser clients) and the `HttpOnly` cookie (for browsers).
 *
 * @module
 */
import type { Session } from "../auth/sessions.ts";
import type { RouteContext } from "./route_types.ts";
import { json } from "./responses.ts";
import { isSecureRequest } from "./secure_request.ts";

/** A form post's `303` to `location`, setting the session cookie. */
export function seeOtherSignedIn(
  req: Request,
  ctx: RouteContext,
  session: Session,
  location: string,
): Response {
  return new Response(null, {
    status: 303,
    headers: {
      location,
      "set-cookie": ctx.app.sessions.cookie(
        session.token,
        isSecureRequest(req, ctx.url),
      ),
    },
  });
}

/** `{user, token}` with `status`, and the session cookie. */
export function sessionReply(
  req: Request,
  ctx: RouteContext,
  session: Session,
  status: number,
): Response {
  return json({ user: session.user, token: session.token }, status, {
    "set-cookie": ctx.app.sessions.cookie(
      session.token,
      isSecureRequest(req, ctx.url),
    ),
  });
}
