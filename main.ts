/**
 * The entrypoint. `deno serve --parallel main.ts` (what `deno task start`
 * runs) and Deno Deploy use the default export, one app per isolate;
 * `deno run main.ts` serves it on `PORT` itself.
 *
 * @module
 */
import { denoAdapter } from "./lib/adapters/deno.ts";
import { createApp } from "./lib/server/app.ts";
import { createRouter } from "./lib/http/router.ts";
import { routes } from "./lib/generated/routes.gen.ts";
import { renderPage } from "./lib/render/render_page.tsx";
import { cometOf } from "./lib/comet/comet.ts";

const app = await createApp(denoAdapter);
cometOf(app); // SSE and long-poll state (and its metrics) from the start
const handle = createRouter(app, routes, renderPage);

/** The app's fetch handler, for `deno serve` and Deno Deploy. */
export default {
  fetch(req: Request, info?: Deno.ServeHandlerInfo): Promise<Response> {
    const addr = info?.remoteAddr;
    return handle(req, {
      remoteAddr: addr && "hostname" in addr ? addr.hostname : "",
    });
  },
} satisfies Deno.ServeDefaultExport;

// `deno serve` and Deno Deploy also evaluate this module as the main one, and
// no API tells them apart from `deno run`; `deno task start` and Deploy mark
// themselves so that only a plain `deno run` listens here.
if (
  import.meta.main && !denoAdapter.env("CHAT_VIA_DENO_SERVE") &&
  !denoAdapter.env("DENO_DEPLOYMENT_ID")
) {
  const server = Deno.serve(
    { port: Number(denoAdapter.env("PORT") ?? 8000) },
    (req, info) => handle(req, { remoteAddr: info.remoteAddr.hostname }),
  );
  denoAdapter.onShutdown(() => server.shutdown());
}
