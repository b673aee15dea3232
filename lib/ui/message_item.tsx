/**
 * One message in a room's list, stored or still on its way: avatar, name and
 * time for the first of a group, the quote of the message it replies to,
 * then the text as Markdown (or the inline editor), an "edited" marker, a
 * placeholder once deleted, reaction chips, the delivery state of the
 * person's own messages, and, live, the actions (toolbar, emoji picker,
 * delete confirmation). A message that mentions the person is highlighted,
 * and the `@name`s it mentions are marked. Sequence numbers stay out of sight (they are in
 * `id="m-<seq>"` and `data-seq`, for links and tests).
 *
 * @module
 */
import type { JSX } from "preact";
import type { ChatMessage } from "../protocol/types.ts";
import { Markdown } from "../render/markdown.ts";
import { Avatar } from "./avatar.tsx";
import { EmojiPicker } from "./emoji_picker.tsx";
import {
  DeleteConfirm,
  type MessageActions,
  MessageToolbar,
} from "./message_actions.tsx";
import { MessageEditor } from "./message_editor.tsx";
import { PersonMenu, type PersonMenuContext, PersonName } from "./person.tsx";
import { ReactionChips } from "./reaction_chips.tsx";
import { mentionDecorator } from "./mentions.ts";
import { ReplyPreview } from "./reply_preview.tsx";
import { absoluteTimeUtc, clockTime } from "./time.ts";

/** Where one of the person's own messages stands. */
export type Delivery = "queued" | "sending" | "stored" | "failed";

/** What a message row shows. */
export interface MessageView extends
  Pick<
    ChatMessage,
    | "id"
    | "user"
    | "text"
    | "ts"
    | "edited"
    | "deleted"
    | "replyTo"
    | "reactions"
    | "mentions"
  > {
  /** Stored position; absent while pending. */
  seq?: number;
  /** Set on the person's own messages. */
  delivery?: Delivery;
  /** Why a failed message failed. */
  error?: string;
  /** The person's change to this message that the server refused. */
  failedChange?: {
    /** The change's outbox id (for retry and discard). */
    id: string;
    /** "edit", "deletion" or "reaction". */
    what: string;
    error?: string;
  };
}

