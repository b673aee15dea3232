/**
 * One WebSocket connection, from upgrade to close, as an explicit state
 * machine: `awaiting-hello` → `authenticating` → `ready` → `closed`.
 *
 * Frames are handled as they arrive, without a per-connection queue, so a
 * client's pipelined sends batch into one storage commit; the few operations
 * that must see an earlier one's effect (anything after `hello`) wait for it.
 *
 * A server holds one of these per open socket, most of them idle, so the
 * per-connection state is kept small: the connection listens to its socket as
 * an event-listener object (no handler closures), its sender is the sink of
 * its room subscriptions, a single room is held without a Map, and silence
 * is noticed by the isolate's idle sweep (no timer per socket). Everything
 * else it uses is shared by all the connections of the isolate:
 * {@linkcode ConnectionOptions}, the chat's port and the send limits and
 * connection caps, which count people rather than sockets, among them.
 *
 * @module
 */
import {
  type ClientFrame,
  isMessage,
  isUpdate,
  type ServerEvent,
  type User,
} from "../protocol/types.ts";
import { mergeBySeq } from "../engine/merge.ts";
import { LIMITS, PROTOCOL_VERSION } from "../protocol/limits.ts";
import { decodeClientFrame, exceedsBytes } from "../protocol/codec.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { SendLimiter } from "../throttle/send_limiter.ts";
import type { ConnectionCaps } from "../throttle/connection_caps.ts";
import { RoomSubscription } from "../rooms/room_subscription.ts";
import { OutgoingRoomEvent } from "../rooms/outgoing.ts";
import type { ChatPort, JoinResult } from "../rooms/chat_port.ts";
import { type EventFrame, inputOf } from "../rooms/event_input.ts";
import type { Session, Sessions } from "../auth/sessions.ts";
import { CloseCode, type CloseReason } from "../protocol/close_codes.ts";
import { FrameSender, type FrameSink } from "./frame_sender.ts";
import type { RemovalReason } from "../rooms/subscriber.ts";
import type { IdleSweep, IdleWatched } from "./idle_sweep.ts";
import type { UserEvent } from "../bus/messages.ts";
import type { UserFollower } from "../rooms/user_channels.ts";
import { RoomWatch, type WatchOwner } from "../reads/room_watch.ts";

/**
 * What a connection needs of its socket: a `WebSocket` has it, and so has
 * an in-process fake in unit tests.
 */
export interface ConnectionSocket extends FrameSink {
  addEventListener(
    type: "open" | "message" | "close",
    listener: EventListenerObject,
  ): void;
  close(code: number, reason: string): void;
}

/** A counter a connection bumps. */
export interface Counter {
  inc(): void;
}

/** What every connection of an isolate shares. */
export interface ConnectionOptions {
  /** The rooms. */
  readonly chat: ChatPort;
  /** Checks the tokens of `hello` and issues sessions. */
  readonly sessions: Pick<Sessions, "verify" | "issue">;
  /**
   * Hashes a token as revocations name it (`tokenHash`): a connection keeps
   * its token's, to be closed when the token is revoked.
   */
  readonly hashToken: (token: string) => Promise<string>;
  /** This isolate's id (`welcome.node`). */
  readonly node: string;
  /** How long a new socket has to send `hello` (then `4001`). */
  readonly helloTimeoutMs: number;
  /**
   * The isolate's send limits, per user and per guest address: shared with
   * the other connections and transports, so more sockets buy no more sends.
   */
  readonly sendLimiter: Pick<SendLimiter, "takeFor">;
  /** Connections per user, counted from `hello` (addresses: by the transport). */
  readonly caps: Pick<ConnectionCaps, "addUser" | "removeUser">;
  /** Unsent bytes after which the socket is closed as too slow (`1013`). */
  readonly slowClientBytes: number;
  /** The idle sweep's clock, stamped on the connection at each frame. */
  readonly idle: Pick<IdleSweep, "tick">;
  /** The open connections: each adds itself and deletes itself on close. */
  readonly live: {
    add(connection: Connection): void;
    delete(connection: Connection): void;
  };
  readonly counters: {
    connectionsOpened: Counter;
    /** Error events sent to clients. */
    protocolErrors: Counter;
    /** Sockets closed with `1013` for falling behind. */
    slowClientsClosed: Counter;
  };
  /** Called with errors that are not the client's (it gets `internal`). */
  readonly onError: (error: unknown) => void;
}

/** The life of a connection. */
export type ConnectionState =
  | { phase: "awaiting-hello"; timer: ReturnType<typeof setTimeout> }
  | { phase: "authenticating"; backlog: string[] }
  | { phase: "ready"; user: User }
  | { phase: "closed"; reason: CloseReason };

