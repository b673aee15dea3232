/**
 * `POST /api/account/passkeys/options` (signed in): the options for
 * registering a passkey (`PublicKeyCredentialCreationOptionsJSON`, for
 * `startRegistration()`), with a fresh challenge valid for 5 minutes. A
 * guest whose name someone claimed gets `409 name_taken` at once.
 *
 * @module
 */
import type { Handlers } from "../../../../lib/http/route_types.ts";
import { requireUser } from "../../../../lib/http/identity.ts";
import { json } from "../../../../lib/http/responses.ts";
import { relyingParty } from "../../../../lib/accounts/passkeys_rp.ts";

/** Starts a registration. */
export const handler: Handlers = {
  async POST(req, ctx) {
    const rp = relyingParty(req, ctx.url, ctx.app.config);
    const user = await requireUser(req, ctx);
    return json(await ctx.app.passkeys.registrationOptions(user, rp));
  },
};
