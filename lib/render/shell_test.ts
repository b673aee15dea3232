import assert from "node:assert/strict";
import { documentHtml, escapeHtml } from "./shell.ts";

Deno.test("escapeHtml escapes markup and quotes", () => {
  assert.equal(
    escapeHtml(`<a href="x">'&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
  );
});

Deno.test("documentHtml has no inline script, and escapes the title", () => {
  const html = documentHtml({
    title: "</title><script>alert(1)</script>",
    bodyHtml: "<main>hi</main>",
    styles: ["/static/build/app-1.css"],
    scripts: ["/static/build/RoomChat-2.js"],
    preloads: ["/static/build/chunk-3.js"],
  });
  assert.match(html, /^<!DOCTYPE html><html lang="en">/);
  assert.ok(
    html.includes(
      "<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>",
    ),
  );
  assert.ok(
    html.includes('<link rel="stylesheet" href="/static/build/app-1.css">'),
  );
  assert.ok(
    html.includes('<link rel="modulepreload" href="/static/build/chunk-3.js">'),
  );
  assert.ok(
    html.includes(
      '<script type="module" src="/static/build/RoomChat-2.js"></script>',
    ),
  );
  assert.ok(
    html.includes(
      '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">',
    ),
  );
  // Every script element is external.
  for (const m of html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
    assert.match(m[1], /src=/);
    assert.equal(m[2], "");
  }
  assert.ok(html.endsWith("<body><main>hi</main></body></html>"));
});

Deno.test("documentHtml links the manifest, the touch icon and theme colours", () => {
  const html = documentHtml({
    title: "t",
    bodyHtml: "",
    styles: [],
    scripts: [],
    preloads: [],
  });
  assert.ok(
    html.includes('<link rel="manifest" href="/manifest.webmanifest">'),
  );
  assert.ok(
    html.includes(
      '<link rel="apple-touch-icon" href="/static/icons/apple-touch-icon.png">',
    ),
  );
  assert.ok(
    html.includes(
      '<meta name="theme-color" content="#111318" media="(prefers-color-scheme: dark)">',
    ),
  );
});
