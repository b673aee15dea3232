/**
 * The live room: message log, who is online, who is typing, the connection
 * banner and the composer. Server-rendered with the latest messages (and
 * fully usable without JavaScript through the composer's form post), then
 * hydrated: connects with {@linkcode ChatClient}, resumes after the last
 * rendered `seq`, and shows delivery states of the person's own messages.
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
import { ChatClient } from "../lib/client/client.ts";
import {
  autoTransport,
  transportFromQuery,
} from "../lib/client/transports/select.ts";
import type { OutboxEntry } from "../lib/client/outbox.ts";
import { requestSession } from "../lib/client/session.ts";
import { mergeMessages, storedIdsOf } from "../lib/client/timeline.ts";
import { ProtocolError } from "../lib/protocol/errors.ts";
import type { ChatMessage, User } from "../lib/protocol/types.ts";
import {
  parseDisplayName,
  parseMessageText,
} from "../lib/protocol/validate.ts";
import { Composer } from "../lib/ui/composer.tsx";
import {
  type BannerStatus,
  ConnectionBanner,
} from "../lib/ui/connection_banner.tsx";
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

/** Typing signals shown this long after the last one. */
const TYPING_SHOWN_MS = 4_000;
/** Within this many pixels of the bottom counts as "at the bottom". */
const BOTTOM_SLACK_PX = 48;
/** Load older messages when scrolled this close to the top. */
const TOP_SLACK_PX = 200;

interface Pending {
  entry: OutboxEntry;
  /** Known once acked, before the message itself arrives. */
  seq?: number;
}

function errorText(err: unknown): string {
  if (err instanceof ProtocolError || err instanceof Error) return err.message;
  return String(err);
}

