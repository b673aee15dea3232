/**
 * `Connection` in process: a fake socket (the client's side of the wire) and
 * a real chat core over the KV store in memory. Each test speaks the
 * protocol's frames and checks what comes back and what the chat holds.
 */
import assert, { deepEqual, equal } from "node:assert/strict";
import type { ServerEvent, User } from "../protocol/types.ts";
import { LIMITS, PROTOCOL_VERSION } from "../protocol/limits.ts";
import { TokenSigner } from "../auth/token.ts";
import { Sessions, tokenHash } from "../auth/sessions.ts";
import { openTestChat, type TestChat } from "../rooms/test_support.ts";
import { waitUntil } from "../../tests/helpers/wait.ts";
import {
  Connection,
  type ConnectionOptions,
  type ConnectionSocket,
} from "./connection.ts";
import { IdleSweep } from "./idle_sweep.ts";
import { WebSockets } from "./websockets.ts";
import { SendLimiter } from "../throttle/send_limiter.ts";
import { ConnectionCaps } from "../throttle/connection_caps.ts";

const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

type EventOf<T extends ServerEvent["type"]> = Extract<ServerEvent, { type: T }>;

/** The client's end of a socket: what it sends, and everything it received. */
class FakeSocket implements ConnectionSocket {
  readyState = OPEN;
  bufferedAmount = 0;
  /** Every event received, in order (a coalesced frame's one by one). */
  readonly events: ServerEvent[] = [];
  /** How many frames arrived (a coalesced frame counts once). */
  frames = 0;
  /** The close the server asked for. */
  closedWith: { code: number; reason: string } | undefined;
  readonly #listeners = new Map<string, EventListenerObject>();
  /** Events before this index were taken by `next`. */
  #taken = 0;

  addEventListener(type: string, listener: EventListenerObject): void {
    this.#listeners.set(type, listener);
  }

  send(data: string): void {
    this.frames++;
    const parsed = JSON.parse(data);
    this.events.push(...(Array.isArray(parsed) ? parsed : [parsed]));
  }

  close(code: number, reason: string): void {
    if (this.readyState !== OPEN) return;
    this.closedWith = { code, reason };
    this.readyState = CLOSING;
    // Like a runtime: the close event follows, later.
    queueMicrotask(() => this.#ended(true));
  }

  /** The code of the close the server asked for. */
  closeCode(): number | undefined {
    return this.closedWith?.code;
  }

  /** The client sends a frame: JSON of `frame`, or a string or bytes as they are. */
  receive(frame: string | ArrayBuffer | Record<string, unknown>): void {
    const data = typeof frame === "string" || frame instanceof ArrayBuffer
      ? frame
      : JSON.stringify(frame);
    this.#listeners.get("message")?.handleEvent(
      new MessageEvent("message", { data }),
    );
  }

  /** The client goes away without a close handshake. */
  drop(): void {
    this.#ended(false);
  }

  /** The next event of `type` (and `match`), after those already taken. */
  async next<T extends ServerEvent["type"]>(
    type: T,
    match: (event: EventOf<T>) => boolean = () => true,
  ): Promise<EventOf<T>> {
    let found: EventOf<T> | undefined;
    await waitUntil(`a ${type} event`, () => {
      for (let i = this.#taken; i < this.events.length; i++) {
        const event = this.events[i];
        if (event.type === type && match(event as EventOf<T>)) {
          this.#taken = i + 1;
          found = event as EventOf<T>;
          return true;
        }
      }
      return false;
    }, 3_000);
    return found!;
  }

  /** The events of `type` received so far. */
  all<T extends ServerEvent["type"]>(type: T): EventOf<T>[] {
    return this.events.filter((e): e is EventOf<T> => e.type === type);
  }

  #ended(wasClean: boolean): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.#listeners.get("close")?.handleEvent(
      new CloseEvent("close", { wasClean }),
    );
  }
}

/** A connected, greeted client. */
interface Client {
  socket: FakeSocket;
  connection: Connection;
  user: User;
}

type Tunables =
  & Pick<ConnectionOptions, "helloTimeoutMs" | "slowClientBytes">
  & {
    /** The shared send limiter's rate and burst. */
    sendRate: number;
    sendBurst: number;
    /** The shared connection cap per user. */
    maxConnectionsPerUser: number;
  };

const DEFAULTS: Tunables = {
  helloTimeoutMs: 10_000,
  sendRate: 0,
  sendBurst: 40,
  slowClientBytes: 1 << 20,
  maxConnectionsPerUser: 0,
};

class Harness {
  readonly idle = new IdleSweep(60_000);
  readonly live = new Set<Connection>();
  readonly counts = {
    connectionsOpened: 0,
    protocolErrors: 0,
    slowClientsClosed: 0,
  };
  /** Errors connections reported as not the client's. */
  readonly errors: unknown[] = [];
  readonly options: ConnectionOptions;
  readonly caps: ConnectionCaps;

