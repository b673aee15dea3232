/**
 * `POST /api/login/passkey/options` `{}` or `{"name"}`: the options for
 * signing in with a passkey (`PublicKeyCredentialRequestOptionsJSON`, for
 * `startAuthentication()`), with a fresh challenge valid for 5 minutes.
 * Without a name the browser offers every passkey it holds for the site.
 *
 * @module
 */
import type { Handlers } from "../../../../lib/http/route_types.ts";
import { readJsonObject } from "../../../../lib/http/body.ts";
import { json } from "../../../../lib/http/responses.ts";
import { ProtocolError } from "../../../../lib/protocol/errors.ts";
import { relyingParty } from "../../../../lib/accounts/passkeys_rp.ts";

/** Longest name looked up (longer ones cannot be anyone's). */
const MAX_NAME = 1024;

/** Starts a passkey sign-in. */
export const handler: Handlers = {
  async POST(req, ctx) {
    const rp = relyingParty(req, ctx.url, ctx.app.config);
    const { name } = await readJsonObject(req);
    if (
      name !== undefined && (typeof name !== "string" || name.length > MAX_NAME)
    ) {
      throw new ProtocolError("bad_request", 'Send {} or {"name": "…"}');
    }
    return json(await ctx.app.passkeys.signInOptions(rp, name));
  },
};
