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
import { openDirectMessage } from "../../lib/access/open_dm.ts";

/** Opens a direct-message room. */
export const handler: Handlers = {
  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const user = await requireUser(req, ctx);
    const { user: other } = await readJsonObject(req);
    const room = await openDirectMessage(ctx.app, user, other);
    return json({ room });
  },
};