  constructor(
    readonly core: TestChat,
    readonly sessions: Sessions,
    tunables: Tunables,
  ) {
    const counter = (name: keyof Harness["counts"]) => ({
      inc: () => this.counts[name]++,
    });
    const { sendRate, sendBurst, maxConnectionsPerUser, ...rest } = tunables;
    this.caps = new ConnectionCaps(maxConnectionsPerUser, 0);
    this.options = {
      ...rest,
      sendLimiter: new SendLimiter(sendRate, sendBurst),
      caps: this.caps,
      chat: core.chat,
      sessions,
      hashToken: tokenHash,
      node: "node-a",
      idle: this.idle,
      live: this.live,
      counters: {
        connectionsOpened: counter("connectionsOpened"),
        protocolErrors: counter("protocolErrors"),
        slowClientsClosed: counter("slowClientsClosed"),
      },
      onError: (error) => this.errors.push(error),
    };
  }

  /** A socket that has not said hello yet. */
  connect(address = ""): { socket: FakeSocket; connection: Connection } {
    const socket = new FakeSocket();
    return {
      socket,
      connection: new Connection(this.options, socket, null, address),
    };
  }

  /** A socket that said hello as `name` and was welcomed. */
  async client(name: string): Promise<Client> {
    const { socket, connection } = this.connect();
    socket.receive({ type: "hello", name });
    const { user } = await socket.next("welcome");
    return { socket, connection, user };
  }

  /** A client that joined `room`. */
  async member(name: string, room = "r"): Promise<Client> {
    const client = await this.client(name);
    client.socket.receive({ type: "join", room });
    await client.socket.next("joined");
    return client;
  }

  /** The texts stored in `room`, oldest first. */
  async texts(room = "r"): Promise<string[]> {
    const { messages } = await this.core.chat.history(
      room,
      undefined,
      100,
      null,
    );
    return messages.map((m) => m.text);
  }
}

/** Runs `fn` on a fresh chat; every connection is closed afterwards. */
async function withHarness(
  fn: (h: Harness) => Promise<void>,
  tunables: Partial<Tunables> = {},
): Promise<void> {
  const core = await openTestChat();
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const sessions = new Sessions(
    await TokenSigner.create(secret),
    core.accounts,
    core.records,
  );
  const h = new Harness(core, sessions, { ...DEFAULTS, ...tunables });
  try {
    await fn(h);
    deepEqual(h.errors, []);
    deepEqual(core.errors, []);
  } finally {
    for (const connection of h.live) connection.close("normal");
    core.close();
  }
}

