/**
 * The "replying to …" bar above the composer while the person writes a
 * reply: who and what they answer, and a button to write a plain message
 * instead.
 *
 * @module
 */
import type { JSX } from "preact";
import { excerpt } from "./excerpt.ts";
import type { MessageView } from "./message_item.tsx";

/** Props of {@linkcode ReplyBar}. */
export interface ReplyBarProps {
  /** The message being answered. */
  to: MessageView;
  onCancel: () => void;
}

/** The bar; the island renders it only while a reply is being written. */
export function ReplyBar(props: ReplyBarProps): JSX.Element {
  return (
    <div class="reply-bar" role="status">
      <span class="reply-bar-what">
        Replying to <strong>{props.to.user.name}</strong>:{" "}
        <span class="reply-bar-text">{excerpt(props.to.text)}</span>
      </span>
      <button
        type="button"
        class="icon-button"
        aria-label="Cancel reply"
        title="Cancel reply"
        onClick={props.onCancel}
      >
        <span aria-hidden="true">✕</span>
      </button>
    </div>
  );
}
