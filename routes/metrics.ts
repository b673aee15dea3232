/**
 * `GET /metrics`: the counters of the whole process (every isolate of
 * `deno serve --parallel`, gathered by the isolate that answers) in the
 * Prometheus text format.
 *
 * @module
 */
import type { Handlers } from "../lib/http/route_types.ts";
import { renderMetrics } from "../lib/server/metrics.ts";
import { metricsGathererOf } from "../lib/server/metrics_gather.ts";

/** Exposes metrics. */
export const handler: Handlers = {
  async GET(_req, ctx) {
    const isolates = await metricsGathererOf(ctx.app).gather();
    return new Response(renderMetrics(isolates), {
      headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
    });
  },
};
