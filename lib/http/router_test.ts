import assert from "node:assert/strict";
import type { App } from "../server/app.ts";
import type { AssetManifest } from "../render/assets.ts";
import { renderPage } from "../render/render_page.tsx";
import { NotFoundPage } from "../ui/not_found_page.tsx";
import { createRouter, wantsHtmlPage } from "./router.ts";

const HTML = "text/html,application/xhtml+xml,*/*;q=0.8";
const assets: AssetManifest = {
  version: 1,
  sourceHash: "",
  styles: [],
  islands: {},
};

const handle = createRouter(
  // Only the configuration is read on these paths.
  { config: { trustedProxies: new Set() } } as unknown as App,
  [{ pattern: "/api/ping", module: { handler: () => new Response("pong") } }],
  (page, props, init) => renderPage(page, props, { ...init, assets }),
  { notFound: NotFoundPage },
);

Deno.test("a browser's request for an unknown page gets the HTML 404 page", async () => {
  const res = await handle(
    new Request("http://x/no/such<page>", { headers: { accept: HTML } }),
  );
  assert.equal(res.status, 404);
  assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
  const html = await res.text();
  assert.match(html, /<title>Page not found · Comet Chat<\/title>/);
  assert.match(html, /<h1>Page not found<\/h1>/);
  assert.match(html, /<code>\/no\/such%3Cpage%3E<\/code>/);
  assert.match(html, /href="\/"/);
});

Deno.test("API paths, other clients and other methods keep the JSON error", async () => {
  for (
    const req of [
      new Request("http://x/api/nothing", { headers: { accept: HTML } }),
      new Request("http://x/nothing", { headers: { accept: "*/*" } }),
      new Request("http://x/nothing"),
      new Request("http://x/nothing", {
        method: "POST",
        headers: { accept: HTML },
      }),
    ]
  ) {
    const res = await handle(req);
    assert.equal(res.status, 404, req.url);
    assert.deepEqual((await res.json()).error.code, "not_found", req.url);
  }
  assert.equal(
    await (await handle(new Request("http://x/api/ping"))).text(),
    "pong",
  );
});

Deno.test("wantsHtmlPage: GET or HEAD, text/html accepted, not under /api", () => {
  const req = (path: string, accept: string, method = "GET") =>
    wantsHtmlPage(
      new Request(`http://x${path}`, { method, headers: { accept } }),
      new URL(`http://x${path}`),
    );
  assert.equal(req("/a", HTML), true);
  assert.equal(req("/a", HTML, "HEAD"), true);
  assert.equal(req("/a", "application/json"), false);
  assert.equal(req("/api", HTML), false);
  assert.equal(req("/apiary", HTML), true);
});

Deno.test("a route sees the client's address: a trusted proxy's X-Forwarded-For, else the peer", async () => {
  const echo = createRouter(
    // Only the configuration is read on this path.
    { config: { trustedProxies: new Set(["10.0.0.1"]) } } as unknown as App,
    [{
      pattern: "/api/addr",
      module: { handler: (_req, ctx) => new Response(ctx.remoteAddr) },
    }],
    (page, props, init) => renderPage(page, props, { ...init, assets }),
    {},
  );
  const ask = async (peer: string, forwarded?: string) => {
    const headers = forwarded ? { "x-forwarded-for": forwarded } : undefined;
    const res = await echo(new Request("http://x/api/addr", { headers }), {
      remoteAddr: peer,
    });
    return await res.text();
  };
  assert.equal(await ask("10.0.0.1", "1.2.3.4, 5.6.7.8"), "5.6.7.8");
  assert.equal(
    await ask("9.9.9.9", "5.6.7.8"),
    "9.9.9.9",
    "not a proxy: ignored",
  );
  assert.equal(await ask("9.9.9.9"), "9.9.9.9");
});
