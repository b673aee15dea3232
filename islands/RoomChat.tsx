/**
 * The live room: message log, who is online, who is typing, the connection
 * banner and the composer. Server-rendered with the latest messages (and
 * fully usable without JavaScript through the composer's form post), then
 * hydrated: connects with {@linkcode ChatClient}, resumes after the last
 * rendered `seq`, and shows delivery states of the person's own messages.
 *
 * Live, each stored message has actions (reply, react, and for one's own
 * messages edit and delete; on hover, keyboard focus or a long press), a
 * reply's quote jumps to its original, and the room sidebar lists the rooms
 * this browser visited.
 *
 * The island holds only what the person does here (the draft, the name,
 * the reply being written, the message being acted on, the scroll
 * position's "new messages" count); everything the chat knows
 * (messages folded with their edits, deletions and reactions, who is
 * online, who is typing, what is still on its way, the connection) it reads
 * from the client through {@linkcode useChat}.
 *
 * @module
 */
import type { JSX } from "preact";
import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from "preact/hooks";
import { ChatClient, type ClientEvent } from "../lib/client/client.ts";
import { applyUpdate } from "../lib/client/fold.ts";
import { notifyIfHidden } from "../lib/client/notify_hidden.ts";
import type { OutboxEntry } from "../lib/client/outbox.ts";
import {
  autoTransport,
  transportFromQuery,
} from "../lib/client/transports/select.ts";
import { requestSession } from "../lib/client/session.ts";
import { useChat } from "../lib/client/use_chat.ts";
import { ProtocolError } from "../lib/protocol/errors.ts";
import type {
  ChatMessage,
  NotifyLevel,
  RoomUpdate,
  User,
} from "../lib/protocol/types.ts";
import {
  parseDisplayName,
  parseMessageText,
} from "../lib/protocol/validate.ts";
import { AccountLinks } from "../lib/ui/account_links.tsx";
import { Composer } from "../lib/ui/composer.tsx";
import { ConnectionBanner } from "../lib/ui/connection_banner.tsx";
import type { ActionMode, MessageActions } from "../lib/ui/message_actions.tsx";
import type { MessageView } from "../lib/ui/message_item.tsx";
import { MessageList } from "../lib/ui/message_list.tsx";
import { NotifyMenu } from "../lib/ui/notify_menu.tsx";
import { OnlineList } from "../lib/ui/online_list.tsx";
import type { PersonMenuContext } from "../lib/ui/person.tsx";
import { ReplyBar } from "../lib/ui/reply_bar.tsx";
import { RoomSidebar, SidebarToggle } from "../lib/ui/room_sidebar.tsx";
import { TypingLine } from "../lib/ui/typing_line.tsx";
import {
  firstUnread,
  isAtBottom,
  type SidebarEntry,
  useUnread,
} from "../lib/ui/use_unread.ts";
import { recordLabel, recordVisit } from "../lib/ui/visited_rooms.ts";

/** Props, as the room page renders them (JSON data). */
export interface RoomChatProps {
  room: string;
  /** The latest messages, oldest first. */
  messages: ChatMessage[];
  /** Whether older messages exist before `messages[0]`. */
  hasMore: boolean;
  /** The room's head `seq` when rendered. */
  head: number;
  /** The room's epoch when rendered: the one `head` counts in. */
  epoch: string;
  online: User[];
  /** The session's user; `null` when the person has not picked a name. */
  user: User | null;
  /** Server clock at render time (epoch ms), so both renders agree. */
  now: number;
  /** Id for the composer's form post without JavaScript. */
  formId: string;
  /** An error from a form post, shown in the composer. */
  error?: string;
  /** Text to put back in the composer after a failed form post. */
  draft?: string;
  /** A name to put back after a failed form post. */
  draftName?: string;
  /** The person moderates the room (or owns it): names link to moderation. */
  canModerate?: boolean;
  /** A direct-message room: its heading (`Direct message with …`). */
  dmTitle?: string;
  /** A direct-message room: the other person's name, when known. */
  dmName?: string;
  /** The room's slow mode when rendered: seconds between a member's sends. */
  slowModeSeconds?: number;
  /** The person's notification level in the room (`mentions` when absent). */
  level?: NotifyLevel;
  /**
   * The person's read position when rendered (the "New messages" divider
   * goes before the first message of others after it); absent when they
   * are not in the room (nothing rendered is new to them).
   */
  read?: number;
  /** The person's rooms as the server knows them, with their counts. */
  sidebar?: SidebarEntry[];
  /** The page title, without an unread count. */
  title?: string;
}

