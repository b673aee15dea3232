/**
 * A room's messages as a list: a separator before each new day ("Today",
 * "Yesterday", a date) and before the first unseen message, and one
 * person's consecutive messages grouped under one avatar and name. Replies
 * quote their original when it is in the list, and reactions name who gave
 * them (from the authors and the people online). The same
 * list renders the live island and the server's pages. Separators are list
 * items too, so the list holds only `<li>` (axe `list`/`listitem`).
 *
 * @module
 */
import type { JSX } from "preact";
import type { User } from "../protocol/types.ts";
import type { MessageActions } from "./message_actions.tsx";
import { MessageItem, type MessageView } from "./message_item.tsx";
import type { PersonMenuContext } from "./person.tsx";
import { dayKey, dayLabel } from "./time.ts";

/** Messages further apart than this start a new group. */
export const GROUP_GAP_MS = 5 * 60_000;

/**
 * Whether `cur` continues `prev`'s group: the same person, the same day,
 * within {@linkcode GROUP_GAP_MS}, and neither of them failed to send.
 */
export function continuesGroup(
  prev: MessageView | undefined,
  cur: MessageView,
  local = false,
): boolean {
  return prev !== undefined &&
    prev.user.id === cur.user.id &&
    prev.delivery !== "failed" && cur.delivery !== "failed" &&
    cur.ts - prev.ts >= 0 && cur.ts - prev.ts < GROUP_GAP_MS &&
    dayKey(prev.ts, local) === dayKey(cur.ts, local);
}

/** Props of {@linkcode MessageList}. */
export interface MessageListProps {
  /** Oldest first. */
  messages: readonly MessageView[];
  /** The clock day labels are computed against. */
  now: number;
  /** Times and days in the browser's zone (after hydration) instead of UTC. */
  localTime?: boolean;
  /** The `seq` of the first message the reader has not seen yet. */
  firstUnseen?: number | null;
  /**
   * The room: replies to messages not in the list link to the archive page
   * holding them, and the person's messages to their no-JavaScript edit page.
   */
  room?: string;
  /** More names for reactions than the authors' (who is online). */
  people?: readonly User[];
  /** The person reading: messages that mention them are highlighted. */
  me?: User | null;
  /** Live: what the person can do to messages. */
  actions?: MessageActions;
  /** Authors' names open a menu (message them, moderate). */
  person?: PersonMenuContext;
  onRetry?: (id: string) => void;
  onDiscard?: (id: string) => void;
}

/** The message list. */
export function MessageList(props: MessageListProps): JSX.Element {
  const { messages, now, localTime = false, firstUnseen } = props;
  const { room, actions } = props;
  const items: JSX.Element[] = [];
  const bySeq = new Map<number, MessageView>();
  const names = new Map<string, string>();
  for (const u of props.people ?? []) names.set(u.id, u.name);
  if (props.me) names.set(props.me.id, props.me.name);
  for (const m of messages) {
    if (m.seq !== undefined) bySeq.set(m.seq, m);
    names.set(m.user.id, m.user.name);
  }
  let prev: MessageView | undefined;
  for (const m of messages) {
    const replyTo = m.replyTo;
    const original = replyTo === undefined ? undefined : bySeq.get(replyTo);
    const day = dayKey(m.ts, localTime);
    let continued = continuesGroup(prev, m, localTime);
    if (prev === undefined || dayKey(prev.ts, localTime) !== day) {
      items.push(
        <li key={`day-${day}`} class="sep sep--day">
          <span>{dayLabel(m.ts, now, localTime)}</span>
        </li>,
      );
    }
    if (m.seq !== undefined && m.seq === firstUnseen) {
      continued = false;
      items.push(
        <li key="unseen" class="sep sep--unseen">
          <span>New messages</span>
        </li>,
      );
    }
    items.push(
      <MessageItem
        key={m.id}
        message={m}
        continued={continued}
        localTime={localTime}
        original={original}
        replyHref={replyTo === undefined || original || room === undefined
          ? undefined
          // The archive page that ends with the original shows it.
          : `/rooms/${room}?before=${replyTo + 1}#m-${replyTo}`}
        names={names}
        meId={props.me?.id}
        actions={actions}
        person={props.person}
        editHref={room === undefined || m.seq === undefined
          ? undefined
          : `/rooms/${room}/messages/${m.seq}`}
        onRetry={props.onRetry}
        onDiscard={props.onDiscard}
      />,
    );
    prev = m;
  }
  return <ol class="messages">{items}</ol>;
}
