/**
 * The island marker format, shared by the server renderer and the browser
 * runtime so the two can never disagree.
 *
 * An island `RoomChat` rendered as the page's first island looks like this:
 *
 * ```html
 * <script type="application/json" data-island-props="0">{"room":"general"}</script>
 * <div data-island="RoomChat" data-island-id="0">…server-rendered markup…</div>
 * ```
 *
 * The props travel as JSON data in a non-executable script element (allowed
 * under a `script-src 'self'` policy); the wrapper element's children are the
 * island's server output, which the runtime hydrates in place. The wrapper is
 * styled `display: contents` so it does not affect layout.
 *
 * @module
 */

/** Attribute on the wrapper element naming the island (its file's base name). */
export const ISLAND_ATTR = "data-island";

/** Attribute on the wrapper element holding the island's page-unique id. */
export const ISLAND_ID_ATTR = "data-island-id";

/** Attribute on the JSON `<script>` holding the props of the island with that id. */
export const PROPS_ATTR = "data-island-props";

/** Island names are file base names: an identifier, PascalCase by convention. */
export const ISLAND_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
