/**
 * `POST /api/rooms/:room/read` `{"seq"}`: the caller has read the room up to
 * `seq` (the HTTP fallbacks' and scripts' `read` frame) → `204`. Positions
 * only move forward; the caller's other connections hear of it.
 *
 * @module
 */
import type { Handlers } from "../../../../lib/http/route_types.ts";
import { checkOrigin } from "../../../../lib/http/origin.ts";
import { requireUser } from "../../../../lib/http/identity.ts";
import { readJsonObject } from "../../../../lib/http/body.ts";
import { parseRoomName, parseSeq } from "../../../../lib/protocol/validate.ts";

/** Moves the caller's read position. */
export const handler: Handlers = {
  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const room = parseRoomName(ctx.params.room);
    const user = await requireUser(req, ctx);
    const seq = parseSeq((await readJsonObject(req)).seq, "seq");
    await ctx.app.chat.markRead(room, user, seq);
    return new Response(null, { status: 204 });
  },
};
