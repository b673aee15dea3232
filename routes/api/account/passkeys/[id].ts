/**
 * `DELETE /api/account/passkeys/:id` (signed in): removes one of the
 * account's passkeys (`:id` is its credential id) → `204`. `404` for a
 * passkey that is not the account's; `400` when it is the only way left to
 * sign in (no password, no other passkey).
 *
 * @module
 */
import type { Handlers } from "../../../../lib/http/route_types.ts";
import { checkOrigin } from "../../../../lib/http/origin.ts";
import { requireUser } from "../../../../lib/http/identity.ts";

/** Removes a passkey. */
export const handler: Handlers = {
  async DELETE(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const user = await requireUser(req, ctx);
    await ctx.app.passkeys.remove(user.id, ctx.params.id ?? "");
    return new Response(null, { status: 204 });
  },
};
