/**
 * One message in a room's list, stored or still on its way: avatar, name and
 * time for the first of a group, then the text as Markdown, an "edited"
 * marker, a placeholder once deleted, and the delivery state of the
 * person's own messages. Sequence numbers stay out of sight (they are in
 * `id="m-<seq>"` and `data-seq`, for links and tests).
 *
 * @module
 */
import type { JSX } from "preact";
import type { ChatMessage } from "../protocol/types.ts";
import { Markdown } from "../render/markdown.ts";
import { Avatar } from "./avatar.tsx";
import { absoluteTimeUtc, clockTime } from "./time.ts";

/** Where one of the person's own messages stands. */
export type Delivery = "queued" | "sending" | "stored" | "failed";

/** What a message row shows. */
export interface MessageView
  extends
    Pick<ChatMessage, "id" | "user" | "text" | "ts" | "edited" | "deleted"> {
  /** Stored position; absent while pending. */
  seq?: number;
  /** Set on the person's own messages. */
  delivery?: Delivery;
  /** Why a failed message failed. */
  error?: string;
}

/** Props of {@linkcode MessageItem}. */
export interface MessageItemProps {
  message: MessageView;
  /** Continues the previous message's group: no avatar or name. */
  continued?: boolean;
  /** Times in the browser's zone (after hydration) instead of UTC. */
  localTime?: boolean;
  onRetry?: (id: string) => void;
  onDiscard?: (id: string) => void;
}

const STATE_TEXT: Record<Exclude<Delivery, "failed">, string> = {
  queued: "Waiting for connection…",
  sending: "Sending…",
  stored: "Sent",
};

function DeliveryState(props: MessageItemProps): JSX.Element | null {
  const { delivery, error, id } = props.message;
  if (!delivery) return null;
  if (delivery === "failed") {
    return (
      <span class="msg-state msg-state--failed" data-state="failed">
        Not sent{error ? `: ${error}` : ""} {props.onRetry && (
          <button
            type="button"
            class="link-button"
            onClick={() => props.onRetry!(id)}
          >
            Retry
          </button>
        )} {props.onDiscard && (
          <button
            type="button"
            class="link-button"
            onClick={() => props.onDiscard!(id)}
          >
            Discard
          </button>
        )}
      </span>
    );
  }
  if (delivery === "stored") {
    // A quiet tick: "Sent" is for screen readers and the tooltip.
    return (
      <span class="msg-state" data-state="stored" title="Sent">
        <span aria-hidden="true">✓</span>
        <span class="sr-only">{STATE_TEXT.stored}</span>
      </span>
    );
  }
  return (
    <span class="msg-state" data-state={delivery}>{STATE_TEXT[delivery]}</span>
  );
}

/** A message row. */
export function MessageItem(props: MessageItemProps): JSX.Element {
  const { message, continued, localTime = false } = props;
  const fullTime = (ts: number) =>
    localTime ? new Date(ts).toLocaleString() : absoluteTimeUtc(ts);
  const time = (
    <time
      class="msg-time"
      dateTime={new Date(message.ts).toISOString()}
      title={fullTime(message.ts)}
    >
      {clockTime(message.ts, localTime)}
      {localTime ? "" : " UTC"}
    </time>
  );
  const classes = ["msg"];
  if (message.delivery !== undefined) classes.push("msg--own");
  if (continued) classes.push("msg--continued");
  if (message.deleted) classes.push("msg--deleted");
  return (
    <li
      class={classes.join(" ")}
      id={message.seq === undefined ? undefined : `m-${message.seq}`}
      data-seq={message.seq}
      data-id={message.id}
      data-user-id={message.user.id}
    >
      {continued ? <span class="msg-gutter">{time}</span> : (
        <>
          <Avatar user={message.user} />
          <div class="msg-meta">
            <span class="msg-author">{message.user.name}</span> {time}
          </div>
        </>
      )}
      {message.deleted
        ? <p class="msg-text msg-deleted">This message was deleted.</p>
        : (
          <div class="msg-text">
            <Markdown text={message.text} />
          </div>
        )}
      {message.edited !== undefined && !message.deleted && (
        <span class="msg-edited" title={`Edited ${fullTime(message.edited)}`}>
          (edited)
        </span>
      )}
      <DeliveryState {...props} />
    </li>
  );
}
