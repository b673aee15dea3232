/**
 * The page for a URL that leads nowhere (API paths answer JSON instead; see
 * `lib/http/router.ts`).
 *
 * @module
 */
import type { JSX } from "preact";
import type { PageProps } from "../http/route_types.ts";
import { Title } from "../render/head.tsx";
import { Brand, PRODUCT_NAME } from "./brand.tsx";

/** The 404 page; `url` names what was asked for. */
export function NotFoundPage(props: PageProps<undefined>): JSX.Element {
  return (
    <main class="page not-found" id="main">
      <Title>{`Page not found · ${PRODUCT_NAME}`}</Title>
      <header class="site-header">
        <Brand />
      </header>
      <h1>Page not found</h1>
      <p>
        There is nothing at <code>{props.url.pathname}</code>.
      </p>
      <p>
        <a href="/">Go to the rooms</a>
      </p>
    </main>
  );
}
