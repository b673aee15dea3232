/**
 * `POST /api/account/passkeys` (signed in) with the browser's registration
 * response: adds the passkey to the account, claiming the user's name when
 * it is a guest's (same user id) → `201 {"user","token"}` and the cookie.
 * `409 name_taken` when someone else claimed the name; `400` when the
 * response does not verify.
 *
 * @module
 */
import type { Handlers } from "../../../lib/http/route_types.ts";
import { readJsonObject } from "../../../lib/http/body.ts";
import { requireUser } from "../../../lib/http/identity.ts";
import { sessionReply } from "../../../lib/http/session_reply.ts";
import { relyingParty } from "../../../lib/accounts/passkeys_rp.ts";

/** Finishes a registration. */
export const handler: Handlers = {
  async POST(req, ctx) {
    const rp = relyingParty(req, ctx.url, ctx.app.config);
    const user = await requireUser(req, ctx);
    const claimed = await ctx.app.passkeys.register(
      user,
      await readJsonObject(req),
      rp,
    );
    return sessionReply(
      req,
      ctx,
      await ctx.app.sessions.issueFor(claimed),
      201,
    );
  },
};
