/**
 * `DELETE /api/rooms/:room/invites/:id` (owners and moderators): revokes an
 * invite; its link stops working at once → `204`.
 *
 * @module
 */
import type { Handlers } from "../../../../../lib/http/route_types.ts";
import { checkOrigin } from "../../../../../lib/http/origin.ts";
import { requireUser } from "../../../../../lib/http/identity.ts";
import { parseRoomName } from "../../../../../lib/protocol/validate.ts";

/** Revokes an invite. */
export const handler: Handlers = {
  async DELETE(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const room = parseRoomName(ctx.params.room);
    const user = await requireUser(req, ctx);
    await ctx.app.access.checkModerator(room, user);
    await ctx.app.invites.revoke(room, ctx.params.id ?? "");
    return new Response(null, { status: 204 });
  },
};
