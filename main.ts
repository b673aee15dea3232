/**
 * The entrypoint, a `deno serve` module: `deno serve --parallel main.ts`
 * (what `deno task start` runs) and Deno Deploy use the default export, one
 * app per isolate. It never listens itself: `deno serve` evaluates it as the
 * main module too, and a listener of its own would take the port twice.
 *
 * @module
 */
import { denoAdapter } from "./lib/adapters/deno.ts";
import { createApp } from "./lib/server/app.ts";
import { createRouter } from "./lib/http/router.ts";
import { routes } from "./lib/generated/routes.gen.ts";
import { renderPage } from "./lib/render/render_page.tsx";
import { NotFoundPage } from "./lib/ui/not_found_page.tsx";
import { cometOf, webSocketsOf } from "./lib/wiring/transports.ts";
import { metricsGathererOf } from "./lib/server/metrics_gather.ts";

const app = await createApp(denoAdapter);
// The transports' state (and their metrics) from the start.
webSocketsOf(app);
cometOf(app);
metricsGathererOf(app); // answers peers' scrapes before this one is scraped
const handle = createRouter(app, routes, renderPage, {
  notFound: NotFoundPage,
});

/** The app's fetch handler, for `deno serve` and Deno Deploy. */
export default {
  fetch(req: Request, info?: Deno.ServeHandlerInfo): Promise<Response> {
    const addr = info?.remoteAddr;
    return handle(req, {
      remoteAddr: addr && "hostname" in addr ? addr.hostname : "",
    });
  },
} satisfies Deno.ServeDefaultExport;
