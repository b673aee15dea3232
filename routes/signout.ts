/**
 * `POST /signout` (the account page's form): revokes the session's token
 * on every node (its open connections close with `1008`), clears the
 * cookie and goes to the lobby (`303`).
 *
 * @module
 */
import type { Handlers } from "../lib/http/route_types.ts";
import { checkOrigin } from "../lib/http/origin.ts";
import { seeOther } from "../lib/ui/forms.ts";
import { isSecureRequest } from "../lib/http/secure_request.ts";

/** Signs out. */
export const handler: Handlers = {
  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const { sessions } = ctx.app;
    const token = sessions.tokenOf(req, ctx.url);
    // Only a token that still verifies is worth remembering as revoked.
    if (token && await sessions.verify(token)) await ctx.app.signOut(token);
    return seeOther(
      "/",
      new Headers({
        "set-cookie": sessions.clearCookie(isSecureRequest(req, ctx.url)),
      }),
    );
  },
};
