import assert from "node:assert/strict";
import { buildClient, type BuildPaths } from "./build.ts";
import { contentHash } from "./hash.ts";
import { chunkImports, entrySource } from "./client_bundle.ts";

const ROOT = new URL("../../", import.meta.url);

async function fixture(): Promise<{ dir: string; paths: BuildPaths }> {
  const dir = await Deno.makeTempDir({ prefix: "build_test_" });
  await Deno.mkdir(`${dir}/islands`);
  await Deno.writeTextFile(
    `${dir}/islands/Counter.tsx`,
    `import { useState } from "preact/hooks";
export default function Counter(props: { n: number }) {
  const [n, set] = useState(props.n);
  return <button type="button" onClick={() => set(n + 1)}>{n}</button>;
}
`,
  );
  await Deno.writeTextFile(
    `${dir}/islands/Hello.tsx`,
    `export default function Hello(props: { name: string }) {
  return <p>Hello {props.name}</p>;
}
`,
  );
  await Deno.writeTextFile(`${dir}/app.css`, "body { color: red; }\n");
  return {
    dir,
    paths: {
      root: ROOT,
      islands: new URL(`file://${dir}/islands/`),
      styles: [new URL(`file://${dir}/app.css`)],
      outDir: new URL(`file://${dir}/out/`),
      publicPath: "/static/build/",
    },
  };
}

Deno.test("chunkImports finds the chunks an entry imports", () => {
  assert.deepEqual(
    chunkImports(
      'import{a as b}from"./chunk-ABC123.js";import"./chunk-X_Y.js";import"./other.js"',
    ),
    ["chunk-ABC123.js", "chunk-X_Y.js"],
  );
});

Deno.test("entrySource hydrates the island by name", () => {
  const src = entrySource(
    "RoomChat",
    new URL("file:///p/islands/RoomChat.tsx"),
  );
  assert.match(
    src,
    /import Island from "file:\/\/\/p\/islands\/RoomChat\.tsx";/,
  );
  assert.match(src, /hydrateIslands\("RoomChat", Island\);/);
});

Deno.test("buildClient writes hashed, shared-chunk bundles and a manifest; --if-stale skips", async () => {
  const { dir, paths } = await fixture();
  try {
    const first = await buildClient(paths);
    assert.equal(first.skipped, false);
    const m = first.manifest;
    assert.deepEqual(Object.keys(m.islands).sort(), ["Counter", "Hello"]);
    assert.match(m.styles[0], /^\/static\/build\/app-[0-9a-f]{12}\.css$/);
    for (const [name, island] of Object.entries(m.islands)) {
      const match = island.src.match(
        new RegExp(`^/static/build/(${name}-([0-9a-f]{12})\\.js)$`),
      );
      assert.ok(match, island.src);
      const bytes = await Deno.readFile(`${dir}/out/${match[1]}`);
      assert.equal(
        await contentHash(bytes),
        match[2],
        "the name carries the content hash",
      );
      // Preact is shared, not bundled twice.
      assert.ok(island.preload.length >= 1, "imports a shared chunk");
      for (const chunk of island.preload) {
        await Deno.stat(`${dir}/out/${chunk.slice("/static/build/".length)}`);
        await Deno.stat(
          `${dir}/out/${chunk.slice("/static/build/".length)}.gz`,
        );
      }
      await Deno.stat(`${dir}/out/${match[1]}.gz`);
    }
    // Compiled for the DOM, not with the server's precompiled HTML templates.
    for await (const f of Deno.readDir(`${dir}/out`)) {
      if (f.name.endsWith(".js")) {
        assert.ok(
          !(await Deno.readTextFile(`${dir}/out/${f.name}`)).includes("tpl:"),
          f.name,
        );
      }
    }
    const written = JSON.parse(
      await Deno.readTextFile(`${dir}/out/manifest.json`),
    );
    assert.deepEqual(written, m);

    const again = await buildClient(paths, { ifStale: true });
    assert.equal(again.skipped, true);

    // A changed island rebuilds; the previous generation's files stay.
    const oldSrc = m.islands.Hello.src.slice("/static/build/".length);
    await Deno.writeTextFile(
      `${dir}/islands/Hello.tsx`,
      `export default function Hello(props: { name: string }) {\n  return <p>Hi {props.name}</p>;\n}\n`,
    );
    const second = await buildClient(paths, { ifStale: true });
    assert.equal(second.skipped, false);
    assert.notEqual(second.manifest.islands.Hello.src, m.islands.Hello.src);
    await Deno.stat(`${dir}/out/${oldSrc}`);
    await Deno.stat(`${dir}/out/${oldSrc}.gz`);
    assert.ok(second.sizes.Hello.gzipBytes > 0);

    // Two generations later the first one is gone.
    await Deno.writeTextFile(`${dir}/app.css`, "body { color: blue; }\n");
    await buildClient(paths, { ifStale: true });
    await assert.rejects(
      () => Deno.stat(`${dir}/out/${oldSrc}`),
      Deno.errors.NotFound,
    );

    // A missing output file makes --if-stale rebuild.
    const latest = JSON.parse(
      await Deno.readTextFile(`${dir}/out/manifest.json`),
    );
    await Deno.remove(
      `${dir}/out/${latest.islands.Counter.src.slice("/static/build/".length)}`,
    );
    assert.equal((await buildClient(paths, { ifStale: true })).skipped, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
