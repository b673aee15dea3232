/**
 * `GET /healthz`: 200 while this isolate can take work.
 *
 * @module
 */
import type { Handlers } from "../lib/http/route_types.ts";
import { json } from "../lib/http/responses.ts";

const startedAt = Date.now();

/** Reports liveness. */
export const handler: Handlers = {
  GET(_req, ctx) {
    return json({
      ok: true,
      node: ctx.app.node,
      uptimeMs: Date.now() - startedAt,
      connections: ctx.app.sockets.size,
    });
  },
};
