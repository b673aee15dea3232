/**
 * `POST /api/logout`: revokes the token the request is sent with → `204`,
 * and clears the cookie. From then on the token gets `401` on every node,
 * and its open WebSockets close with `1008` and its SSE streams end.
 *
 * @module
 */
import type { Handlers } from "../../lib/http/route_types.ts";
import { checkOrigin } from "../../lib/http/origin.ts";
import { requireUser } from "../../lib/http/identity.ts";
import { isSecureRequest } from "../../lib/http/secure_request.ts";

/** Signs out. */
export const handler: Handlers = {
  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    await requireUser(req, ctx);
    await ctx.app.signOut(ctx.app.sessions.tokenOf(req, ctx.url)!);
    return new Response(null, {
      status: 204,
      headers: {
        "set-cookie": ctx.app.sessions.clearCookie(
          isSecureRequest(req, ctx.url),
        ),
      },
    });
  },
};
