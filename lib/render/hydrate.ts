/**
 * The browser runtime of islands: finds the markers the server rendered (see
 * `markers.ts`) and hydrates only those elements, each with its JSON props.
 * The rest of the page stays static HTML.
 *
 * @module
 */
import { type ComponentType, h, hydrate } from "preact";
import { ISLAND_ATTR, ISLAND_ID_ATTR, PROPS_ATTR } from "./markers.ts";
import { parseProps } from "./serialize.ts";

/** Attribute set on an island's wrapper once it has hydrated (tests wait for it). */
export const HYDRATED_ATTR = "data-hydrated";

/** Minimal DOM surface the runtime needs, so it can be tested without a browser. */
export interface IslandRoot {
  querySelectorAll(selectors: string): ArrayLike<Element>;
  querySelector(selectors: string): Element | null;
}

/**
 * Reads the props of the island with page id `id` under `root`; `{}` when it
 * has no props script.
 */
export function readIslandProps(
  root: IslandRoot,
  id: string,
): Record<string, unknown> {
  const script = root.querySelector(
    `script[${PROPS_ATTR}="${CSS.escape(id)}"]`,
  );
  if (!script?.textContent) return {};
  const value = parseProps(script.textContent);
  return typeof value === "object" && value !== null
    ? value as Record<string, unknown>
    : {};
}

/**
 * Hydrates every not-yet-hydrated island named `name` under `root` with
 * `Component`. Returns how many it hydrated. An island that throws is
 * reported on the console and left as server-rendered HTML.
 */
export function hydrateIslands<P>(
  name: string,
  Component: ComponentType<P>,
  root: IslandRoot = document,
): number {
  let count = 0;
  const wrappers = root.querySelectorAll(
    `[${ISLAND_ATTR}="${CSS.escape(name)}"]`,
  );
  for (let i = 0; i < wrappers.length; i++) {
    const el = wrappers[i];
    if (el.hasAttribute(HYDRATED_ATTR)) continue;
    try {
      const props = readIslandProps(
        root,
        el.getAttribute(ISLAND_ID_ATTR) ?? "",
      );
      hydrate(
        h(Component as ComponentType<Record<string, unknown>>, props),
        el,
      );
      el.setAttribute(HYDRATED_ATTR, "");
      count++;
    } catch (err) {
      console.error(`Island "${name}" failed to hydrate`, err);
    }
  }
  return count;
}
