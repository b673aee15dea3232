/**
 * Server side of islands: {@linkcode defineIsland} wraps an interactive
 * component so that, when a page renders it, its output is marked (see
 * `markers.ts`) and its props are embedded for the browser runtime.
 *
 * @module
 */
import { type ComponentType, createContext, type JSX } from "preact";
import { useContext } from "preact/hooks";
import { CollectorContext } from "./collector.ts";
import {
  ISLAND_ATTR,
  ISLAND_ID_ATTR,
  ISLAND_NAME_PATTERN,
  PROPS_ATTR,
} from "./markers.ts";
import { serializeProps } from "./serialize.ts";

/** True within an island's subtree, whose nested islands render plainly. */
const InsideIslandContext = createContext(false);

/**
 * Returns a component that renders `Component` as the island `name`.
 * `name` must be the base name of the island's file in `islands/`
 * (`islands/RoomChat.tsx` → `"RoomChat"`); the build bundles one browser
 * entry per file and the runtime hydrates by that name. Props must be JSON
 * data. An island rendered inside another island, or outside
 * {@linkcode renderBody} (as in the browser), renders as plain markup.
 *
 * @example
 * ```tsx
 * import { defineIsland } from "../lib/render/island.tsx";
 * import RoomChat from "../islands/RoomChat.tsx";
 * const RoomChatIsland = defineIsland("RoomChat", RoomChat);
 * // in a page: <RoomChatIsland room="general" … />
 * ```
 */
export function defineIsland<P extends object>(
  name: string,
  Component: ComponentType<P>,
): ComponentType<P> {
  if (!ISLAND_NAME_PATTERN.test(name)) {
    throw new TypeError(`Invalid island name ${JSON.stringify(name)}`);
  }
  function Island(props: P): JSX.Element {
    const collector = useContext(CollectorContext);
    const inside = useContext(InsideIslandContext);
    // In the browser (no collector) and inside another island, render plainly.
    if (!collector || inside) return <Component {...props} />;
    const id = collector.islands.length;
    const json = serializeProps(props);
    collector.islands.push({ name, id });
    const scriptAttrs = { type: "application/json", [PROPS_ATTR]: String(id) };
    const wrapperAttrs = { [ISLAND_ATTR]: name, [ISLAND_ID_ATTR]: String(id) };
    return (
      <>
        <script {...scriptAttrs} dangerouslySetInnerHTML={{ __html: json }} />
        <div {...wrapperAttrs}>
          <InsideIslandContext.Provider value>
            <Component {...props} />
          </InsideIslandContext.Provider>
        </div>
      </>
    );
  }
  Island.displayName = `Island(${name})`;
  return Island;
}
