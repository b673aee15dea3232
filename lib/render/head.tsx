/**
 * Components a page uses to set parts of the document `<head>`.
 *
 * @module
 */
import { useContext } from "preact/hooks";
import { CollectorContext } from "./collector.ts";

/**
 * Sets the page's `<title>`; renders nothing. The last one rendered wins.
 *
 * @example
 * ```tsx
 * import { Title } from "../lib/render/head.tsx";
 * const page = <Title>#general · Chat</Title>;
 * ```
 */
export function Title(props: { children: string | string[] }): null {
  const collector = useContext(CollectorContext);
  if (collector) {
    const { children } = props;
    collector.title = Array.isArray(children) ? children.join("") : children;
  }
  return null;
}
