/**
 * `GET /api/rooms`: rooms with messages or people, busiest first.
 *
 * @module
 */
import type { Handlers } from "../../../lib/http/route_types.ts";
import { json } from "../../../lib/http/responses.ts";

/** Lists rooms. */
export const handler: Handlers = {
  async GET(_req, ctx) {
    return json({ rooms: await ctx.app.chat.listRooms() });
  },
};