/** Lets pending storage work and queued frames finish. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

Deno.test("hello is answered with welcome: a new user, their token, the limits and the node", async () => {
  await withHarness(async (h) => {
    const { socket, connection } = h.connect();
    equal(connection.state.phase, "awaiting-hello");
    socket.receive({ type: "hello", name: "ann" });
    const welcome = await socket.next("welcome");
    equal(welcome.user.name, "ann");
    assert(welcome.user.id.length > 0);
    deepEqual(await h.sessions.verify(welcome.token), welcome.user);
    equal(welcome.protocol, PROTOCOL_VERSION);
    equal(welcome.node, "node-a");
    deepEqual(welcome.limits, {
      maxFrameBytes: LIMITS.maxFrameBytes,
      maxTextChars: LIMITS.maxTextChars,
      maxNameChars: LIMITS.maxNameChars,
      historyMax: LIMITS.historyMax,
    });
    equal(connection.state.phase, "ready");
    deepEqual([...h.live], [connection]);
    equal(h.counts.connectionsOpened, 1);

    // The token says hello for the same user; with another name, renamed.
    const again = h.connect();
    again.socket.receive({ type: "hello", token: welcome.token });
    deepEqual((await again.socket.next("welcome")).user, welcome.user);
    const renamed = h.connect();
    renamed.socket.receive({
      type: "hello",
      token: welcome.token,
      name: "anne",
    });
    const rewelcome = await renamed.socket.next("welcome");
    deepEqual(rewelcome.user, { id: welcome.user.id, name: "anne" });
    deepEqual(await h.sessions.verify(rewelcome.token), rewelcome.user);
    equal(h.counts.connectionsOpened, 3);
  });
});

Deno.test("a bad token is refused and the socket may say hello again", async () => {
  await withHarness(async (h) => {
    const { socket, connection } = h.connect();
    socket.receive({ type: "hello", token: "v1.forged.token" });
    const error = await socket.next("error");
    deepEqual([error.code, error.ref], ["unauthenticated", "hello"]);
    equal(connection.state.phase, "awaiting-hello");
    socket.receive({ type: "hello", name: "bob" });
    equal((await socket.next("welcome")).user.name, "bob");
    equal(socket.closedWith, undefined);
  });
});

Deno.test("frames before hello are refused; frames sent right after it wait for welcome", async () => {
  await withHarness(async (h) => {
    const early = h.connect();
    early.socket.receive({ type: "join", room: "r" });
    const error = await early.socket.next("error");
    deepEqual([error.code, error.ref], ["unauthenticated", "join"]);
    equal(h.core.hub.channel("r"), undefined);

    // Pipelined: hello, join and ping in one go, all answered after welcome.
    const { socket } = h.connect();
    socket.receive({ type: "hello", name: "ann" });
    socket.receive({ type: "join", room: "r" });
    socket.receive({ type: "ping" });
    await socket.next("joined");
    equal(socket.events[0].type, "welcome");
    deepEqual(socket.events.map((e) => e.type).sort(), [
      "joined",
      "pong",
      "welcome",
    ]);
  });
});

Deno.test("join answers joined with the room's history; since resumes after it, another epoch does not", async () => {
  await withHarness(async (h) => {
    const bob: User = { id: "u_bob", name: "bob" };
    for (const text of ["one", "two", "three"]) {
      await h.core.chat.post("r", bob, `id-${text}`, { type: "message", text });
    }
    const ann = await h.client("ann");
    ann.socket.receive({ type: "join", room: "r" });
    const joined = await ann.socket.next("joined");
    equal(joined.room, "r");
    equal(joined.seq, 3);
    equal(joined.recovered, true);
    deepEqual(joined.messages.map((m) => [m.seq, m.text, m.user]), [
      [1, "one", bob],
      [2, "two", bob],
      [3, "three", bob],
    ]);
    deepEqual(joined.online, [ann.user]);
    assert(joined.epoch.length > 0);

    const cat = await h.client("cat");
    cat.socket.receive({
      type: "join",
      room: "r",
      since: 2,
      epoch: joined.epoch,
    });
    const resumed = await cat.socket.next("joined");
    deepEqual(resumed.messages.map((m) => m.seq), [3]);
    equal(resumed.recovered, true);
    deepEqual(
      resumed.online.map((u) => u.name).sort(),
      ["ann", "cat"],
    );

    const dan = await h.client("dan");
    dan.socket.receive({ type: "join", room: "r", since: 2, epoch: "old" });
    const lost = await dan.socket.next("joined");
    equal(lost.recovered, false);
    deepEqual(lost.messages.map((m) => m.seq), [1, 2, 3]);
    // The others learn who came.
    const seen = await ann.socket.next(
      "presence",
      (e) => e.joins.some((u) => u.name === "dan"),
    );
    deepEqual(seen.leaves, []);
  });
});

Deno.test("frames held while hello is verified are bounded: the 65th is rate_limited", async () => {
  await withHarness(async (h) => {
    const { socket } = h.connect();
    socket.receive({ type: "hello", name: "ann" });
    for (let i = 0; i < 65; i++) socket.receive({ type: "ping" });
    const refused = await socket.next("error");
    deepEqual(
      [refused.code, refused.retryAfterMs],
      ["rate_limited", 100],
    );
    await socket.next("welcome");
    await waitUntil("64 pongs", () => socket.all("pong").length === 64);
    await settle();
    equal(socket.all("pong").length, 64);
  });
});

Deno.test("joining a joined room again restarts it from since, with one subscription", async () => {
  await withHarness(async (h) => {
    const ann = await h.member("ann");
    for (const id of ["m1", "m2", "m3"]) {
      ann.socket.receive({ type: "send", room: "r", id, text: id });
    }
    await ann.socket.next("ack", (a) => a.id === "m3");
    ann.socket.receive({ type: "join", room: "r", since: 1 });
    const rejoined = await ann.socket.next("joined");
    deepEqual(rejoined.messages.map((m) => m.seq), [2, 3]);
    equal(h.core.hub.channel("r")?.subscribers.size, 1);
    ann.socket.receive({ type: "send", room: "r", id: "m4", text: "m4" });
    await ann.socket.next("ack", (a) => a.id === "m4");
    await settle();
    deepEqual(
      ann.socket.all("message").map((m) => m.seq),
      [1, 2, 3, 4],
    );
  });
});

Deno.test("send is acked with its seq and reaches every member of the room once", async () => {
  await withHarness(async (h) => {
    const ann = await h.member("ann");
    const bob = await h.member("bob");
    const elsewhere = await h.member("cat", "other");
    ann.socket.receive({ type: "send", room: "r", id: "m1", text: "hello" });
    deepEqual(await ann.socket.next("ack"), {
      type: "ack",
      id: "m1",
      room: "r",
      seq: 1,
    });
    const received = await bob.socket.next("message");
    deepEqual(
      [received.room, received.seq, received.id, received.text, received.user],
      ["r", 1, "m1", "hello", ann.user],
    );
    await settle();
    deepEqual(ann.socket.all("message").map((m) => m.seq), [1]);
    equal(bob.socket.all("message").length, 1);
    deepEqual(elsewhere.socket.all("message"), []);
    deepEqual(await h.texts(), ["hello"]);
    equal(h.core.posts.stored, 1);
  });
});

Deno.test("a repeated id is acked with the stored seq and stored once", async () => {
  await withHarness(async (h) => {
    const ann = await h.member("ann");
    const bob = await h.member("bob");
    ann.socket.receive({ type: "send", room: "r", id: "m1", text: "first" });
    equal((await ann.socket.next("ack")).seq, 1);
    ann.socket.receive({ type: "send", room: "r", id: "m1", text: "retry" });
    deepEqual(await ann.socket.next("ack"), {
      type: "ack",
      id: "m1",
      room: "r",
      seq: 1,
    });
    ann.socket.receive({ type: "send", room: "r", id: "m2", text: "second" });
    equal((await ann.socket.next("ack")).seq, 2);
    await bob.socket.next("message", (m) => m.seq === 2);
    deepEqual(bob.socket.all("message").map((m) => [m.seq, m.text]), [
      [1, "first"],
      [2, "second"],
    ]);
    deepEqual(await h.texts(), ["first", "second"]);
    deepEqual(h.core.posts, { stored: 2, duplicate: 1 });
  });
});

Deno.test("invalid frames get an error with their code and ref, and change nothing", async () => {
  await withHarness(async (h) => {
    const ann = await h.member("ann");
    const bob = await h.member("bob");
    const cases: Array<
      [string | ArrayBuffer | Record<string, unknown>, string, string?]
    > = [
      ["not json", "bad_request"],
      ["[1,2]", "bad_request"],
      [{ type: "shout" }, "bad_request", "shout"],
      [
        { type: "send", room: "r", id: "no spaces", text: "x" },
        "bad_request",
        "send",
      ],
      [
        { type: "send", room: "r", id: "m1", text: "   " },
        "text_invalid",
        "m1",
      ],
      [{ type: "send", room: "R!", id: "m2", text: "x" }, "room_invalid", "m2"],
      [
        { type: "send", room: "other", id: "m3", text: "x" },
        "not_joined",
        "m3",
      ],
      [{ type: "typing", room: "other" }, "not_joined", "typing"],
      [{ type: "history", room: "r", limit: 1000 }, "bad_request", "history"],
      [{ type: "join", room: "r", since: -1 }, "bad_request", "join"],
      [{ type: "hello", name: "ann" }, "bad_request", "hello"],
      [new ArrayBuffer(8), "bad_request"],
    ];
    for (const [frame, code, ref] of cases) {
      ann.socket.receive(frame);
      const error = await ann.socket.next("error");
      deepEqual(
        [error.code, error.ref],
        [code, ref],
        `${JSON.stringify(frame)}: ${error.message}`,
      );
      assert(error.message.length > 0);
    }
    await settle();
    equal(h.counts.protocolErrors, cases.length);
    equal(ann.connection.state.phase, "ready");
    equal(ann.socket.closedWith, undefined);
    deepEqual(await h.texts(), []);
    deepEqual(await h.texts("other"), []);
    deepEqual(bob.socket.all("message"), []);
    deepEqual(bob.socket.all("typing"), []);
    // Still joined as before: a valid send goes through.
    ann.socket.receive({ type: "send", room: "r", id: "ok", text: "fine" });
    equal((await ann.socket.next("ack")).seq, 1);
  });
});

Deno.test("sends over the rate limit are refused with retryAfterMs and not stored", async () => {
  await withHarness(async (h) => {
    const ann = await h.member("ann");
    for (const id of ["m1", "m2", "m3"]) {
      ann.socket.receive({ type: "send", room: "r", id, text: id });
    }
    const refused = await ann.socket.next("error");
    deepEqual([refused.code, refused.ref], ["rate_limited", "m3"]);
    assert(
      refused.retryAfterMs! > 0 && refused.retryAfterMs! <= 1_000,
      `retryAfterMs ${refused.retryAfterMs}`,
    );
    await settle();
    deepEqual(ann.socket.all("ack").map((a) => [a.id, a.seq]), [
      ["m1", 1],
      ["m2", 2],
    ]);
    deepEqual(await h.texts(), ["m1", "m2"]);
  }, { sendRate: 1, sendBurst: 2 });
});

Deno.test("leave answers left, ends delivery and presence; leaving again is not_joined", async () => {
  await withHarness(async (h) => {
    const ann = await h.member("ann");
    const bob = await h.member("bob");
    ann.socket.receive({ type: "leave", room: "r" });
    deepEqual(await ann.socket.next("left"), { type: "left", room: "r" });
    const gone = await bob.socket.next("presence", (e) => e.leaves.length > 0);
    deepEqual([gone.joins, gone.leaves], [[], [ann.user]]);
    equal(h.core.hub.channel("r")?.subscribers.size, 1);

    bob.socket.receive({
      type: "send",
      room: "r",
      id: "b1",
      text: "still here?",
    });
    await bob.socket.next("ack");
    await settle();
    deepEqual(ann.socket.all("message"), []);

    ann.socket.receive({ type: "send", room: "r", id: "a1", text: "hi" });
    const notJoined = await ann.socket.next("error");
    deepEqual([notJoined.code, notJoined.ref], ["not_joined", "a1"]);
    ann.socket.receive({ type: "leave", room: "r" });
    const again = await ann.socket.next("error");
    deepEqual([again.code, again.ref], ["not_joined", "leave"]);
    deepEqual(await h.texts(), ["still here?"]);
  });
});

Deno.test("one connection holds several rooms and leaves them all when it closes", async () => {
  await withHarness(async (h) => {
    const ann = await h.member("ann", "r");
    ann.socket.receive({ type: "join", room: "s" });
    await ann.socket.next("joined");
    const bob = await h.member("bob", "s");
    bob.socket.receive({ type: "send", room: "s", id: "b1", text: "in s" });
    equal((await ann.socket.next("message")).room, "s");

    ann.socket.drop();
    equal(ann.connection.state.phase, "closed");
    equal(h.core.hub.channel("r"), undefined);
    equal(h.core.hub.channel("s")?.subscribers.size, 1);
    const gone = await bob.socket.next("presence", (e) => e.leaves.length > 0);
    deepEqual(gone.leaves, [ann.user]);
    deepEqual([...h.live], [bob.connection]);
  });
});

Deno.test("typing reaches the other members; history answers a page", async () => {
  await withHarness(async (h) => {
    const ann = await h.member("ann");
    const bob = await h.member("bob");
    ann.socket.receive({ type: "typing", room: "r" });
    deepEqual(await bob.socket.next("typing"), {
      type: "typing",
      room: "r",
      user: ann.user,
    });
    for (const id of ["m1", "m2", "m3"]) {
      ann.socket.receive({ type: "send", room: "r", id, text: id });
    }
    await ann.socket.next("ack", (a) => a.id === "m3");
    ann.socket.receive({ type: "history", room: "r", before: 3, limit: 1 });
    const page = await ann.socket.next("history");
    deepEqual(
      [page.room, page.messages.map((m) => m.seq), page.hasMore],
      ["r", [2], true],
    );
  });
});

Deno.test("edit, react and delete are acked, fanned out in seq order, and folded in joined and history", async () => {
  await withHarness(async (h) => {
    const ann = await h.member("ann");
    const bob = await h.member("bob");
    ann.socket.receive({ type: "send", room: "r", id: "m1", text: "helo" });
    await ann.socket.next("ack");
    ann.socket.receive({
      type: "edit",
      room: "r",
      id: "e1",
      target: 1,
      text: "hello",
    });
    bob.socket.receive({
      type: "react",
      room: "r",
      id: "k1",
      target: 1,
      emoji: "🎉",
      on: true,
    });
    // Ann's ack and bob's reaction come in either order (one commit or two):
    // the ack is looked for without taking the events before it.
    await waitUntil(
      "ann's ack of e1",
      () => ann.socket.all("ack").some((a) => a.id === "e1"),
    );
    deepEqual(ann.socket.all("ack").find((a) => a.id === "e1"), {
      type: "ack",
      id: "e1",
      room: "r",
      seq: 2,
    });
    // Events are taken in order: bob sees the edit before his own ack.
    const edit = await bob.socket.next("edit");
    deepEqual([edit.seq, edit.target, edit.text, edit.user], [
      2,
      1,
      "hello",
      ann.user,
    ]);
    equal((await bob.socket.next("ack", (a) => a.id === "k1")).seq, 3);
    const reaction = await ann.socket.next("reaction");
    deepEqual([reaction.seq, reaction.emoji, reaction.on], [3, "🎉", true]);
    // A late joiner gets the message folded; a resume gets the updates.
    const cat = await h.client("cat");
    cat.socket.receive({ type: "join", room: "r" });
    const joined = await cat.socket.next("joined");
    deepEqual(
      joined.messages.map((m) => [m.text, m.edited !== undefined, m.reactions]),
      [["hello", true, { "🎉": [bob.user.id] }]],
    );
    deepEqual(joined.updates, []);
    cat.socket.receive({ type: "join", room: "r", since: 1 });
    const resumed = await cat.socket.next("joined");
    deepEqual(resumed.messages, []);
    deepEqual(resumed.updates?.map((u) => [u.seq, u.type]), [
      [2, "edit"],
      [3, "reaction"],
    ]);
    ann.socket.receive({ type: "delete", room: "r", id: "d1", target: 1 });
    equal((await ann.socket.next("ack", (a) => a.id === "d1")).seq, 4);
    deepEqual((await bob.socket.next("delete")).target, 1);
    deepEqual(await h.texts(), [""]);
  });
});

Deno.test("a resume of more than 500 events: joined carries the first 500, the rest follow in seq order", async () => {
  await withHarness(async (h) => {
    const ann = await h.member("ann");
    for (let n = 1; n <= 300; n++) {
      await h.core.chat.post("r", ann.user, `m${n}`, {
        type: "message",
        text: `${n}`,
      });
      await h.core.chat.post("r", ann.user, `k${n}`, {
        type: "reaction",
        target: 2 * n - 1,
        emoji: "👍",
        on: true,
      });
    }
    const bob = await h.client("bob");
    bob.socket.receive({ type: "join", room: "r", since: 0 });
    const joined = await bob.socket.next("joined");
    equal(joined.messages.length + (joined.updates?.length ?? 0), 500);
    await waitUntil(
      "the rest of the backlog",
      () =>
        bob.socket.events.filter((e) =>
          e.type === "message" || e.type === "reaction"
        ).length === 100,
    );
    const rest = bob.socket.events.filter((e) =>
      e.type === "message" || e.type === "reaction"
    ) as Array<{ seq: number }>;
    const seqs = [
      ...joined.messages.map((m) => m.seq),
      ...(joined.updates ?? []).map((u) => u.seq),
    ].sort((a, b) => a - b).concat(rest.map((e) => e.seq));
    deepEqual(seqs, Array.from({ length: 600 }, (_, i) => i + 1));
  });
});

Deno.test("refused updates get forbidden or not_found with their id as ref, and store nothing", async () => {
  await withHarness(async (h) => {
    const ann = await h.member("ann");
    const bob = await h.member("bob");
    ann.socket.receive({ type: "send", room: "r", id: "m1", text: "mine" });
    await ann.socket.next("ack");
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ type: "edit", id: "x1", target: 1, text: "no" }, "forbidden"],
      [{ type: "delete", id: "x2", target: 1 }, "forbidden"],
      [{ type: "delete", id: "x3", target: 7 }, "not_found"],
      [
        { type: "react", id: "x4", target: 1, emoji: "🎉🎉", on: true },
        "bad_request",
      ],
      [{ type: "edit", id: "x5", target: 1, text: "" }, "text_invalid"],
    ];
    for (const [frame, code] of cases) {
      bob.socket.receive({ room: "r", ...frame });
      const error = await bob.socket.next("error", (e) => e.ref === frame.id);
      equal(error.code, code, JSON.stringify(frame));
    }
    deepEqual(await h.texts(), ["mine"]);
    equal((await h.core.chat.latest("r", 1, null)).head.seq, 1);
  });
});

Deno.test("typing right after a send is relayed: sending resets the once-a-second throttle", async () => {
  await withHarness(async (h) => {
    const ann = await h.member("ann");
    const bob = await h.member("bob");
    ann.socket.receive({ type: "typing", room: "r" });
    await bob.socket.next("typing");
    ann.socket.receive({ type: "typing", room: "r" }); // within the second: dropped
    ann.socket.receive({ type: "send", room: "r", id: "m1", text: "hi" });
    await ann.socket.next("ack");
    ann.socket.receive({ type: "typing", room: "r" });
    await bob.socket.next("typing");
    await settle();
    equal(bob.socket.all("typing").length, 2);
  });
});

Deno.test("the idle sweep closes a silent socket with 1001 and it leaves its room; a pinging one stays", async () => {
  await withHarness(async (h) => {
    const silent = await h.member("silent");
    const pinging = await h.member("pinging");
    for (let sweep = 1; sweep <= 5; sweep++) {
      pinging.socket.receive({ type: "ping" });
      await pinging.socket.next("pong");
      equal(silent.socket.closedWith, undefined, `closed at sweep ${sweep}`);
      h.idle.sweep(h.live);
    }
    deepEqual(silent.socket.closeCode(), 1001);
    deepEqual(silent.connection.state, { phase: "closed", reason: "idle" });
    equal(pinging.socket.closedWith, undefined);
    deepEqual([...h.live], [pinging.connection]);
    const gone = await pinging.socket.next(
      "presence",
      (e) => e.leaves.length > 0,
    );
    deepEqual(gone.leaves, [silent.user]);
  });
});

Deno.test("no hello in time closes with 4001", async () => {
  await withHarness(async (h) => {
    const { socket, connection } = h.connect();
    await waitUntil("closed", () => socket.closedWith !== undefined);
    equal(socket.closeCode(), 4001);
    deepEqual(connection.state, { phase: "closed", reason: "helloTimeout" });
    equal(h.live.size, 0);
  }, { helloTimeoutMs: 20 });
});

Deno.test("a frame over 64 KiB closes with 1009, text or binary", async () => {
  await withHarness(async (h) => {
    const text = await h.client("ann");
    text.socket.receive("x".repeat(LIMITS.maxFrameBytes + 1));
    equal(text.socket.closeCode(), 1009);
    const binary = await h.client("bob");
    binary.socket.receive(new ArrayBuffer(LIMITS.maxFrameBytes + 1));
    equal(binary.socket.closeCode(), 1009);
    equal(h.live.size, 0);
  });
});

Deno.test("more than 100 errors close with 1008", async () => {
  await withHarness(async (h) => {
    const ann = await h.client("ann");
    for (let i = 0; i < 100; i++) ann.socket.receive("nonsense");
    equal(ann.socket.closedWith, undefined);
    ann.socket.receive("nonsense");
    equal(ann.socket.closeCode(), 1008);
    equal(h.counts.protocolErrors, 101);
  });
});

Deno.test("a socket that falls behind is closed with 1013 and counted", async () => {
  await withHarness(async (h) => {
    const ann = await h.member("ann");
    const slow = await h.member("slow");
    slow.socket.bufferedAmount = 2 * 1024;
    ann.socket.receive({ type: "send", room: "r", id: "m1", text: "hi" });
    await ann.socket.next("ack");
    await waitUntil("slow closed", () => slow.socket.closedWith !== undefined);
    equal(slow.socket.closeCode(), 1013);
    equal(h.counts.slowClientsClosed, 1);
    deepEqual(slow.socket.all("message"), []);
    deepEqual([...h.live], [ann.connection]);
  }, { slowClientBytes: 1024 });
});

Deno.test("a client that goes away ends its connection; a clean close is normal", async () => {
  await withHarness(async (h) => {
    const ann = await h.member("ann");
    ann.socket.drop();
    deepEqual(ann.connection.state, { phase: "closed", reason: "internal" });
    const bob = await h.client("bob");
    bob.connection.close("normal", "bye");
    deepEqual(bob.socket.closedWith, { code: 1000, reason: "bye" });
    deepEqual(bob.connection.state, { phase: "closed", reason: "normal" });
    equal(h.live.size, 0);
    equal(h.core.hub.channel("r"), undefined);
  });
});

Deno.test("closing the transport tells every client to reconnect (1012)", async () => {
  const core = await openTestChat();
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const sessions = new Sessions(
    await TokenSigner.create(secret),
    core.accounts,
    core.records,
  );
  const noop = { inc() {} };
  const sockets = new WebSockets({
    ...DEFAULTS,
    sendLimiter: new SendLimiter(0, 1),
    caps: new ConnectionCaps(0, 0),
    chat: core.chat,
    sessions,
    hashToken: tokenHash,
    node: "node-a",
    idleMs: 60_000,
    counters: {
      connectionsOpened: noop,
      protocolErrors: noop,
      slowClientsClosed: noop,
    },
    onError: (error) => {
      throw error;
    },
  });
  try {
    const clients = [new FakeSocket(), new FakeSocket()];
    for (const socket of clients) {
      sockets.accept(socket, null);
      socket.receive({ type: "hello", name: "ann" });
      await socket.next("welcome");
    }
    const silent = new FakeSocket();
    sockets.accept(silent, null);
    equal(sockets.size, 3);
    sockets.close();
    deepEqual(
      [...clients, silent].map((s) => s.closedWith),
      Array(3).fill({ code: 1012, reason: "server restarting" }),
    );
    equal(sockets.size, 0);
  } finally {
    sockets.close();
    core.close();
  }
});

/** A second connection of `client`'s user (hello with its token), joined to `room`. */
async function again(h: Harness, token: string, address = "", room = "r") {
  const { socket, connection } = h.connect(address);
  socket.receive({ type: "hello", token });
  await socket.next("welcome");
  socket.receive({ type: "join", room });
  await socket.next("joined");
  return { socket, connection };
}

