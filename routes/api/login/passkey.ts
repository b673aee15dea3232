/**
 * `POST /api/login/passkey` with the browser's authentication response:
 * signs in to the passkey's account → `200 {"user","token"}` and the
 * cookie, for the account's user id. Every failure is the same `401`;
 * failures are throttled per account name and per address (`429`).
 *
 * @module
 */
import type { Handlers } from "../../../lib/http/route_types.ts";
import { readJsonObject } from "../../../lib/http/body.ts";
import { sessionReply } from "../../../lib/http/session_reply.ts";
import { relyingParty } from "../../../lib/accounts/passkeys_rp.ts";

/** Finishes a passkey sign-in. */
export const handler: Handlers = {
  async POST(req, ctx) {
    const rp = relyingParty(req, ctx.url, ctx.app.config);
    const user = await ctx.app.passkeys.signIn(
      await readJsonObject(req),
      rp,
      ctx.remoteAddr,
    );
    return sessionReply(req, ctx, await ctx.app.sessions.issueFor(user), 200);
  },
};
