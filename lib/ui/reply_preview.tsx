/**
 * The quote above a reply: who wrote the original and its first line. It
 * is a link to the original (`#m-<seq>`), so it works without JavaScript
 * when the original is on the page; live, the island scrolls to it and
 * highlights it, loading older messages first when it is not loaded.
 *
 * @module
 */
import type { JSX } from "preact";
import { excerpt } from "./excerpt.ts";
import type { MessageView } from "./message_item.tsx";

/** Props of {@linkcode ReplyPreview}. */
export interface ReplyPreviewProps {
  /** The `seq` of the original. */
  replyTo: number;
  /** The original; absent when it is not loaded. */
  original?: MessageView;
  /** Where the link goes without JavaScript. */
  href: string;
  /** Live: scroll to the original instead of following the link. */
  onJump?: (seq: number) => void;
}

/** The reply's quote of its original. */
export function ReplyPreview(props: ReplyPreviewProps): JSX.Element {
  const { original } = props;
  let body: JSX.Element;
  if (!original) {
    body = <span class="msg-reply-text">an earlier message</span>;
  } else if (original.deleted) {
    body = <span class="msg-reply-text">a deleted message</span>;
  } else {
    body = (
      <>
        <span class="msg-reply-author">{original.user.name}</span>{" "}
        <span class="msg-reply-text">{excerpt(original.text)}</span>
      </>
    );
  }
  return (
    <a
      class="msg-reply"
      href={props.href}
      data-reply-to={props.replyTo}
      onClick={props.onJump &&
        ((e: MouseEvent) => {
          e.preventDefault();
          props.onJump!(props.replyTo);
        })}
    >
      <span class="msg-reply-icon" aria-hidden="true">↪</span>
      <span class="sr-only">Reply to</span> {body}
    </a>
  );
}
