/**
 * `POST /api/rooms/:room/typing`: "I am typing", relayed to the room.
 *
 * @module
 */
import type { Handlers } from "../../../../lib/http/route_types.ts";
import { checkOrigin } from "../../../../lib/http/origin.ts";
import { requireUser } from "../../../../lib/http/identity.ts";
import { parseRoomName } from "../../../../lib/protocol/validate.ts";

/** Relays a typing signal. */
export const handler: Handlers = {
  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const room = parseRoomName(ctx.params.room);
    const user = await requireUser(req, ctx);
    await ctx.app.chat.typing(room, user);
    return new Response(null, { status: 204 });
  },
};
