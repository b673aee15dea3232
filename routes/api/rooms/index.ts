/**
 * `GET /api/rooms`: the rooms the caller may see (public ones, and private
 * ones they are a member of), busiest first. `POST /api/rooms`
 * `{"room","visibility"}`: creates a room owned by the caller → `201`;
 * `409 name_taken` when it exists (created, or visited before).
 *
 * @module
 */
import type { Handlers } from "../../../lib/http/route_types.ts";
import { json } from "../../../lib/http/responses.ts";
import { optionalUser } from "../../../lib/comet/params.ts";
import { readJsonObject } from "../../../lib/http/body.ts";
import { checkOrigin } from "../../../lib/http/origin.ts";
import { requireUser } from "../../../lib/http/identity.ts";
import { parseRoomName } from "../../../lib/protocol/validate.ts";
import { ProtocolError } from "../../../lib/protocol/errors.ts";

/** Lists and creates rooms. */
export const handler: Handlers = {
  async GET(req, ctx) {
    const user = await optionalUser(req, ctx.url, ctx.app.sessions);
    return json({ rooms: await ctx.app.chat.listRooms(user) });
  },

  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const user = await requireUser(req, ctx);
    const body = await readJsonObject(req);
    const room = parseRoomName(body.room);
    const visibility = body.visibility ?? "public";
    if (visibility !== "public" && visibility !== "private") {
      throw new ProtocolError(
        "bad_request",
        '"visibility" is "public" or "private"',
      );
    }
    const { head } = await ctx.app.chat.latest(room, 1, user);
    const settings = await ctx.app.access.create(
      room,
      user,
      visibility,
      head.seq > 0,
    );
    return json({ room, ...settings }, 201);
  },
};