Deno.test("a user's connections share one send limit: more sockets buy no more sends", async () => {
  await withHarness(async (h) => {
    const { socket, connection } = h.connect("192.0.2.1");
    socket.receive({ type: "hello", name: "ann" });
    const { token } = await socket.next("welcome");
    socket.receive({ type: "join", room: "r" });
    await socket.next("joined");
    const sockets = [socket];
    for (let i = 0; i < 3; i++) {
      sockets.push((await again(h, token, `198.51.100.${i}`)).socket);
    }
    equal(connection.state.phase, "ready");
    sockets.forEach((s, i) => {
      for (let j = 0; j < 2; j++) {
        s.receive({ type: "send", room: "r", id: `m${i}${j}`, text: "x" });
      }
    });
    await settle();
    const acks = sockets.flatMap((s) => s.all("ack"));
    const refused = sockets.flatMap((s) => s.all("error"));
    equal(acks.length, 3);
    equal(refused.length, 5);
    assert(
      refused.every((e) => e.code === "rate_limited" && e.retryAfterMs! > 0),
    );
    equal((await h.texts()).length, 3);
  }, { sendRate: 1, sendBurst: 3 });
});

Deno.test("guests on new names from one address share the address's send limit", async () => {
  await withHarness(async (h) => {
    const guests = [];
    for (const name of ["g1", "g2", "g3"]) {
      const { socket } = h.connect("192.0.2.1");
      socket.receive({ type: "hello", name });
      await socket.next("welcome");
      socket.receive({ type: "join", room: "r" });
      await socket.next("joined");
      guests.push(socket);
    }
    guests.forEach((s, i) =>
      s.receive({ type: "send", room: "r", id: `g${i}`, text: "x" })
    );
    // Another address is another bucket.
    const { socket: far } = h.connect("198.51.100.7");
    far.receive({ type: "hello", name: "g4" });
    await far.next("welcome");
    far.receive({ type: "join", room: "r" });
    await far.next("joined");
    far.receive({ type: "send", room: "r", id: "g4", text: "x" });
    await settle();
    deepEqual(guests.map((s) => s.all("ack").length), [1, 1, 0]);
    equal(guests[2].all("error")[0].code, "rate_limited");
    equal(far.all("ack").length, 1);
  }, { sendRate: 1, sendBurst: 2 });
});

