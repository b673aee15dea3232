import assert from "node:assert/strict";
import {
  IMMUTABLE,
  isImmutablePath,
  REVALIDATE,
  serveStatic,
  staticPathExtension,
} from "./serve_static.ts";

Deno.test("staticPathExtension refuses traversal, hidden files and unknown types", () => {
  assert.equal(staticPathExtension("app.css"), "css");
  assert.equal(staticPathExtension("build/RoomChat-0123456789ab.js"), "js");
  for (
    const bad of [
      "",
      "../deno.json",
      "build/../../main.ts",
      "./app.css",
      ".hidden.css",
      "build/.entries/x.js",
      "a//b.css",
      "/etc/passwd.txt",
      "app.css/",
      "x\\..\\y.css",
      "main.ts",
      "build/x.js.gz",
      "noext",
      "a\u0000.css",
    ]
  ) {
    assert.equal(staticPathExtension(bad), null, bad);
  }
});

Deno.test("isImmutablePath matches only content-hashed build files", () => {
  assert.ok(isImmutablePath("build/RoomChat-0123456789ab.js"));
  assert.ok(isImmutablePath("build/app-0123456789ab.css"));
  assert.ok(isImmutablePath("build/chunk-ZEDAANDG.js"));
  assert.ok(isImmutablePath("build/mention_picker-EUJOOC6W.js"));
  assert.ok(!isImmutablePath("build/mention_picker-euJOOC6W.js"));
  assert.ok(!isImmutablePath("build/manifest.json"));
  assert.ok(!isImmutablePath("app.css"));
  assert.ok(!isImmutablePath("build/RoomChat.js"));
});

async function withRoot(fn: (root: URL) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "serve_static_test_" });
  await Deno.mkdir(`${dir}/static/build`, { recursive: true });
  await Deno.writeTextFile(`${dir}/secret.txt`, "secret");
  await Deno.writeTextFile(
    `${dir}/static/app.css`,
    "body { color: red; }\n".repeat(40),
  );
  await Deno.writeTextFile(
    `${dir}/static/build/X-0123456789ab.js`,
    "console.log(1);",
  );
  const gz = new Uint8Array(
    await new Response(
      new Blob(["console.log(1);"]).stream().pipeThrough(
        new CompressionStream("gzip"),
      ),
    ).arrayBuffer(),
  );
  await Deno.writeFile(`${dir}/static/build/X-0123456789ab.js.gz`, gz);
  try {
    await fn(new URL(`file://${dir}/static/`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const get = (headers: HeadersInit = {}, method = "GET") =>
  new Request("http://localhost/static/x", { method, headers });

Deno.test("serveStatic serves hashed build files immutably, gzipped when accepted", async () => {
  await withRoot(async (root) => {
    const plain = await serveStatic(get(), "build/X-0123456789ab.js", root);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get("cache-control"), IMMUTABLE);
    assert.equal(
      plain.headers.get("content-type"),
      "text/javascript; charset=utf-8",
    );
    assert.equal(plain.headers.get("x-content-type-options"), "nosniff");
    assert.equal(plain.headers.get("content-encoding"), null);
    assert.equal(await plain.text(), "console.log(1);");

    const gz = await serveStatic(
      get({ "accept-encoding": "gzip, br" }),
      "build/X-0123456789ab.js",
      root,
    );
    assert.equal(gz.headers.get("content-encoding"), "gzip");
    const body = gz.body!.pipeThrough(new DecompressionStream("gzip"));
    assert.equal(await new Response(body).text(), "console.log(1);");
    assert.notEqual(gz.headers.get("etag"), plain.headers.get("etag"));
  });
});

Deno.test("serveStatic revalidates other files with ETag and 304", async () => {
  await withRoot(async (root) => {
    const first = await serveStatic(get(), "app.css", root);
    assert.equal(first.headers.get("cache-control"), REVALIDATE);
    const etag = first.headers.get("etag")!;
    await first.body?.cancel();
    const again = await serveStatic(
      get({ "if-none-match": etag }),
      "app.css",
      root,
    );
    assert.equal(again.status, 304);
    assert.equal(again.body, null);

    const onTheFly = await serveStatic(
      get({ "accept-encoding": "gzip" }),
      "app.css",
      root,
    );
    assert.equal(onTheFly.headers.get("content-encoding"), "gzip");
    const text = await new Response(
      onTheFly.body!.pipeThrough(new DecompressionStream("gzip")),
    ).text();
    assert.equal(text, "body { color: red; }\n".repeat(40));

    const head = await serveStatic(get({}, "HEAD"), "app.css", root);
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), String(21 * 40));
    assert.equal(head.body, null);
  });
});

Deno.test("serveStatic answers 404 outside the root and for missing files", async () => {
  await withRoot(async (root) => {
    for (
      const path of [
        "../secret.txt",
        "missing.css",
        "build",
        "build/X-0123456789ab.js.gz",
      ]
    ) {
      const res = await serveStatic(get(), path, root);
      assert.equal(res.status, 404, path);
      await res.body?.cancel();
    }
  });
});
