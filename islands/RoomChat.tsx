/**
 * The live room: message log, who is online, who is typing, the connection
 * banner and the composer. Server-rendered with the latest messages (and
 * fully usable without JavaScript through the composer's form post), then
 * hydrated: connects with {@linkcode ChatClient}, resumes after the last
 * rendered `seq`, and shows delivery states of the person's own messages.
 *
 * The island holds only what the person does here (the draft, the name,
 * the scroll position's "new messages" count); everything the chat knows
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
import {
  autoTransport,
  transportFromQuery,
} from "../lib/client/transports/select.ts";
import { requestSession } from "../lib/client/session.ts";
import { useChat } from "../lib/client/use_chat.ts";
import { ProtocolError } from "../lib/protocol/errors.ts";
import type { ChatMessage, User } from "../lib/protocol/types.ts";
import {
  parseDisplayName,
  parseMessageText,
} from "../lib/protocol/validate.ts";
import { Composer } from "../lib/ui/composer.tsx";
import { ConnectionBanner } from "../lib/ui/connection_banner.tsx";
import type { MessageView } from "../lib/ui/message_item.tsx";
import { MessageList } from "../lib/ui/message_list.tsx";
import { OnlineList } from "../lib/ui/online_list.tsx";
import { TypingLine } from "../lib/ui/typing_line.tsx";

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
  /** The session token (the cookie is HttpOnly, so the page hands it over). */
  token: string | null;
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
}

/** Within this many pixels of the bottom counts as "at the bottom". */
const BOTTOM_SLACK_PX = 48;
/** Load older messages when scrolled this close to the top. */
const TOP_SLACK_PX = 200;
/** Screens where Enter adds a line: touch-first or narrow (phones). */
const PHONE_QUERY = "(pointer: coarse), (max-width: 600px)";

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
  const [firstUnseen, setFirstUnseen] = useState<number | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [error, setError] = useState(props.error);
  const [text, setText] = useState(props.draft ?? "");
  const [name, setName] = useState(props.draftName ?? "");
  const [busy, setBusy] = useState(false);
  const [enterSends, setEnterSends] = useState(true);

  const scrollerRef = useRef<HTMLDivElement>(null);
  const textRef = useRef<HTMLTextAreaElement | null>(null);
  const nameRef = useRef<HTMLInputElement | null>(null);
  const atBottomRef = useRef(true);
  const stickToBottom = useRef(false);

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
      setFirstUnseen(null);
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
        return onArrived([event.message], c.user?.id);
      case "joined":
        if (event.room === room) onArrived(event.messages, c.user?.id);
        return;
      case "welcome":
        // A named session (not the guest identity a nameless page gets).
        setNamed((u) => (u ? event.user : u));
        return;
      case "error":
        if (event.ref === "join") setError(event.message);
        return;
    }
  };

  const client = useChat(() => {
    const made = new ChatClient({
      token: props.token,
      // WebSocket, else SSE, else long polling; `?transport=` pins one.
      transport: autoTransport({ force: transportFromQuery(location.search) }),
    });
    made.join(room, {
      since: Math.max(props.head, props.messages.at(-1)?.seq ?? 0),
      epoch: props.epoch,
      messages: props.messages,
      hasMore: props.hasMore,
      online: props.online,
    });
    return made;
  }, onEvent);

  const live = client !== null;
  const link = client?.link;
  const view = client?.view(room);
  const messages = view?.messages ?? props.messages;
  const hasMore = view?.hasMore ?? props.hasMore;
  const meId = client?.user?.id ?? props.user?.id;

  // The clock: every second while a countdown runs, else for relative times.
  const waiting = link?.phase === "waiting";
  useEffect(() => {
    if (!client) return;
    const tick = () => setNow(client.clock.now());
    tick();
    const timer = setInterval(tick, waiting ? 1_000 : 15_000);
    return () => clearInterval(timer);
  }, [client, waiting]);

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
    atBottomRef.current = el.scrollTop > -BOTTOM_SLACK_PX;
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
        client.setToken(session.token);
      } catch (err) {
        setError(errorText(err));
        return;
      } finally {
        setBusy(false);
      }
    }
    try {
      client.send(room, clean);
    } catch (err) {
      setError(errorText(err));
      return;
    }
    setText("");
    setError(undefined);
    setFirstUnseen(null);
    stickToBottom.current = true;
    textRef.current?.focus();
  };

  const views = useMemo(() => {
    const list: MessageView[] = messages.map((m) => (
      m.user.id === meId ? { ...m, delivery: "stored" } : m
    ));
    const me: User = named ?? { id: meId ?? "", name: name.trim() || "You" };
    for (const { entry, seq } of view?.pending ?? []) {
      list.push({
        id: entry.id,
        seq,
        user: me,
        text: entry.text,
        ts: entry.createdAt,
        delivery: seq !== undefined ? "stored" : entry.state,
        error: entry.error,
      });
    }
    return list;
  }, [messages, view?.pending, meId, named, name]);

  const retry = useCallback((id: string) => client?.retry(id), [client]);
  const discard = useCallback((id: string) => client?.discard(id), [client]);
  const reconnect = useCallback(() => client?.reconnectNow(), [client]);
  const oldest = messages[0]?.seq;

  return (
    <div class="room">
      <header class="room-header">
        <a href="/" class="back">
          <span aria-hidden="true">←</span> Rooms
        </a>
        <h1>#{room}</h1>
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
          <div class="log-content">
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
        />
      </div>
      <footer class="room-footer">
        <TypingLine users={view?.typing ?? []} />
        <Composer
          room={room}
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
        />
      </footer>
    </div>
  );
}
