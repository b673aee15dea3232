/**
 * `POST /api/dms` `{"user"}` → `{"room"}`: the private room of the caller and
 * that user, the same room every time (created the first time).
 *
 * @module
 */
import type { Handlers } from "../../lib/http/route_types.ts";
import { json } from "../../lib/http/responses.ts";
import { readJsonObject } from "../../lib/http/body.ts";
import { checkOrigin } from "../../lib/http/origin.ts";
import { requireUser } from "../../lib/http/identity.ts";
import { ProtocolError } from "../../lib/protocol/errors.ts";
import { dmRoomName, isUserId } from "../../lib/access/direct_messages.ts";

/** Opens a direct-message room. */
export const handler: Handlers = {
  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const user = await requireUser(req, ctx);
    const { user: other } = await readJsonObject(req);
    if (!isUserId(other) || other === user.id) {
      throw new ProtocolError(
        "bad_request",
        '"user" is the id (u_…) of someone else',
      );
    }
    const room = await dmRoomName(user.id, other);
    await ctx.app.access.openDm(room, user, other);
    return json({ room });
  },
};