/** Props of {@linkcode MessageItem}. */
export interface MessageItemProps {
  message: MessageView;
  /** Continues the previous message's group: no avatar or name. */
  continued?: boolean;
  /** Times in the browser's zone (after hydration) instead of UTC. */
  localTime?: boolean;
  /** The message this one replies to, when it is loaded. */
  original?: MessageView;
  /** Where the reply's quote links to without JavaScript. */
  replyHref?: string;
  /** Display names by user id, for who reacted and whom it mentions. */
  names?: ReadonlyMap<string, string>;
  /** The person's user id: a message mentioning them is highlighted. */
  meId?: string;
  /** Live: what the person can do to the message. */
  actions?: MessageActions;
  /** Without JavaScript: the page where its author edits or deletes it. */
  editHref?: string;
  /** The author's name opens a menu (message them, moderate). */
  person?: PersonMenuContext;
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

function FailedChange(props: MessageItemProps): JSX.Element | null {
  const change = props.message.failedChange;
  if (!change) return null;
  return (
    <span class="msg-state msg-state--failed" data-state="change-failed">
      Your {change.what} was not saved{change.error ? `: ${change.error}` : ""}
      {" "}
      {props.onRetry && (
        <button
          type="button"
          class="link-button"
          onClick={() => props.onRetry!(change.id)}
        >
          Retry
        </button>
      )} {props.onDiscard && (
        <button
          type="button"
          class="link-button"
          onClick={() => props.onDiscard!(change.id)}
        >
          Undo
        </button>
      )}
    </span>
  );
}

const NO_NAMES: ReadonlyMap<string, string> = new Map();

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
  const { actions, names = NO_NAMES } = props;
  const seq = message.seq;
  const mine = message.delivery !== undefined;
  const active = actions?.active;
  const mode = active && seq !== undefined && active.seq === seq
    ? active.mode
    : null;
  const classes = ["msg"];
  if (mine) classes.push("msg--own");
  if (continued) classes.push("msg--continued");
  if (message.deleted) classes.push("msg--deleted");
  if (mode) classes.push("msg--active");
  if (actions && seq !== undefined && actions.highlight === seq) {
    classes.push("msg--highlight");
  }
  const mentions = message.mentions ?? [];
  if (props.meId !== undefined && mentions.includes(props.meId)) {
    classes.push("msg--mention");
  }
  // Mentions whose name is known (online, or an author on the page) are
  // marked in the text.
  const mentioned = mentions.flatMap((id) => names.get(id) ?? []);
  // Actions apply to stored messages only: the others have no seq to name.
  const canAct = actions && seq !== undefined && !message.deleted;
  const reactions = message.reactions ?? {};
  const meId = actions?.meId;
  const myEmoji = meId === undefined
    ? []
    : Object.keys(reactions).filter((e) => reactions[e].includes(meId));
  return (
    <li
      class={classes.join(" ")}
      id={seq === undefined ? undefined : `m-${seq}`}
      data-seq={seq}
      data-id={message.id}
      data-user-id={message.user.id}
    >
      {continued ? <span class="msg-gutter">{time}</span> : (
        <>
          <Avatar user={message.user} />
          <div class="msg-meta">
            {props.person
              ? (
                <PersonMenu
                  {...props.person}
                  user={message.user}
                  nameClass="msg-author"
                  me={message.user.id === props.person.meId}
                />
              )
              : <PersonName user={message.user} nameClass="msg-author" />}{" "}
            {time}
          </div>
        </>
      )}
      {message.replyTo !== undefined && (
        <ReplyPreview
          replyTo={message.replyTo}
          original={props.original}
          href={props.replyHref ?? `#m-${message.replyTo}`}
          onJump={actions?.jump}
        />
      )}
      {message.deleted
        ? <p class="msg-text msg-deleted">This message was deleted.</p>
        : mode === "edit"
        ? (
          <MessageEditor
            text={message.text}
            error={actions?.editError}
            onSave={(text) => actions?.save(seq!, text)}
            onCancel={() => actions?.setMode(seq!, null)}
          />
        )
        : (
          <div class="msg-text">
            <Markdown
              text={message.text}
              decorate={mentioned.length === 0 ? undefined : mentionDecorator(
                mentioned,
                props.meId === undefined ? undefined : names.get(props.meId),
              )}
            />
          </div>
        )}
      {message.edited !== undefined && !message.deleted && mode !== "edit" && (
        <span class="msg-edited" title={`Edited ${fullTime(message.edited)}`}>
          (edited)
        </span>
      )}
      {!message.deleted && (
        <ReactionChips
          reactions={reactions}
          names={names}
          meId={meId}
          onToggle={canAct
            ? (emoji, on) => actions.react(seq, emoji, on)
            : undefined}
        />
      )}
      {canAct && mode === "react" && (
        <EmojiPicker
          present={Object.keys(reactions)}
          mine={myEmoji}
          onPick={(emoji, on) => actions.react(seq, emoji, on)}
          onClose={() => actions.setMode(seq, null)}
        />
      )}
      {canAct && mode === "delete" && (
        <DeleteConfirm
          onDelete={() => actions.remove(seq)}
          onCancel={() => actions.setMode(seq, null)}
        />
      )}
      <DeliveryState {...props} />
      <FailedChange {...props} />
      {canAct && mode !== "edit" && (
        <MessageToolbar
          seq={seq}
          mine={mine}
          actions={actions}
        />
      )}
      {!actions && props.editHref && mine && seq !== undefined &&
        !message.deleted && (
        <a class="msg-edit-link" href={props.editHref}>
          Edit or delete<span class="sr-only">
            {` your message from ${clockTime(message.ts, localTime)}`}
          </span>
        </a>
      )}
    </li>
  );
}
