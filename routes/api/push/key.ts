/**
 * `GET /api/push/key` → `{"key"}`: the server's VAPID public key (base64url,
 * an uncompressed P-256 point), the `applicationServerKey` a page subscribes
 * with. Needs a session, like everything push.
 *
 * @module
 */
import type { Handlers } from "../../../lib/http/route_types.ts";
import { json } from "../../../lib/http/responses.ts";
import { requireUser } from "../../../lib/http/identity.ts";

/** The VAPID public key. */
export const handler: Handlers = {
  async GET(req, ctx) {
    await requireUser(req, ctx);
    return json({ key: await ctx.app.push.publicKey() });
  },
};
