/**
 * Draws the web app manifest's PNG icons from `static/favicon.svg` with
 * Chromium (the browser tests' one), into `static/icons/`. Run once when
 * the mark changes, and commit the PNGs:
 *
 * ```sh
 * deno run -A lib/build/icons.ts
 * ```
 *
 * `icon-192.png` and `icon-512.png` are the mark as it is (rounded, with
 * transparent corners); `maskable-512.png` and `apple-touch-icon.png` fill
 * the whole square with the mark's blue and shrink the mark into the middle,
 * because their platforms cut their own shape out of the square (a
 * maskable icon's safe zone is the centred circle of 80 % of its width).
 *
 * @module
 */
import { chromium } from "playwright-core";

const STATIC = new URL("../../static/", import.meta.url);

/** The mark with a full-bleed background, its drawing scaled by `scale`. */
function fullBleed(svg: string, scale: number): string {
  const rect = /<rect width="32" height="32" rx="8" fill="(#[0-9a-f]{6})" \/>/;
  const found = rect.exec(svg);
  if (!found) throw new Error("favicon.svg: the background rect changed");
  const inner = svg.replace(/^<svg[^>]*>/, "").replace(/<\/svg>\s*$/, "")
    .replace(rect, "");
  const offset = 16 * (1 - scale);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">` +
    `<rect width="32" height="32" fill="${found[1]}" />` +
    `<g transform="translate(${offset} ${offset}) scale(${scale})">${inner}</g>` +
    `</svg>`;
}

if (import.meta.main) {
  const favicon = await Deno.readTextFile(new URL("favicon.svg", STATIC));
  const icons: [file: string, svg: string, size: number][] = [
    ["icon-192.png", favicon, 192],
    ["icon-512.png", favicon, 512],
    ["maskable-512.png", fullBleed(favicon, 0.7), 512],
    ["apple-touch-icon.png", fullBleed(favicon, 0.8), 180],
  ];
  const browser = await chromium.launch({
    executablePath: Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"],
  });
  try {
    const page = await browser.newPage();
    for (const [file, svg, size] of icons) {
      await page.setViewportSize({ width: size, height: size });
      const src = `data:image/svg+xml;base64,${btoa(svg)}`;
      await page.setContent(
        `<body style="margin:0"><img src="${src}" width="${size}" height="${size}" style="display:block"></body>`,
      );
      await page.waitForFunction(() => document.images[0].complete);
      const png = await page.screenshot({
        omitBackground: true,
        clip: { x: 0, y: 0, width: size, height: size },
      });
      await Deno.writeFile(new URL(`icons/${file}`, STATIC), png);
      console.log(`static/icons/${file}: ${size}×${size}, ${png.length} bytes`);
    }
  } finally {
    await browser.close();
  }
}
