/**
 * `POST /api/account/password` `{"password"}`: claims the current user's name
 * with a password (or sets a new one) → `201 {"user"}`, with a fresh
 * account token in the body and the cookie. `409 name_taken` when someone
 * else claimed the name. An account that has a password already must send
 * it as `currentPassword` (extension): `403 forbidden` otherwise.
 *
 * @module
 */
import type { Handlers } from "../../../lib/http/route_types.ts";
import { readJsonObject } from "../../../lib/http/body.ts";
import { checkOrigin } from "../../../lib/http/origin.ts";
import { requireUser } from "../../../lib/http/identity.ts";
import { sessionReply } from "../../../lib/http/session_reply.ts";
import { requireCurrentPassword } from "../../../lib/accounts/current_password.ts";

/** Claims the name. */
export const handler: Handlers = {
  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const user = await requireUser(req, ctx);
    const body = await readJsonObject(req);
    await requireCurrentPassword(
      ctx.app.accounts,
      ctx.app.loginThrottle,
      user,
      body.currentPassword,
      ctx.remoteAddr,
    );
    const claimed = await ctx.app.accounts.claimWithPassword(
      user,
      body.password,
    );
    return sessionReply(
      req,
      ctx,
      await ctx.app.sessions.issueFor(claimed),
      201,
    );
  },
};
