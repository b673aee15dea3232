/**
 * Identity for HTTP handlers.
 *
 * @module
 */
import type { User } from "../protocol/types.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { RouteContext } from "./route_types.ts";

/** The request's user, or `unauthenticated` (401). */
export async function requireUser(
  req: Request,
  ctx: RouteContext,
): Promise<User> {
  const user = await ctx.app.sessions.userFromRequest(req, ctx.url);
  if (!user) {
    throw new ProtocolError(
      "unauthenticated",
      "Send a session token (cookie, Bearer or ?token=); get one from POST /api/session",
    );
  }
  return user;
}
