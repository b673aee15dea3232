import assert from "node:assert/strict";
import type { PageProps } from "../http/route_types.ts";
import type { AssetManifest } from "./assets.ts";
import { Title } from "./head.tsx";
import { defineIsland } from "./island.tsx";
import { renderPage } from "./render_page.tsx";
import { CONTENT_SECURITY_POLICY } from "./security.ts";

const Widget = defineIsland(
  "Widget",
  (p: { n: number }) => <output>{p.n}</output>,
);
const Other = defineIsland("Other", (p: { s: string }) => <span>{p.s}</span>);

const assets: AssetManifest = {
  version: 1,
  sourceHash: "x",
  styles: ["/static/build/app-aaaa.css"],
  islands: {
    Widget: {
      src: "/static/build/Widget-bbbb.js",
      preload: ["/static/build/chunk-C.js"],
    },
    Other: {
      src: "/static/build/Other-dddd.js",
      preload: ["/static/build/chunk-C.js"],
    },
    Unused: { src: "/static/build/Unused-eeee.js", preload: [] },
  },
};

function Page({ data }: PageProps<{ name: string }>) {
  return (
    <main>
      <Title>Hello {data.name}</Title>
      <h1>{data.name}</h1>
      <Widget n={1} />
      <Widget n={2} />
      <Other s="<b>" />
    </main>
  );
}

const props = (name: string): PageProps<{ name: string }> => ({
  data: { name },
  params: {},
  url: new URL("http://localhost/x"),
});

Deno.test("renderPage returns a safe HTML response loading only the islands used", async () => {
  const res = await renderPage(Page, props("<img src=x onerror=alert(1)>"), {
    assets,
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(
    res.headers.get("content-security-policy"),
    CONTENT_SECURITY_POLICY,
  );
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
  assert.ok(!CONTENT_SECURITY_POLICY.includes("unsafe-inline"));
  assert.equal(res.headers.get("cache-control"), "private, no-store");
  const html = await res.text();
  assert.ok(
    html.includes("<title>Hello &lt;img src=x onerror=alert(1)&gt;</title>"),
  );
  assert.ok(!html.includes("<img"));
  assert.equal(
    html.match(/src="\/static\/build\/Widget-bbbb\.js"/g)?.length,
    1,
  );
  assert.equal(html.match(/src="\/static\/build\/Other-dddd\.js"/g)?.length, 1);
  assert.ok(!html.includes("Unused"));
  assert.equal(
    html.match(/rel="modulepreload" href="\/static\/build\/chunk-C\.js"/g)
      ?.length,
    1,
  );
  assert.ok(
    html.includes('<link rel="stylesheet" href="/static/build/app-aaaa.css">'),
  );
});

Deno.test("renderPage applies status and headers, and a default title", async () => {
  const NoTitle = () => <p>x</p>;
  const res = await renderPage(NoTitle, props("a"), {
    assets,
    status: 404,
    headers: { "x-extra": "1", "cache-control": "no-cache" },
    defaultTitle: "Not found",
  });
  assert.equal(res.status, 404);
  assert.equal(res.headers.get("x-extra"), "1");
  assert.equal(res.headers.get("cache-control"), "no-cache");
  assert.ok((await res.text()).includes("<title>Not found</title>"));
});

Deno.test("renderPage without a build emits no scripts", async () => {
  const res = await renderPage(Page, props("a"), {
    assets: {
      version: 1,
      sourceHash: "",
      styles: ["/static/app.css"],
      islands: {},
    },
  });
  const html = await res.text();
  assert.ok(!html.includes('<script type="module"'));
  assert.ok(
    html.includes('data-island="Widget"'),
    "markers stay: the HTML is the same",
  );
});