Deno.test("a user past the connection cap is closed with 4029 at hello; a closed one frees a place", async () => {
  await withHarness(async (h) => {
    const first = await h.member("ann");
    const { token } = first.socket.all("welcome")[0];
    const second = await again(h, token);
    const { socket, connection } = h.connect();
    socket.receive({ type: "hello", token });
    await waitUntil("closed", () => socket.closedWith !== undefined);
    deepEqual(socket.closedWith, {
      code: 4029,
      reason: "too many connections",
    });
    deepEqual(socket.all("welcome"), []);
    equal(connection.state.phase, "closed");
    equal(h.caps.counts(first.user.id, "").user, 2);
    // Another user is counted apart; a closed connection gives its place back.
    await h.member("bob");
    second.connection.close("normal");
    equal(h.caps.counts(first.user.id, "").user, 1);
    await again(h, token);
    equal(h.caps.counts(first.user.id, "").user, 2);
  }, { maxConnectionsPerUser: 2 });
});

Deno.test("an address past its cap gets no connection: 4029 when the socket opens", async () => {
  const core = await openTestChat();
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const sessions = new Sessions(
    await TokenSigner.create(secret),
    core.accounts,
    core.records,
  );
  const noop = { inc() {} };
  const caps = new ConnectionCaps(0, 2);
  const sockets = new WebSockets({
    ...DEFAULTS,
    sendLimiter: new SendLimiter(0, 1),
    caps,
    chat: core.chat,
    sessions,
    hashToken: tokenHash,
    node: "node-a",
    idleMs: 60_000,
    counters: {
      connectionsOpened: noop,
      protocolErrors: noop,
      slowClientsClosed: noop,
    },
    onError: (error) => {
      throw error;
    },
  });
  try {
    const [a, b, c, d] = [1, 2, 3, 4].map(() => new FakeSocket());
    assert(sockets.accept(a, null, "192.0.2.1"));
    assert(sockets.accept(b, null, "192.0.2.1"));
    equal(sockets.accept(c, null, "192.0.2.1"), null);
    deepEqual(c.closedWith, { code: 4029, reason: "too many connections" });
    assert(sockets.accept(d, null, "198.51.100.7")); // another address
    equal(sockets.size, 3);
    // A socket still connecting is closed once it opens.
    const connecting = new ConnectingSocket();
    equal(sockets.accept(connecting, null, "192.0.2.1"), null);
    equal(connecting.closedWith, undefined);
    connecting.open();
    deepEqual(connecting.closedWith, {
      code: 4029,
      reason: "too many connections",
    });
    // A closed connection gives its address's place back.
    a.drop();
    equal(caps.counts("", "192.0.2.1").address, 1);
    assert(sockets.accept(new FakeSocket(), null, "192.0.2.1"));
  } finally {
    sockets.close();
    core.close();
  }
});

