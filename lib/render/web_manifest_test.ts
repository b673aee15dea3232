import assert from "node:assert/strict";
import { PRODUCT_NAME } from "../ui/brand.tsx";
import { APPLE_TOUCH_ICON_URL, THEME_COLORS } from "./shell.ts";
import { webManifest } from "./web_manifest.ts";

const STATIC = new URL("../../static/", import.meta.url);

/** A PNG's width and height, from its IHDR chunk. */
function pngSize(bytes: Uint8Array): [number, number] {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  assert.deepEqual([...bytes.slice(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
  return [view.getUint32(16), view.getUint32(20)];
}

Deno.test("webManifest: installable (name, start_url, standalone, icons)", () => {
  const m = webManifest() as {
    name: string;
    start_url: string;
    display: string;
    background_color: string;
    icons: { src: string; sizes: string; purpose?: string }[];
  };
  assert.equal(m.name, PRODUCT_NAME);
  assert.equal(m.start_url, "/");
  assert.equal(m.display, "standalone");
  assert.equal(m.background_color, THEME_COLORS.light);
  const sizes = m.icons.map((i) =>
    `${i.sizes}${i.purpose ? ` ${i.purpose}` : ""}`
  );
  assert.deepEqual(sizes, ["192x192", "512x512", "512x512 maskable", "any"]);
});

Deno.test("the manifest's PNG icons and the touch icon exist at their sizes", async () => {
  const icons = (webManifest().icons as { src: string; sizes: string }[])
    .filter((i) => i.src.endsWith(".png"))
    .map((i) => [i.src, i.sizes]);
  icons.push([APPLE_TOUCH_ICON_URL, "180x180"]);
  for (const [src, sizes] of icons) {
    const bytes = await Deno.readFile(
      new URL(src.slice("/static/".length), STATIC),
    );
    assert.equal(pngSize(bytes).join("x"), sizes, src);
  }
});