/** The room island. */
export default function RoomChat(props: RoomChatProps): JSX.Element {
  const { room } = props;
  const [messages, setMessages] = useState(props.messages);
  const [hasMore, setHasMore] = useState(props.hasMore);
  const [online, setOnline] = useState(props.online);
  const [user, setUser] = useState(props.user);
  const [meId, setMeId] = useState(props.user?.id);
  const [status, setStatus] = useState<BannerStatus>("static");
  const [retryIn, setRetryIn] = useState<number | undefined>();
  const [transport, setTransport] = useState<string | undefined>();
  const [pending, setPending] = useState<Map<string, Pending>>(() => new Map());
  const [typing, setTyping] = useState<User[]>([]);
  const [now, setNow] = useState(props.now);
  const [live, setLive] = useState(false);
  const [unseen, setUnseen] = useState(0);
  const [firstUnseen, setFirstUnseen] = useState<number | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [error, setError] = useState(props.error);
  const [text, setText] = useState(props.draft ?? "");
  const [name, setName] = useState(props.draftName ?? "");
  const [busy, setBusy] = useState(false);

  const clientRef = useRef<ChatClient | null>(null);
  const scrollerRef = useRef<HTMLDivElement>(null);
  const textRef = useRef<HTMLTextAreaElement | null>(null);
  const nameRef = useRef<HTMLInputElement | null>(null);
  const typingTimers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  const atBottomRef = useRef(true);
  const stickToBottom = useRef(false);

  // The log scroller is `flex-direction: column-reverse`: scrollTop is 0 at
  // the bottom and negative above it, and the page opens at the bottom even
  // without JavaScript.
  const isAtBottom = () => {
    const el = scrollerRef.current;
    return !el || el.scrollTop > -BOTTOM_SLACK_PX;
  };
  const scrollToBottom = () => {
    const el = scrollerRef.current;
    if (el) el.scrollTop = 0;
    atBottomRef.current = true;
    setUnseen(0);
  };

  const stopTyping = useCallback((userId: string) => {
    clearTimeout(typingTimers.current.get(userId));
    typingTimers.current.delete(userId);
    setTyping((list) =>
      list.some((u) => u.id === userId)
        ? list.filter((u) => u.id !== userId)
        : list
    );
  }, []);

  const syncPending = useCallback((entries: OutboxEntry[]) => {
    setPending((prev) => {
      const next = new Map<string, Pending>();
      for (const entry of entries) {
        next.set(entry.id, { entry, seq: prev.get(entry.id)?.seq });
      }
      // Acked but not yet seen in the log: keep showing them, as stored.
      for (const [id, p] of prev) {
        if (!next.has(id) && p.seq !== undefined) next.set(id, p);
      }
      return next;
    });
  }, []);

  const onNewMessages = useCallback(
    (incoming: ChatMessage[], fromLive: boolean) => {
      if (incoming.length === 0) return;
      setMessages((prev) => mergeMessages(prev, incoming));
      for (const m of incoming) stopTyping(m.user.id);
      setPending((prev) => {
        if (!incoming.some((m) => prev.has(m.id))) return prev;
        const next = new Map(prev);
        for (const m of incoming) {
          if (next.get(m.id)?.entry.room === m.room) next.delete(m.id);
        }
        return next;
      });
      if (!fromLive) return;
      if (atBottomRef.current) {
        stickToBottom.current = true;
        setFirstUnseen(null);
      } else {
        const others = incoming.filter((m) =>
          m.user.id !== clientRef.current?.user?.id
        );
        if (others.length > 0) {
          setUnseen((n) => n + others.length);
          setFirstUnseen((f) => f ?? others[0].seq);
        }
      }
    },
    [stopTyping],
  );

  // Connect once hydrated.
  useEffect(() => {
    // WebSocket, else SSE, else long polling; `?transport=` pins one.
    const client = new ChatClient({
      token: props.token,
      transport: autoTransport({ force: transportFromQuery(location.search) }),
    });
    clientRef.current = client;
    setLive(true);
    setNow(Date.now());
    const off = client.on((event) => {
      switch (event.type) {
        case "status":
          setStatus(event.status);
          setRetryIn(event.retryInMs);
          if (event.transport) setTransport(event.transport);
          return;
        case "welcome":
          setMeId(event.user.id);
          // A named session (not the guest identity a nameless page gets).
          setUser((u) => (u ? event.user : u));
          return;
        case "joined":
          setOnline(event.online);
          if (!event.recovered) {
            // Too far behind: the server sent its latest page instead.
            setMessages(event.messages);
            setHasMore(true);
          } else {
            onNewMessages(event.messages, true);
          }
          return;
        case "message":
          onNewMessages([event.message], true);
          return;
        case "presence":
          if (event.room === room) setOnline(event.online);
          return;
        case "typing": {
          if (event.room !== room) return;
          const id = event.user.id;
          clearTimeout(typingTimers.current.get(id));
          typingTimers.current.set(
            id,
            setTimeout(() => stopTyping(id), TYPING_SHOWN_MS),
          );
          setTyping((list) => [...list.filter((u) => u.id !== id), event.user]);
          return;
        }
        case "ack":
          setPending((prev) => {
            const p = prev.get(event.id);
            if (!p) return prev;
            const next = new Map(prev);
            next.set(event.id, { ...p, seq: event.seq });
            return next;
          });
          return;
        case "outbox":
          if (event.room === room) syncPending(event.entries);
          return;
        case "error":
          if (event.ref === "join") setError(event.message);
          return;
      }
    });
    syncPending(client.outbox.list(room));
    client.join(
      room,
      Math.max(props.head, props.messages.at(-1)?.seq ?? 0),
      props.epoch,
    );
    client.start();
    const clock = setInterval(() => setNow(Date.now()), 15_000);
    return () => {
      clearInterval(clock);
      off();
      client.stop();
      for (const t of typingTimers.current.values()) clearTimeout(t);
    };
  }, []);

  // Keep the view at the bottom for new messages when the reader was there.
  useLayoutEffect(() => {
    if (stickToBottom.current) {
      stickToBottom.current = false;
      scrollToBottom();
    }
  });

  const loadOlder = useCallback(async () => {
    const client = clientRef.current;
    const oldest = messages[0]?.seq;
    if (!client || loadingOlder || !hasMore || oldest === undefined) return;
    setLoadingOlder(true);
    try {
      const page = await client.history(room, oldest);
      setMessages((prev) => mergeMessages(prev, page.messages));
      setHasMore(page.hasMore);
    } catch {
      // Leave the button; the next scroll or click tries again.
    } finally {
      setLoadingOlder(false);
    }
  }, [messages, hasMore, loadingOlder]);

  const onScroll = () => {
    const el = scrollerRef.current;
    if (!el) return;
    atBottomRef.current = isAtBottom();
    if (atBottomRef.current && unseen > 0) setUnseen(0);
    if (el.scrollHeight - el.clientHeight + el.scrollTop < TOP_SLACK_PX) {
      void loadOlder();
    }
  };

  const onText = (value: string) => {
    setText(value);
    if (value.trim() !== "" && user) clientRef.current?.typing(room);
  };

  const onSubmit = async (event: SubmitEvent) => {
    const client = clientRef.current;
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
    if (!user) {
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
        setUser(session.user);
        setMeId(session.user.id);
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
    const mine = storedIdsOf(messages, meId);
    const list: MessageView[] = messages.map((m) => (
      m.user.id === meId ? { ...m, delivery: "stored" } : m
    ));
    const me: User = user ?? { id: meId ?? "", name: name.trim() || "You" };
    const waiting = [...pending.values()]
      .filter((p) => !mine.has(p.entry.id))
      .sort((a, b) => a.entry.createdAt - b.entry.createdAt);
    for (const { entry, seq } of waiting) {
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
  }, [messages, pending, meId, user, name]);

  const retry = useCallback((id: string) => clientRef.current?.retry(id), []);
  const discard = useCallback(
    (id: string) => clientRef.current?.discard(id),
    [],
  );
  const oldest = messages[0]?.seq;

  return (
    <div class="room">
      <header class="room-header">
        <a href="/" class="back">
          <span aria-hidden="true">←</span> Rooms
        </a>
        <h1>#{room}</h1>
        <ConnectionBanner
          status={status}
          retryInMs={retryIn}
          transport={transport}
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
                  if (!clientRef.current) return;
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
        <OnlineList online={online} meId={meId} />
      </div>
      <footer class="room-footer">
        <TypingLine users={typing} />
        <Composer
          room={room}
          formId={props.formId}
          needsName={!user}
          name={name}
          text={text}
          error={error}
          busy={busy}
          live={live}
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
