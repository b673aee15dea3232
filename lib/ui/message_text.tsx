/**
 * A message's text with http(s) URLs as links. Everything is rendered as
 * text nodes and attribute values by Preact: markup in a message never runs.
 *
 * @module
 */
import { Fragment, type JSX } from "preact";
import { linkify } from "./linkify.ts";

/** Renders `text` with safe links (opening in a new tab, no referrer). */
export function MessageText(props: { text: string }): JSX.Element {
  return (
    <>
      {linkify(props.text).map((part, i) =>
        // Text goes in a keyed Fragment, not bare in the array: the server's
        // precompiled JSX would escape strings inside arrays twice.
        part.href === undefined ? <Fragment key={i}>{part.text}</Fragment> : (
          <a
            key={i}
            href={part.href}
            target="_blank"
            rel="noopener noreferrer nofollow ugc"
          >
            {part.text}
          </a>
        )
      )}
    </>
  );
}