/** Load older messages when scrolled this close to the top. */
const TOP_SLACK_PX = 200;
/** Screens where Enter adds a line: touch-first or narrow (phones). */
const PHONE_QUERY = "(pointer: coarse), (max-width: 600px)";
/** A touch held this long on a message shows its actions. */
const LONG_PRESS_MS = 500;
/** How long a reply's original stays highlighted after the jump. */
const HIGHLIGHT_MS = 2_000;
/** History pages loaded at most to find a reply's original. */
const JUMP_MAX_PAGES = 20;

/** What a refused change was, in "Your … was not saved". */
const CHANGE_WORDS = { edit: "edit", delete: "deletion", react: "reaction" };

/** The person's change as the update it will become, to show it at once. */
function asUpdate(entry: OutboxEntry, me: User): RoomUpdate | null {
  const base = { room: entry.room, seq: 0, id: entry.id, user: me };
  const ts = entry.createdAt;
  switch (entry.change?.type) {
    case "edit":
      return {
        ...base,
        ts,
        type: "edit",
        target: entry.change.target,
        text: entry.text,
      };
    case "delete":
      return { ...base, ts, type: "delete", target: entry.change.target };
    case "react": {
      const { target, emoji, on } = entry.change;
      return { ...base, ts, type: "reaction", target, emoji, on };
    }
    default:
      return null;
  }
}

function browserStorage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null; // denied (some privacy modes)
  }
}

function errorText(err: unknown): string {
  if (err instanceof ProtocolError || err instanceof Error) return err.message;
  return String(err);
}

