/**
 * Web Push subscriptions of the calling user:
 *
 * - `POST /api/push/subscriptions` with a browser's
 *   `PushSubscription.toJSON()` → `201 {}`. The endpoint must be `https` on
 *   a public host (or an origin in `CHAT_PUSH_TEST_ORIGINS`): `400
 *   bad_request` otherwise.
 * - `DELETE /api/push/subscriptions` `{"endpoint"}` → `204` (also when there
 *   was none).
 *
 * @module
 */
import type { Handlers } from "../../../lib/http/route_types.ts";
import { json } from "../../../lib/http/responses.ts";
import { readJsonObject } from "../../../lib/http/body.ts";
import { checkOrigin } from "../../../lib/http/origin.ts";
import { requireUser } from "../../../lib/http/identity.ts";

/** Subscribes and unsubscribes. */
export const handler: Handlers = {
  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const user = await requireUser(req, ctx);
    await ctx.app.push.subscribe(user, await readJsonObject(req));
    return json({}, 201);
  },
  async DELETE(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const user = await requireUser(req, ctx);
    const { endpoint } = await readJsonObject(req);
    await ctx.app.push.unsubscribe(user, endpoint);
    return new Response(null, { status: 204 });
  },
};
