/**
 * `DELETE /api/rooms/:room/bans/:user` (moderators): lifts a ban → `204`.
 *
 * @module
 */
import type { Handlers } from "../../../../../lib/http/route_types.ts";
import { checkOrigin } from "../../../../../lib/http/origin.ts";
import { requireUser } from "../../../../../lib/http/identity.ts";
import { parseRoomName } from "../../../../../lib/protocol/validate.ts";

/** Lifts a ban. */
export const handler: Handlers = {
  async DELETE(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const room = parseRoomName(ctx.params.room);
    const user = await requireUser(req, ctx);
    await ctx.app.access.unban(room, user, ctx.params.user ?? "");
    ctx.app.accessChanged(room);
    return new Response(null, { status: 204 });
  },
};
