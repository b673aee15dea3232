/**
 * The send limit of the HTTP ways to post (the API, the no-JS forms): the
 * same per-person limiter the WebSockets use (`lib/throttle/send_limiter.ts`).
 *
 * @module
 */
import type { User } from "../protocol/types.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { RouteContext } from "./route_types.ts";

/** Takes one send of `user` (from the request's address); `rate_limited` when over. */
export function takeSend(ctx: RouteContext, user: User): void {
  const wait = ctx.app.sendLimiter.takeFor(user, ctx.remoteAddr);
  if (wait > 0) {
    throw new ProtocolError(
      "rate_limited",
      "You are sending too fast; try again in a moment.",
      { retryAfterMs: wait },
    );
  }
}