/** A socket whose upgrade response is not sent yet (`CONNECTING`). */
class ConnectingSocket extends FakeSocket {
  #open: EventListenerObject | undefined;

  constructor() {
    super();
    this.readyState = 0;
  }

  override addEventListener(type: string, listener: EventListenerObject) {
    if (type === "open") this.#open = listener;
    else super.addEventListener(type, listener);
  }

  override close(code: number, reason: string): void {
    if (this.readyState === 0) throw new Error("closed while connecting");
    super.close(code, reason);
  }

  open(): void {
    this.readyState = OPEN;
    this.#open?.handleEvent(new Event("open"));
  }
}

Deno.test("read, watch and visibility: counts per watched room, reads reach the user's other sockets only", async () => {
  await withHarness(async (h) => {
    const ann = h.connect();
    ann.socket.receive({ type: "hello", name: "ann" });
    const { token } = await ann.socket.next("welcome");
    ann.socket.receive({ type: "join", room: "r" });
    equal((await ann.socket.next("joined")).read, 0);
    const sidebar = h.connect();
    sidebar.socket.receive({ type: "hello", token });
    await sidebar.socket.next("welcome");
    sidebar.socket.receive({ type: "watch", rooms: ["r"] });
    equal((await sidebar.socket.next("unread")).unread, 0);

    const bob = await again(h, (await h.sessions.issue("bob", null)).token);
    bob.socket.receive({ type: "send", room: "r", id: "b1", text: "@ann hi" });
    await bob.socket.next("ack");
    await settle();
    const counts = sidebar.socket.all("unread").at(-1)!;
    deepEqual([counts.unread, counts.mentions], [1, 1]);

    ann.socket.receive({ type: "read", room: "r", seq: 1 });
    await settle();
    deepEqual(sidebar.socket.all("read"), [{
      type: "read",
      room: "r",
      seq: 1,
    }]);
    equal(ann.socket.all("read").length, 0); // not back to the sender
    equal(sidebar.socket.all("unread").at(-1)!.unread, 0);

    // Hidden, ann counts as away from the rooms she joined.
    equal(h.core.pushes.length, 0);
    ann.socket.receive({ type: "visibility", hidden: true });
    bob.socket.receive({
      type: "send",
      room: "r",
      id: "b2",
      text: "@ann psst",
    });
    await bob.socket.next("ack", (e) => e.id === "b2");
    await settle();
    equal(h.core.pushes.length, 1);
    ann.socket.receive({ type: "visibility", hidden: false });
    bob.socket.receive({
      type: "send",
      room: "r",
      id: "b3",
      text: "@ann again",
    });
    await settle();
    equal(h.core.pushes.length, 1);
  });
});

Deno.test("watch frames count against the send limit: changing lists fast buys no reads", async () => {
  await withHarness(async (h) => {
    const { socket } = h.connect();
    socket.receive({ type: "hello", name: "ann" });
    await socket.next("welcome");
    socket.receive({ type: "watch", rooms: ["a"] });
    socket.receive({ type: "watch", rooms: ["b"] });
    const refused = await socket.next("error");
    deepEqual([refused.code, refused.ref], ["rate_limited", "watch"]);
    await settle();
    deepEqual(socket.all("unread").map((e) => e.room), ["a"]);
  }, { sendRate: 1, sendBurst: 1 });
});

Deno.test("a sender's own message and its ack arrive in one frame", async () => {
  await withHarness(async (h) => {
    const ann = await h.member("ann");
    await settle();
    const before = ann.socket.frames;
    ann.socket.receive({ type: "send", room: "r", id: "m1", text: "hi" });
    await ann.socket.next("ack");
    await settle();
    equal(ann.socket.frames - before, 1);
    deepEqual(ann.socket.events.slice(-2).map((e) => e.type), [
      "message",
      "ack",
    ]);
  });
});
