import assert from "node:assert/strict";
import {
  buildRoutesManifest,
  comparePatterns,
  fileToPattern,
  generateRoutesManifest,
  PROJECT_PATHS,
  scanIslands,
  scanRoutes,
  writeRoutesManifest,
} from "./routes_manifest.ts";

Deno.test("fileToPattern maps files to URLPattern pathnames", () => {
  const cases: [string, string][] = [
    ["index.tsx", "/"],
    ["ws.ts", "/ws"],
    ["rooms/[room].tsx", "/rooms/:room"],
    ["rooms/index.tsx", "/rooms"],
    ["api/rooms/[room]/messages.ts", "/api/rooms/:room/messages"],
    ["static/[...path].ts", "/static/:path*"],
    ["docs/v1.2.ts", "/docs/v1.2"],
  ];
  for (const [file, pattern] of cases) {
    assert.equal(fileToPattern(file), pattern, file);
  }
  assert.throws(() => fileToPattern("a/[...rest]/b.ts"), /last segment/);
  assert.throws(
    () => fileToPattern("a/[bad-name].ts"),
    /not a valid route segment/,
  );
  assert.throws(() => fileToPattern("a b.ts"), /not a valid route segment/);
});

Deno.test("comparePatterns puts static segments before params before catch-alls", () => {
  const sorted = [
    "/static/:path*",
    "/rooms/:room",
    "/:page",
    "/rooms/new",
    "/",
    "/api/rooms/:room/messages",
    "/api/rooms",
    "/api/rooms/:room",
    "/rooms",
  ].sort(comparePatterns);
  assert.deepEqual(sorted, [
    "/",
    "/api/rooms",
    "/api/rooms/:room",
    "/api/rooms/:room/messages",
    "/rooms",
    "/rooms/new",
    "/rooms/:room",
    "/static/:path*",
    "/:page",
  ]);
});

async function fixture(files: string[]): Promise<URL> {
  const root = await Deno.makeTempDir({ prefix: "routes_manifest_test_" });
  for (const file of files) {
    const path = `${root}/${file}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, "export {};\n");
  }
  return new URL(`file://${root}/`);
}

Deno.test("scanRoutes finds route files and skips tests, private and hidden files", async () => {
  const root = await fixture([
    "routes/index.tsx",
    "routes/rooms/[room].tsx",
    "routes/rooms/new.tsx",
    "routes/rooms/room_test.ts",
    "routes/_helpers.ts",
    "routes/_private/x.ts",
    "routes/.hidden.ts",
    "routes/types.d.ts",
    "routes/readme.md",
  ]);
  try {
    const routes = await scanRoutes(new URL("routes/", root));
    assert.deepEqual(routes, [
      { file: "index.tsx", pattern: "/" },
      { file: "rooms/new.tsx", pattern: "/rooms/new" },
      { file: "rooms/[room].tsx", pattern: "/rooms/:room" },
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("scanRoutes refuses two files serving one pattern", async () => {
  const root = await fixture(["routes/a.ts", "routes/a/index.ts"]);
  try {
    await assert.rejects(
      () => scanRoutes(new URL("routes/", root)),
      /both serve \/a/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("scanIslands lists top-level island names and refuses bad file names", async () => {
  const root = await fixture([
    "islands/RoomChat.tsx",
    "islands/Lobby.tsx",
    "islands/Lobby_test.tsx",
    "islands/_shared.ts",
    "islands/parts/Message.tsx",
  ]);
  try {
    assert.deepEqual(await scanIslands(new URL("islands/", root)), [
      "Lobby",
      "RoomChat",
    ]);
    await Deno.writeTextFile(new URL("islands/room-chat.tsx", root), "");
    await assert.rejects(
      () => scanIslands(new URL("islands/", root)),
      /identifier/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("generateRoutesManifest keeps the manifest format", () => {
  const text = generateRoutesManifest(
    [{ file: "index.tsx", pattern: "/" }, {
      file: "rooms/[room].tsx",
      pattern: "/rooms/:room",
    }],
    ["RoomChat"],
  );
  assert.ok(
    text.includes('import type { RouteEntry } from "../http/route_types.ts";'),
  );
  assert.ok(text.includes('import * as $0 from "../../routes/index.tsx";'));
  assert.ok(
    text.includes('import * as $1 from "../../routes/rooms/[room].tsx";'),
  );
  assert.ok(text.includes('{ pattern: "/", module: $0 },'));
  assert.ok(text.includes('{ pattern: "/rooms/:room", module: $1 },'));
  assert.ok(text.includes('export const islands: string[] = ["RoomChat"];'));
});

Deno.test("writeRoutesManifest writes only when the manifest changes", async () => {
  const root = await fixture(["routes/index.tsx", "islands/A.tsx"]);
  const paths = {
    routes: new URL("routes/", root),
    islands: new URL("islands/", root),
    manifest: new URL("lib/generated/routes.gen.ts", root),
  };
  try {
    assert.equal(await writeRoutesManifest(paths), true);
    assert.equal(await writeRoutesManifest(paths), false);
    await Deno.writeTextFile(new URL("routes/about.tsx", root), "export {};\n");
    assert.equal(await writeRoutesManifest(paths), true);
    assert.match(await Deno.readTextFile(paths.manifest), /pattern: "\/about"/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the committed lib/generated/routes.gen.ts is up to date (run `deno task build`)", async () => {
  const expected = await buildRoutesManifest();
  const actual = await Deno.readTextFile(PROJECT_PATHS.manifest);
  assert.equal(actual, expected);
});