/** Errors a connection may cause before it counts as abusive. */
const MAX_ERRORS = 100;
/** Events a `joined` reply carries; the rest follow as events. */
const JOINED_CHUNK = 500;
/** Frames held while `hello` is being verified. */
const MAX_BACKLOG = 64;

/** Numbers this isolate's connections (their `followerId`s). */
let connectionsMade = 0;

/** A watched room: its subscription, whose sink counts. */
interface Watched {
  subscription: RoomSubscription;
  watch: RoomWatch;
}

/** Drives one WebSocket. */
export class Connection
  implements EventListenerObject, IdleWatched, UserFollower, WatchOwner {
  state: ConnectionState;
  /** This isolate's number for the connection (see `followerId`). */
  readonly #serial = ++connectionsMade;
  /** The idle clock when the client last sent a frame. */
  heard: number;
  readonly #options: ConnectionOptions;
  readonly #socket: ConnectionSocket;
  readonly #sender: FrameSender;
  /**
   * Joined rooms: none, one subscription (the usual case, no Map), or a Map
   * by room once a second room is joined.
   */
  #rooms: RoomSubscription | Map<string, RoomSubscription> | null = null;
  /** The rooms whose counts the client shows (`watch`), when any. */
  #watches: Map<string, Watched> | null = null;
  /** Whether the client's page is hidden (`visibility`). */
  #hidden = false;
  #errors = 0;
  /** The session cookie of the upgrade request: `hello` without a token uses it. */
  readonly #cookieToken: string | null;
  /** The hash of the token the connection speaks with (see `hashToken`). */
  tokenHash: string | null = null;
  /** The client's address as limits count it (`""`: unknown). */
  readonly address: string;

  /**
   * @param cookieToken the upgrade request's session cookie, if any: a
   *   browser's page scripts never see its token
   * @param address the client's address (`clientAddress`), `""` if unknown
   */
  constructor(
    options: ConnectionOptions,
    socket: ConnectionSocket,
    cookieToken: string | null = null,
    address = "",
  ) {
    this.#options = options;
    this.#socket = socket;
    this.#cookieToken = cookieToken;
    this.address = address;
    this.#sender = new FrameSender(socket, options.slowClientBytes, this);
    const timer = setTimeout(
      () => this.close("helloTimeout", "no hello in time"),
      options.helloTimeoutMs,
    );
    this.state = { phase: "awaiting-hello", timer };
    this.heard = options.idle.tick;
    // No "error" listener: the runtime follows every error with "close".
    socket.addEventListener("message", this);
    socket.addEventListener("close", this);
    options.live.add(this);
    options.counters.connectionsOpened.inc();
  }

  /**
   * The socket's events (`EventListenerObject`): the connection itself is
   * the listener, so a socket costs no handler closures.
   */
  handleEvent(event: Event): void {
    if (event.type === "message") {
      this.heard = this.#options.idle.tick;
      return this.#receive((event as MessageEvent).data);
    }
    if (event.type === "close") {
      return this.#closed(
        (event as CloseEvent).wasClean ? "normal" : "internal",
      );
    }
  }

  /** Closes the connection because its client went silent (the idle sweep). */
  closeIdle(): void {
    this.close("idle", "nothing received in time; send ping to stay connected");
  }

  /** Closes the connection with a named reason. */
  close(reason: CloseReason, text: string = reason): void {
    if (this.state.phase === "closed") return;
    try {
      this.#socket.close(CloseCode[reason], text);
    } catch {
      // Already closing: the close handler still runs.
    }
    this.#closed(reason);
  }

  #closed(reason: CloseReason): void {
    if (this.state.phase === "closed") return;
    if (this.state.phase === "awaiting-hello") clearTimeout(this.state.timer);
    if (this.state.phase === "ready") {
      this.#options.caps.removeUser(this.state.user.id);
      this.#options.chat.unfollow(this.state.user.id, this);
    }
    this.state = { phase: "closed", reason };
    this.#unwatch([]);
    const rooms = this.#rooms;
    this.#rooms = null;
    const { chat } = this.#options;
    if (rooms instanceof RoomSubscription) {
      chat.leave(rooms);
    } else if (rooms !== null) {
      for (const subscription of rooms.values()) chat.leave(subscription);
    }
    this.#options.live.delete(this);
  }

  /** The subscription to `room`, if joined. */
  #subscription(room: string): RoomSubscription | undefined {
    const rooms = this.#rooms;
    if (rooms instanceof RoomSubscription) {
      return rooms.room === room ? rooms : undefined;
    }
    return rooms?.get(room);
  }

  /** Records `subscription` as the one to its room (replacing any). */
  #setSubscription(subscription: RoomSubscription): void {
    const rooms = this.#rooms;
    if (
      rooms === null ||
      (rooms instanceof RoomSubscription && rooms.room === subscription.room)
    ) {
      this.#rooms = subscription;
    } else if (rooms instanceof RoomSubscription) {
      this.#rooms = new Map([
        [rooms.room, rooms],
        [subscription.room, subscription],
      ]);
    } else {
      rooms.set(subscription.room, subscription);
    }
  }

  /** Forgets the subscription to `room`. */
  #deleteSubscription(room: string): void {
    const rooms = this.#rooms;
    if (rooms instanceof RoomSubscription) {
      if (rooms.room === room) this.#rooms = null;
    } else {
      rooms?.delete(room);
    }
  }

  #send(event: ServerEvent): void {
    this.#sender.push(JSON.stringify(event));
  }

  #fail(error: unknown, ref?: string): void {
    if (this.state.phase === "closed") return;
    if (!(error instanceof ProtocolError)) {
      this.#options.onError(error);
      error = new ProtocolError("internal", "Internal error", { ref });
    }
    const e = error as ProtocolError;
    this.#options.counters.protocolErrors.inc();
    const event: ServerEvent = {
      type: "error",
      code: e.code,
      message: e.message,
    };
    if (e.ref ?? ref) event.ref = e.ref ?? ref;
    if (e.retryAfterMs !== undefined) event.retryAfterMs = e.retryAfterMs;
    this.#send(event);
    if (++this.#errors > MAX_ERRORS) this.close("policy", "too many errors");
  }

  #receive(data: unknown): void {
    if (typeof data !== "string") {
      const size = data instanceof ArrayBuffer ? data.byteLength : 0;
      if (size > LIMITS.maxFrameBytes) {
        return this.close("tooLarge", "frame too large");
      }
      return this.#fail(
        new ProtocolError("bad_request", "Frames must be text (JSON)"),
      );
    }
    if (exceedsBytes(data, LIMITS.maxFrameBytes)) {
      return this.close("tooLarge", "frame too large");
    }
    switch (this.state.phase) {
      case "closed":
        return;
      case "authenticating":
        if (this.state.backlog.length >= MAX_BACKLOG) {
          return this.#fail(
            new ProtocolError("rate_limited", "Wait for welcome", {
              retryAfterMs: 100,
            }),
          );
        }
        this.state.backlog.push(data);
        return;
      case "awaiting-hello":
      case "ready":
        break;
    }
    let frame: ClientFrame;
    try {
      frame = decodeClientFrame(data);
    } catch (error) {
      return this.#fail(error);
    }
    if (this.state.phase === "awaiting-hello") {
      if (frame.type !== "hello") {
        return this.#fail(
          new ProtocolError("unauthenticated", "Send hello first", {
            ref: frame.type,
          }),
        );
      }
      clearTimeout(this.state.timer);
      this.state = { phase: "authenticating", backlog: [] };
      this.#hello(frame).catch((error) => this.#fail(error, "hello"));
      return;
    }
    this.#handle(frame, this.state.user);
  }

  async #hello(frame: Extract<ClientFrame, { type: "hello" }>): Promise<void> {
    const { sessions } = this.#options;
    let user: User | null = null;
    if (frame.token !== undefined) {
      user = await sessions.verify(frame.token);
      if (!user) {
        // Back to waiting, with a fresh deadline: the client may retry.
        this.#backToHello();
        throw new ProtocolError(
          "unauthenticated",
          "Token is invalid or expired",
          {
            ref: "hello",
          },
        );
      }
    }
    let token = frame.token ?? "";
    // A browser's session: the cookie, whose token page scripts never see
    // (`welcome.token` is then empty). A cookie no longer valid is ignored.
    let fromCookie = false;
    if (!user && frame.token === undefined && this.#cookieToken) {
      user = await sessions.verify(this.#cookieToken);
      if (user) [token, fromCookie] = [this.#cookieToken, true];
    }
    if (!user || (frame.name !== undefined && frame.name !== user.name)) {
      let session: Session;
      try {
        session = await sessions.issue(frame.name ?? guestName(), user);
      } catch (error) {
        this.#backToHello(); // the client may say hello with another name
        throw error;
      }
      [user, token, fromCookie] = [session.user, session.token, false];
    }
    this.tokenHash = await this.#options.hashToken(token);
    if (this.state.phase !== "authenticating") return;
    // Counted from here until the connection closes (`#closed`).
    if (!this.#options.caps.addUser(user.id)) {
      return this.close("tooManyConnections", "too many connections");
    }
    const backlog = this.state.backlog;
    this.state = { phase: "ready", user };
    this.#options.chat.follow(user.id, this);
    this.#send({
      type: "welcome",
      user,
      token: fromCookie ? "" : token,
      protocol: PROTOCOL_VERSION,
      limits: {
        maxFrameBytes: LIMITS.maxFrameBytes,
        maxTextChars: LIMITS.maxTextChars,
        maxNameChars: LIMITS.maxNameChars,
        historyMax: LIMITS.historyMax,
      },
      node: this.#options.node,
    });
    for (const data of backlog) this.#receive(data);
  }

  #backToHello(): void {
    if (this.state.phase !== "authenticating") return;
    const backlog = this.state.backlog;
    const timer = setTimeout(
      () => this.close("helloTimeout", "no hello in time"),
      this.#options.helloTimeoutMs,
    );
    this.state = { phase: "awaiting-hello", timer };
    queueMicrotask(() => {
      for (const data of backlog) this.#receive(data);
    });
  }

  #handle(frame: ClientFrame, user: User): void {
    switch (frame.type) {
      case "hello":
        return this.#fail(
          new ProtocolError("bad_request", "Already said hello", {
            ref: "hello",
          }),
        );
      case "ping":
        return this.#send({ type: "pong" });
      case "join":
        return void this.#join(frame, user).catch((error) =>
          this.#fail(error, "join")
        );
      case "leave":
        return this.#leave(frame.room);
      case "send":
      case "edit":
      case "delete":
      case "react":
        return this.#post(frame, user);
      case "typing":
        if (!this.#subscription(frame.room)) {
          return this.#notJoined(frame.room, "typing");
        }
        return void this.#options.chat.typing(frame.room, user).catch((
          error,
        ) => this.#fail(error, "typing"));
      case "read":
        return this.#read(frame.room, frame.seq, user);
      case "visibility":
        return this.#visibility(frame.hidden);
      case "watch": {
        // Starting a watch reads up to 1 000 events per room: it counts
        // as a send, so changing lists fast buys no more reads.
        const wait = this.#options.sendLimiter.takeFor(user, this.address);
        if (wait > 0) {
          return this.#fail(
            new ProtocolError("rate_limited", "Watching too fast", {
              ref: "watch",
              retryAfterMs: wait,
            }),
          );
        }
        this.#unwatch(frame.rooms);
        for (const room of frame.rooms) this.#watch(room, user);
        return;
      }
      case "history":
        return void this.#options.chat.history(
          frame.room,
          frame.before,
          frame.limit,
          user,
        ).then(
          ({ messages, hasMore }) =>
            this.#send({
              type: "history",
              room: frame.room,
              messages,
              hasMore,
            }),
          (error) => this.#fail(error, "history"),
        );
    }
  }

  async #join(
    { room, since, epoch }: Extract<ClientFrame, { type: "join" }>,
    user: User,
  ): Promise<void> {
    const previous = this.#subscription(room);
    if (previous) this.#options.chat.leave(previous); // a re-join restarts from `since`
    const subscription = new RoomSubscription(room, user, this.#sender);
    subscription.hidden = this.#hidden;
    this.#setSubscription(subscription);
    try {
      await this.#options.chat.join(
        subscription,
        since,
        (reply) => this.#sendJoined(reply),
        epoch,
      );
    } catch (error) {
      // Refused (a private room, a ban) or failed: not joined.
      if (this.#subscription(room) === subscription) {
        this.#deleteSubscription(room);
      }
      throw error;
    }
    // Left (or closed) while the reply was being read: undo the join.
    if (this.#subscription(room) !== subscription) {
      this.#options.chat.leave(subscription);
    }
  }

  #sendJoined(reply: JoinResult): void {
    const { messages, updates } = reply;
    if (messages.length + updates.length <= JOINED_CHUNK) {
      this.#send({ type: "joined", ...reply });
      return;
    }
    // A long backlog: `joined` carries its first events, the rest follow
    // as events, in `seq` order, before any live one.
    const events = mergeBySeq(messages, updates);
    const first = events.slice(0, JOINED_CHUNK);
    this.#send({
      type: "joined",
      ...reply,
      messages: first.filter(isMessage),
      updates: first.filter(isUpdate),
    });
    for (let i = JOINED_CHUNK; i < events.length; i++) {
      this.#sender.push(new OutgoingRoomEvent(events[i]).frame);
    }
  }

  /** Its sender's socket fell behind: close it, the client resumes with `since`. */
  socketBehind(): void {
    this.#options.counters.slowClientsClosed.inc();
    this.close("overloaded", "fell behind; reconnect and resume with since");
  }

  /** A room ended the subscription (the user was banned): say so. */
  subscriptionRemoved(room: string, reason: RemovalReason): void {
    const subscription = this.#subscription(room);
    if (!subscription) return;
    this.#deleteSubscription(room);
    this.#options.chat.leave(subscription);
    this.#send({ type: "left", room, reason });
  }

  #leave(room: string): void {
    const subscription = this.#subscription(room);
    if (!subscription) return this.#notJoined(room, "leave");
    this.#deleteSubscription(room);
    this.#options.chat.leave(subscription);
    this.#send({ type: "left", room });
  }

  /** Stores a send, edit, delete or react frame and acks it with its `seq`. */
  #post(frame: EventFrame, user: User): void {
    if (!this.#subscription(frame.room)) {
      return this.#notJoined(frame.room, frame.id);
    }
    const wait = this.#options.sendLimiter.takeFor(user, this.address);
    if (wait > 0) {
      return this.#fail(
        new ProtocolError("rate_limited", "Sending too fast", {
          ref: frame.id,
          retryAfterMs: wait,
        }),
      );
    }
    this.#options.chat.post(frame.room, user, frame.id, inputOf(frame)).then(
      ({ seq }) => {
        if (this.state.phase !== "closed") {
          this.#send({ type: "ack", id: frame.id, room: frame.room, seq });
        }
      },
      (error) => this.#fail(error, frame.id),
    );
  }

  /** The user read `room` up to `seq`: stored, and told to their other connections. */
  #read(room: string, seq: number, user: User): void {
    this.#watches?.get(room)?.watch.readTo(seq);
    this.#options.chat.markRead(room, user, seq, this.followerId).catch((
      error,
    ) => this.#fail(error, "read"));
  }

  /** The page was hidden or shown: its joined rooms count as looked at, or not. */
  #visibility(hidden: boolean): void {
    this.#hidden = hidden;
    const rooms = this.#rooms;
    const { chat } = this.#options;
    if (rooms instanceof RoomSubscription) chat.setHidden(rooms, hidden);
    else if (rooms !== null) {
      for (const subscription of rooms.values()) {
        chat.setHidden(subscription, hidden);
      }
    }
  }

  /** Starts watching `room`'s counts, unless it is watched already. */
  #watch(room: string, user: User): void {
    if (this.#watches?.has(room)) return;
    const watch = new RoomWatch(room, this);
    const subscription = new RoomSubscription(room, user, watch, {
      countsPresence: false,
    });
    (this.#watches ??= new Map()).set(room, { subscription, watch });
    this.#options.chat.watch(subscription, (state) => watch.start(state))
      .then(() => {
        // Unwatched (or closed) while starting: undo.
        if (this.#watches?.get(room)?.watch !== watch) {
          this.#options.chat.leave(subscription);
        }
      }, () => {
        // A room the user may not read is skipped without a word.
        if (this.#watches?.get(room)?.watch === watch) {
          this.#watches.delete(room);
        }
      });
  }

  /** Stops watching every room not in `keep`. */
  #unwatch(keep: readonly string[]): void {
    const watches = this.#watches;
    if (!watches) return;
    for (const [room, { subscription }] of watches) {
      if (keep.includes(room)) continue;
      watches.delete(room);
      this.#options.chat.leave(subscription);
    }
  }

  /** {@inheritDoc WatchOwner.send} */
  send(event: ServerEvent): void {
    if (this.state.phase !== "closed") this.#send(event);
  }

  /** {@inheritDoc WatchOwner.rewatch} */
  rewatch(room: string): void {
    const watched = this.#watches?.get(room);
    if (!watched || this.state.phase !== "ready") return;
    this.#watches!.delete(room);
    this.#options.chat.leave(watched.subscription);
    this.#watch(room, this.state.user);
  }

  /**
   * Unique on every node: the isolate's id and a number, made when asked
   * (rarely) rather than kept by every idle socket.
   */
  get followerId(): string {
    return `${this.#options.node}.${this.#serial}`;
  }

  /** An event of the user's from elsewhere (another tab read a room). */
  userEvent(event: UserEvent): void {
    if (this.state.phase !== "ready") return;
    this.#watches?.get(event.room)?.watch.readTo(event.seq);
    this.#send(event);
  }

  #notJoined(room: string, ref: string): void {
    this.#fail(
      new ProtocolError(
        "not_joined",
        `Cannot use room "${room}": join it first`,
        { ref },
      ),
    );
  }
}

function guestName(): string {
  return `guest-${Math.floor(1000 + Math.random() * 9000)}`;
}
