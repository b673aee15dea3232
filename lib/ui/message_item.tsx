/**
 * One message in a room's list, stored or still on its way.
 *
 * @module
 */
import type { JSX } from "preact";
import type { User } from "../protocol/types.ts";
import { MessageText } from "./message_text.tsx";
import { absoluteTimeUtc, relativeTime } from "./time.ts";

/** Where one of the person's own messages stands. */
export type Delivery = "queued" | "sending" | "stored" | "failed";

/** What a message row shows. */
export interface MessageView {
  /** Stored position; absent while pending. */
  seq?: number;
  id: string;
  user: User;
  text: string;
  ts: number;
  /** Set on the person's own messages. */
  delivery?: Delivery;
  /** Why a failed message failed. */
  error?: string;
}

/** Props of {@linkcode MessageItem}. */
export interface MessageItemProps {
  message: MessageView;
  /** The clock relative times are computed against. */
  now: number;
  /** Absolute times in the browser's locale (after hydration) instead of UTC. */
  localTime?: boolean;
  onRetry?: (id: string) => void;
  onDiscard?: (id: string) => void;
}

const STATE_TEXT: Record<Exclude<Delivery, "stored" | "failed">, string> = {
  queued: "Waiting for connection…",
  sending: "Sending…",
};

function DeliveryState(props: MessageItemProps): JSX.Element | null {
  const { delivery, seq, error, id } = props.message;
  if (!delivery) return null;
  if (delivery === "stored") {
    return (
      <span
        class="msg-state"
        data-state="stored"
        title={`Stored as message #${seq}`}
      >
        ✓ #{seq}
      </span>
    );
  }
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
  return (
    <span class="msg-state" data-state={delivery}>{STATE_TEXT[delivery]}</span>
  );
}

/** A message row: author, time, delivery state (own messages) and text. */
export function MessageItem(props: MessageItemProps): JSX.Element {
  const { message, now } = props;
  const own = message.delivery !== undefined;
  const title = props.localTime
    ? new Date(message.ts).toLocaleString()
    : absoluteTimeUtc(message.ts);
  return (
    <li
      class={own ? "msg msg--own" : "msg"}
      id={message.seq === undefined ? undefined : `m-${message.seq}`}
      data-seq={message.seq}
      data-id={message.id}
    >
      <div class="msg-meta">
        <span class="msg-author">{message.user.name}</span>{" "}
        <time dateTime={new Date(message.ts).toISOString()} title={title}>
          {relativeTime(message.ts, now)}
        </time>{" "}
        <DeliveryState {...props} />
      </div>
      <p class="msg-text">
        <MessageText text={message.text} />
      </p>
    </li>
  );
}
