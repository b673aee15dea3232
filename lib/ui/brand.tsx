/**
 * The product's name and mark, linking home: "Comet Chat".
 *
 * @module
 */
import type { JSX } from "preact";
import { FAVICON_URL } from "../render/shell.ts";

/** The product's name, for titles and headers. */
export const PRODUCT_NAME = "Comet Chat";

/** The mark and name as a link to the lobby. */
export function Brand(): JSX.Element {
  return (
    <a href="/" class="brand">
      <img src={FAVICON_URL} alt="" width={28} height={28} />
      {PRODUCT_NAME}
    </a>
  );
}
