/**
 * `POST /api/session`: get an identity, or rename the one the request carries.
 *
 * @module
 */
import type { Handlers } from "../../lib/http/route_types.ts";
import { readJsonObject } from "../../lib/http/body.ts";
import { checkOrigin } from "../../lib/http/origin.ts";
import { sessionReply } from "../../lib/http/session_reply.ts";
import { parseDisplayName } from "../../lib/protocol/validate.ts";
import { ProtocolError } from "../../lib/protocol/errors.ts";

/** Issues or renames a session; the token comes back in the body and a cookie. */
export const handler: Handlers = {
  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const body = await readJsonObject(req);
    const existing = await ctx.app.sessions.userFromRequest(req, ctx.url);
    if (body.name === undefined && !existing) {
      throw new ProtocolError(
        "bad_request",
        'Send {"name": "…"} to get a session',
      );
    }
    const name = body.name === undefined
      ? existing!.name
      : parseDisplayName(body.name);
    return sessionReply(
      req,
      ctx,
      await ctx.app.sessions.issue(name, existing),
      201,
    );
  },
};
