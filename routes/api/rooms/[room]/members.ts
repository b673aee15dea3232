/**
 * `GET /api/rooms/:room/members` (anyone who may read the room) →
 * `{"room","members":[{"id","name","role"}]}`: every member of a private
 * room; of a public room, those with a role above member (anyone who joins
 * a public room is a member).
 *
 * @module
 */
import type { Handlers } from "../../../../lib/http/route_types.ts";
import { json } from "../../../../lib/http/responses.ts";
import { requireUser } from "../../../../lib/http/identity.ts";
import { parseRoomName } from "../../../../lib/protocol/validate.ts";

/** Lists members. */
export const handler: Handlers = {
  async GET(req, ctx) {
    const room = parseRoomName(ctx.params.room);
    const user = await requireUser(req, ctx);
    const view = await ctx.app.access.checkRead(room, user);
    const members = (await ctx.app.access.members(room)).map((m) => ({
      id: m.id,
      name: m.name,
      role: m.id === view.settings?.owner ? "owner" : m.role,
    }));
    return json({ room, members });
  },
};