/** The room island. */
export default function RoomChat(props: RoomChatProps): JSX.Element {
  const { room } = props;
  const [named, setNamed] = useState(props.user);
  const [now, setNow] = useState(props.now);
  const [unseen, setUnseen] = useState(0);
  // The divider stays where the page opened until the person sends.
  const [firstUnseen, setFirstUnseen] = useState(() =>
    firstUnread(props.messages, props.read ?? props.head, props.user?.id)
  );
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [error, setError] = useState(props.error);
  const [text, setText] = useState(props.draft ?? "");
  const [name, setName] = useState(props.draftName ?? "");
  const [level, setLevel] = useState(props.level ?? "mentions");
  const [busy, setBusy] = useState(false);
  const [enterSends, setEnterSends] = useState(true);
  const [replyTo, setReplyTo] = useState<number | null>(null);
  const [active, setActive] = useState<MessageActions["active"]>(null);
  const [editError, setEditError] = useState<string>();
  const [highlight, setHighlight] = useState<number | null>(null);
  const [notice, setNotice] = useState<string>();
  const [rooms, setRooms] = useState<string[]>([]);
  const [labels, setLabels] = useState<Record<string, string>>({});
  const [sidebarOpen, setSidebarOpen] = useState(false);
  /** Why the room no longer takes this person (a ban), or `null`. */
  const [ended, setEnded] = useState<string | null>(null);

  const scrollerRef = useRef<HTMLDivElement>(null);
  const textRef = useRef<HTMLTextAreaElement | null>(null);
  const nameRef = useRef<HTMLInputElement | null>(null);
  const atBottomRef = useRef(true);
  const stickToBottom = useRef(false);
  /** A selector to focus after the next render (where an action ended). */
  const focusAfter = useRef<string | null>(null);
  const longPress = useRef<ReturnType<typeof setTimeout>>();
  const pressed = useRef(false);

  // The log scroller is `flex-direction: column-reverse`: scrollTop is 0 at
  // the bottom and negative above it, and the page opens at the bottom even
  // without JavaScript.
  const scrollToBottom = () => {
    const el = scrollerRef.current;
    if (el) el.scrollTop = 0;
    atBottomRef.current = true;
    setUnseen(0);
  };

  /** New messages: follow them at the bottom, else count others' as unseen. */
  const onArrived = (incoming: readonly ChatMessage[], me?: string) => {
    if (incoming.length === 0) return;
    if (atBottomRef.current) {
      stickToBottom.current = true;
      return;
    }
    const others = incoming.filter((m) => m.user.id !== me);
    if (others.length > 0) {
      setUnseen((n) => n + others.length);
      setFirstUnseen((f) => f ?? others[0].seq);
    }
  };

  const onEvent = (event: ClientEvent, c: ChatClient) => {
    switch (event.type) {
      case "message":
        notifyIfHidden(room, event.message, {
          meId: c.user?.id,
          level,
          dm: !!props.dmTitle,
        });
        return onArrived([event.message], c.user?.id);
      case "joined":
        if (event.room === room) onArrived(event.messages, c.user?.id);
        return;
      case "welcome":
        // A named session (not the guest identity a nameless page gets).
        setNamed((u) => (u ? event.user : u));
        return;
      case "left":
        if (event.room === room) setEnded(`You were banned from #${room}.`);
        return;
      case "error": {
        // Refused on (re)joining: banned meanwhile, or no longer a member.
        if (event.ref === "join" && event.code === "forbidden") {
          setEnded(event.message);
        } else if (event.ref === "join") setError(event.message);
        // Slow mode: the message goes back into the composer (the outbox
        // would send it by itself later, unseen) with how long to wait.
        const entry = event.ref ? c.outbox.get(event.ref) : undefined;
        if (event.code === "slow_mode" && entry && !entry.change) {
          c.discard(entry.id);
          setText((t) => t || entry.text);
          const s = Math.ceil((event.retryAfterMs ?? 1000) / 1000);
          setError(`Slow mode: wait ${s} s before sending again.`);
        }
        return;
      }
    }
  };

  const client = useChat(() => {
    // No token: the session is the HttpOnly cookie, which the WebSocket
    // upgrade and the HTTP fallbacks carry; page scripts never see it.
    const made = new ChatClient({
      // WebSocket, else SSE, else long polling; `?transport=` pins one.
      transport: autoTransport({ force: transportFromQuery(location.search) }),
    });
    made.join(room, {
      since: Math.max(props.head, props.messages.at(-1)?.seq ?? 0),
      epoch: props.epoch,
      messages: props.messages,
      hasMore: props.hasMore,
      online: props.online,
      read: props.read,
    });
    return made;
  }, onEvent);

  const live = client !== null;
  const link = client?.link;
  const view = client?.view(room);
  const messages = view?.messages ?? props.messages;
  const hasMore = view?.hasMore ?? props.hasMore;
  const meId = client?.user?.id ?? props.user?.id;
  const side = useUnread({
    client,
    room,
    scroller: scrollerRef,
    messages,
    meId,
    read: props.read ?? props.head,
    title: props.title ?? `#${room}`,
    visited: rooms,
    visitedLabels: labels,
    server: props.sidebar ?? [],
  });

  // The clock: every second while a countdown runs, else for relative times.
  const waiting = link?.phase === "waiting";
  useEffect(() => {
    if (!client) return;
    const tick = () => setNow(client.clock.now());
    tick();
    const timer = setInterval(tick, waiting ? 1_000 : 15_000);
    return () => clearInterval(timer);
  }, [client, waiting]);

  // The sidebar's rooms: this one is remembered as visited.
  useEffect(() => {
    const storage = browserStorage();
    const visited = recordVisit(storage, room);
    setRooms(visited);
    setLabels(recordLabel(storage, room, props.dmName, visited));
  }, []);

  // Phones: Enter adds a line (their keyboards have no Shift+Enter).
  useEffect(() => {
    const query = matchMedia(PHONE_QUERY);
    const update = () => setEnterSends(!query.matches);
    update();
    query.addEventListener("change", update);
    return () => query.removeEventListener("change", update);
  }, []);

  // Keep the view at the bottom for new messages when the reader was there.
  useLayoutEffect(() => {
    if (stickToBottom.current) {
      stickToBottom.current = false;
      scrollToBottom();
    }
    if (focusAfter.current) {
      const el = document.querySelector<HTMLElement>(focusAfter.current);
      focusAfter.current = null;
      (el ?? textRef.current)?.focus();
    }
  });

  const loadOlder = useCallback(async () => {
    const oldest = messages[0]?.seq;
    if (!client || loadingOlder || !hasMore || oldest === undefined) return;
    setLoadingOlder(true);
    try {
      await client.history(room, oldest); // merged into the room's view
    } catch {
      // Leave the button; the next scroll or click tries again.
    } finally {
      setLoadingOlder(false);
    }
  }, [client, messages, hasMore, loadingOlder]);

  const onScroll = () => {
    const el = scrollerRef.current;
    if (!el) return;
    atBottomRef.current = isAtBottom(el);
    if (atBottomRef.current && unseen > 0) setUnseen(0);
    if (el.scrollHeight - el.clientHeight + el.scrollTop < TOP_SLACK_PX) {
      void loadOlder();
    }
  };

  const onText = (value: string) => {
    setText(value);
    // An error about the text is stale once the text is gone.
    if (value === "") setError(undefined);
    if (value.trim() !== "" && named) client?.typing(room);
  };

  const onSubmit = async (event: SubmitEvent) => {
    if (!client) return; // not hydrated yet: the form posts the classic way
    event.preventDefault();
    if (busy) return;
    let clean: string;
    try {
      clean = parseMessageText(text);
    } catch (err) {
      setError(errorText(err));
      textRef.current?.focus();
      return;
    }
    if (!named) {
      let chosen: string;
      try {
        chosen = parseDisplayName(name);
      } catch (err) {
        setError(errorText(err));
        nameRef.current?.focus();
        return;
      }
      setBusy(true);
      try {
        const session = await requestSession(chosen, client.token);
        setNamed(session.user);
        client.setToken(null); // the new cookie
      } catch (err) {
        setError(errorText(err));
        return;
      } finally {
        setBusy(false);
      }
    }
    try {
      client.send(room, clean, replyingTo?.seq);
    } catch (err) {
      setError(errorText(err));
      return;
    }
    setReplyTo(null);
    setText("");
    setError(undefined);
    setFirstUnseen(null);
    stickToBottom.current = true;
    textRef.current?.focus();
  };

  const views = useMemo(() => {
    const me: User = named ?? { id: meId ?? "", name: name.trim() || "You" };
    // The person's changes on their way show at once; refused ones say so
    // on their message instead.
    let shown = messages;
    const failed = new Map<number, MessageView["failedChange"]>();
    for (const entry of view?.changes ?? []) {
      const update = asUpdate(entry, me);
      if (!update || !entry.change) continue;
      if (entry.state === "failed") {
        failed.set(entry.change.target, {
          id: entry.id,
          what: CHANGE_WORDS[entry.change.type],
          error: entry.error,
        });
      } else {
        shown = applyUpdate(shown, update);
      }
    }
    const list: MessageView[] = shown.map((m) => {
      const v: MessageView = m.user.id === meId
        ? { ...m, delivery: "stored" }
        : m;
      const change = failed.get(m.seq);
      return change ? { ...v, failedChange: change } : v;
    });
    for (const { entry, seq } of view?.pending ?? []) {
      list.push({
        id: entry.id,
        seq,
        user: me,
        text: entry.text,
        ts: entry.createdAt,
        replyTo: entry.replyTo,
        delivery: seq !== undefined ? "stored" : entry.state,
        error: entry.error,
      });
    }
    return list;
  }, [messages, view?.pending, view?.changes, meId, named, name]);

  const byAction = (seq: number, action: string) =>
    `#m-${seq} [data-action="${action}"]`;

  /** Scrolls to message `seq` (loading older pages until it is there). */
  const jump = async (seq: number) => {
    if (!client) return;
    setNotice(undefined);
    let el = document.getElementById(`m-${seq}`);
    for (let page = 0; !el && page < JUMP_MAX_PAGES; page++) {
      const now = client.view(room);
      const oldest = now.messages[0]?.seq;
      if (!now.hasMore || oldest === undefined || oldest < seq) break;
      setLoadingOlder(true);
      try {
        await client.history(room, oldest);
      } catch {
        break;
      } finally {
        setLoadingOlder(false);
      }
      // The history renders on the next frame.
      await new Promise((r) => requestAnimationFrame(r));
      el = document.getElementById(`m-${seq}`);
    }
    if (!el) {
      setNotice("The original message is not in this room's history anymore.");
      return;
    }
    el.scrollIntoView({ block: "center", behavior: "smooth" });
    // Focus follows, so a keyboard or screen reader user lands there too.
    el.tabIndex = -1;
    el.focus({ preventScroll: true });
    setHighlight(seq);
    setTimeout(() => setHighlight((h) => (h === seq ? null : h)), HIGHLIGHT_MS);
  };

  const actions: MessageActions | undefined = client
    ? {
      meId,
      moderator: props.canModerate,
      active,
      highlight,
      editError,
      setMode: (seq: number, mode: ActionMode | null) => {
        setEditError(undefined);
        if (mode === null && active?.seq === seq) {
          // Back to the button that opened it.
          focusAfter.current = byAction(seq, active.mode);
        }
        setActive(mode === null ? null : { seq, mode });
      },
      reply: (seq: number) => {
        setReplyTo(seq);
        setActive(null);
        focusAfter.current = "#composer-text";
      },
      react: (seq: number, emoji: string, on: boolean) => {
        try {
          client.react(room, seq, emoji, on);
        } catch (err) {
          setNotice(errorText(err));
        }
        if (active?.seq === seq && active.mode === "react") {
          setActive(null);
          focusAfter.current = byAction(seq, "react");
        }
      },
      save: (seq: number, value: string) => {
        const current = messages.find((m) => m.seq === seq);
        try {
          if (current?.text !== value.trim()) client.edit(room, seq, value);
        } catch (err) {
          setEditError(errorText(err));
          return;
        }
        setEditError(undefined);
        setActive(null);
        focusAfter.current = byAction(seq, "edit");
      },
      remove: (seq: number) => {
        client.remove(room, seq);
        setActive(null);
        if (replyTo === seq) setReplyTo(null);
        focusAfter.current = "#composer-text";
      },
      jump: (seq: number) => void jump(seq),
    }
    : undefined;

  // Touch screens have no hover: a long press on a message shows its
  // actions (and keeps the browser's own long-press menu away).
  const onPointerDown = (e: PointerEvent) => {
    pressed.current = false;
    setSidebarOpen(false); // a tap on the room closes the phone's sidebar
    const li = (e.target as Element).closest<HTMLElement>("li[data-seq]");
    if (active?.mode === "menu" && li?.dataset.seq !== String(active.seq)) {
      setActive(null);
    }
    if (e.pointerType !== "touch" || !li || !client) return;
    clearTimeout(longPress.current);
    longPress.current = setTimeout(() => {
      pressed.current = true;
      // The browser may have started selecting the text under the finger.
      getSelection()?.removeAllRanges();
      setActive({ seq: Number(li.dataset.seq), mode: "menu" });
    }, LONG_PRESS_MS);
  };
  const cancelPress = () => clearTimeout(longPress.current);

  // A reply to a message deleted meanwhile becomes a plain message.
  const replyingTo = replyTo === null
    ? undefined
    : views.find((m) => m.seq === replyTo && !m.deleted);

  const person: PersonMenuContext = {
    room,
    meId,
    canMessage: !props.dmTitle && !!named,
    canModerate: props.canModerate,
  };

  const retry = useCallback((id: string) => client?.retry(id), [client]);
  const discard = useCallback((id: string) => client?.discard(id), [client]);
  const reconnect = useCallback(() => client?.reconnectNow(), [client]);
  const oldest = messages[0]?.seq;

  return (
    <div
      class="room"
      onKeyDown={(e) => {
        // Escape closes the phone's sidebar, back to its button.
        if (e.key === "Escape" && sidebarOpen) {
          setSidebarOpen(false);
          focusAfter.current = ".sidebar-toggle";
        }
      }}
    >
      <RoomSidebar
        room={room}
        rooms={side.rooms}
        labels={side.labels}
        counts={side.counts}
        open={sidebarOpen}
      />
      <header class="room-header">
        {live
          ? (
            <SidebarToggle
              open={sidebarOpen}
              onToggle={() => setSidebarOpen((o) => !o)}
            />
          )
          : (
            <a href="/" class="back">
              <span aria-hidden="true">←</span> Rooms
            </a>
          )}
        <h1>{props.dmTitle ?? `#${room}`}</h1>
        <a href={`/rooms/${room}/people`} class="people-link">
          {props.canModerate ? "People and moderation" : "People"}
        </a>
        {live && named && (
          <NotifyMenu room={room} level={level} onLevel={setLevel} />
        )}
        <AccountLinks user={client?.user ?? named} />
        <ConnectionBanner
          status={client?.status ?? "static"}
          link={link}
          now={now}
          transport={client?.transport}
          onReconnect={reconnect}
        />
      </header>
      <div class="room-body">
        <div
          class="log-scroller"
          ref={scrollerRef}
          onScroll={onScroll}
          tabIndex={0}
          role="log"
          aria-label={`Messages in #${room}`}
          aria-busy={loadingOlder ? "true" : undefined}
        >
          <div
            class="log-content"
            onPointerDown={onPointerDown}
            onPointerUp={cancelPress}
            onPointerMove={cancelPress}
            onPointerCancel={cancelPress}
            onContextMenu={(e) => {
              if (pressed.current) e.preventDefault();
            }}
            onClickCapture={(e) => {
              // The release that ends a long press is not a tap on a link
              // or button under the finger.
              if (!pressed.current) return;
              pressed.current = false;
              e.preventDefault();
              e.stopPropagation();
            }}
            onKeyDown={(e) => {
              if (e.key === "Escape" && active) {
                actions?.setMode(active.seq, null);
              }
            }}
          >
            {hasMore && oldest !== undefined && (
              <a
                class="older"
                href={`/rooms/${room}?before=${oldest}`}
                onClick={(e) => {
                  if (!client) return;
                  e.preventDefault();
                  void loadOlder();
                }}
              >
                {loadingOlder
                  ? "Loading older messages…"
                  : "Load older messages"}
              </a>
            )}
            {views.length === 0 && (
              <p class="empty">No messages yet. Say hello!</p>
            )}
            <MessageList
              messages={views}
              now={now}
              localTime={live}
              firstUnseen={firstUnseen}
              room={room}
              people={view?.online ?? props.online}
              me={client?.user ?? named}
              actions={actions}
              person={person}
              onRetry={retry}
              onDiscard={discard}
            />
          </div>
        </div>
        {unseen > 0 && (
          <button type="button" class="new-messages" onClick={scrollToBottom}>
            {unseen === 1 ? "1 new message" : `${unseen} new messages`}{" "}
            <span aria-hidden="true">↓</span>
          </button>
        )}
        <OnlineList
          online={view?.online ?? props.online}
          meId={meId}
          stale={live && view?.onlineStale}
          person={person}
        />
      </div>
      <footer
        class="room-footer"
        onKeyDown={(e) => {
          // Escape in the composer takes back the reply, not the draft.
          if (e.key === "Escape" && replyTo !== null) setReplyTo(null);
        }}
      >
        <TypingLine users={view?.typing ?? []} />
        {notice && (
          <p class="notice" role="status">
            {notice}{" "}
            <button
              type="button"
              class="link-button"
              onClick={() => setNotice(undefined)}
            >
              Dismiss
            </button>
          </p>
        )}
        {replyingTo && (
          <ReplyBar
            to={replyingTo}
            onCancel={() => {
              setReplyTo(null);
              textRef.current?.focus();
            }}
          />
        )}
        {!!props.slowModeSeconds && (
          <p class="slow-mode-hint">
            Slow mode: one message every {props.slowModeSeconds} s.
          </p>
        )}
        {ended
          ? (
            <p class="room-ended" role="alert">
              {ended} <a href="/">Back to the rooms</a>
            </p>
          )
          : (
            <Composer
              room={room}
              dmName={props.dmName}
              formId={props.formId}
              needsName={!named}
              name={name}
              text={text}
              error={error}
              busy={busy}
              live={live}
              enterSends={enterSends}
              onName={setName}
              onText={onText}
              onSubmit={onSubmit}
              textRef={textRef}
              nameRef={nameRef}
              members={live
                ? { online: view?.online ?? props.online, messages, meId }
                : undefined}
            />
          )}
      </footer>
    </div>
  );
}
