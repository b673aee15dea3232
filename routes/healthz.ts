/**
 * `GET /healthz`: readiness. `200` while this isolate can take work, `503`
 * with `ok: false` and the reason while it can't (storage unreachable), so
 * that a load balancer or orchestrator stops sending it traffic.
 *
 * @module
 */
import type { Handlers } from "../lib/http/route_types.ts";
import { json } from "../lib/http/responses.ts";
import { webSocketsOf } from "../lib/wiring/transports.ts";

const startedAt = Date.now();

/** Reports readiness. */
export const handler: Handlers = {
  async GET(_req, ctx) {
    const { ok, reason } = await ctx.app.health();
    return json(
      {
        ok,
        ...(reason === undefined ? {} : { reason }),
        node: ctx.app.node,
        uptimeMs: Date.now() - startedAt,
        connections: webSocketsOf(ctx.app).size,
      },
      ok ? 200 : 503,
    );
  },
};
