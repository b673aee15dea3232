/**
 * `GET /metrics`: this isolate's counters in the Prometheus text format.
 *
 * @module
 */
import type { Handlers } from "../lib/http/route_types.ts";

/** Exposes metrics. */
export const handler: Handlers = {
  GET(_req, ctx) {
    return new Response(ctx.app.metrics.render(ctx.app.node), {
      headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
    });
  },
};
