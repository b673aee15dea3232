import assert from "node:assert/strict";
import type { ServerEvent, User } from "../protocol/types.ts";
import { FakeClock } from "./fake_clock.ts";
import { Link, type LinkOptions, type LinkState } from "./link.ts";
import { fakeTransport, welcomeEvent } from "./testing.ts";

const alice: User = { id: "u_alice", name: "alice" };
const welcome = (token = "tok2"): ServerEvent => welcomeEvent(alice, token);

/** The phase, unnarrowed (assertions narrow `link.state` for good). */
const phaseOf = (link: Link): string => link.state.phase;

function setup(options: Partial<LinkOptions> = {}) {
  const clock = new FakeClock(0);
  const fake = fakeTransport();
  let online = true;
  const states: LinkState[] = [];
  const events: ServerEvent[] = [];
  const log: string[] = [];
  const link = new Link(
    {
      transport: fake.factory,
      clock,
      token: "tok",
      // Upper end of every jitter range: delays are the caps.
      backoff: { baseMs: 500, maxMs: 15_000, random: () => 1 },
      isOnline: () => online,
      ...options,
    },
    {
      onWelcome: (user) => log.push(`welcome ${user.name}`),
      onEvents: (e) => events.push(...e),
      onDown: (info) => log.push(`down ${info.code}`),
      onState: (s) => states.push(s),
    },
  );
  const last = () => fake.connections.at(-1)!;
  /** Opens the newest transport and greets it. */
  const greet = () => {
    last().open();
    last().deliver(welcome());
  };
  return {
    link,
    clock,
    fake,
    states,
    events,
    log,
    last,
    greet,
    setOnline: (v: boolean) => (online = v),
  };
}

Deno.test("link: hello with the token, open on welcome, the new token kept; other events handed on", () => {
  const { link, fake, greet, events, log } = setup();
  link.start();
  assert.equal(phaseOf(link), "connecting");
  greet();
  assert.deepEqual(fake.connections[0].sent, [{ type: "hello", token: "tok" }]);
  assert.deepEqual(link.state, { phase: "open", transport: "fake" });
  assert.equal(link.token, "tok2");
  assert.deepEqual(log, ["welcome alice"]);
  fake.connections[0].deliver({ type: "pong" }, { type: "left", room: "a" });
  assert.deepEqual(events, [{ type: "left", room: "a" }]);
  link.stop();
  assert.deepEqual(link.state, { phase: "closed", reason: "stopped" });
});

Deno.test("link: backoff grows, and no wait is longer than 10 s in the first minute of an outage", () => {
  const { link, clock, fake, greet, last } = setup();
  link.start();
  greet();
  last().drop(1006);
  const waits: number[] = [];
  // The server stays down: each attempt fails at once.
  while (clock.now() < 120_000) {
    const s = link.state;
    assert.equal(s.phase, "waiting");
    if (s.phase !== "waiting") break;
    waits.push(s.retryAt - clock.now());
    clock.advance(s.retryAt - clock.now());
    last().drop(1006);
  }
  assert.deepEqual(waits.slice(0, 6), [
    500,
    1_000,
    2_000,
    4_000,
    8_000,
    10_000,
  ]);
  // Within the first minute (the outage began at 0) every wait ≤ 10 s…
  let t = 0;
  for (const w of waits) {
    if (t < 60_000) assert.ok(w <= 10_000, `${w} at ${t}`);
    t += w;
  }
  // …after it, the backoff's own cap.
  assert.equal(waits.at(-1), 15_000);
  assert.ok(fake.connections.length > 8);
});

Deno.test("link: an 11 s outage is over within 10 s of the server's return", () => {
  const { link, clock, greet, last } = setup();
  link.start();
  greet();
  last().drop(1006);
  // Down until 11 s: every attempt before then fails.
  while (link.state.phase === "waiting") {
    const s = link.state;
    clock.advance(s.retryAt - clock.now());
    if (clock.now() < 11_000) last().drop(1006);
    else break;
  }
  greet();
  assert.equal(phaseOf(link), "open");
  assert.ok(clock.now() <= 21_000, `recovered at ${clock.now()}`);
});

Deno.test("link: close rules — restart reconnects at once, overload waits 5 s, policy stops", () => {
  const { link, clock, greet, last, fake } = setup({ nowSpreadMs: 0 });
  link.start();
  greet();
  last().drop(1012);
  assert.equal(phaseOf(link), "waiting");
  clock.advance(0);
  assert.equal(fake.connections.length, 2);
  greet();
  last().drop(1013);
  const s = link.state;
  assert.ok(s.phase === "waiting" && s.retryAt - clock.now() === 5_000);
  clock.advance(5_000);
  greet();
  last().drop(1008, "origin not allowed");
  assert.deepEqual(link.state, {
    phase: "closed",
    code: 1008,
    reason: "origin not allowed",
  });
  clock.advance(60_000);
  assert.equal(fake.connections.length, 3);
  // The person may still try.
  link.reconnectNow();
  assert.equal(fake.connections.length, 4);
});

Deno.test("link: reconnect now, focus and the network's return skip the wait", () => {
  const { link, clock, greet, last, fake, setOnline } = setup();
  link.start();
  greet();
  last().drop(1006);
  last(); // first wait 500 ms
  clock.advance(500);
  last().drop(1006); // now waiting 1 s
  assert.equal(phaseOf(link), "waiting");
  link.reconnectNow();
  assert.equal(phaseOf(link), "connecting");
  assert.equal(fake.connections.length, 3);
  last().drop(1006);
  link.wake(); // the tab regained focus
  assert.equal(fake.connections.length, 4);
  setOnline(false);
  last().drop(1006);
  assert.equal(phaseOf(link), "offline");
  clock.advance(60_000);
  assert.equal(fake.connections.length, 4, "no attempts while offline");
  setOnline(true);
  link.wake(); // the "online" event
  greet();
  assert.equal(phaseOf(link), "open");
});

Deno.test("link: offline noticed while a socket is open, and a silent socket dropped after a ping", () => {
  const { link, clock, greet, last, log } = setup({
    pingIntervalMs: 20_000,
    pongTimeoutMs: 5_000,
  });
  link.start();
  greet();
  link.wentOffline();
  assert.equal(phaseOf(link), "offline");
  assert.ok(last().closed);
  assert.deepEqual(log.slice(-1), ["down 4000"]);
  link.wake();
  greet();
  // Heartbeat: a ping after 20 s; no answer in 5 s drops the transport.
  clock.advance(20_000);
  assert.deepEqual(last().sentOf("ping"), [{ type: "ping" }]);
  clock.advance(4_999);
  assert.equal(phaseOf(link), "open");
  clock.advance(1);
  assert.equal(phaseOf(link), "waiting");
  assert.ok(last().closed);
  // Focus on an open link probes it; an answer keeps it.
  clock.advance(10_000);
  greet();
  link.wake();
  assert.equal(last().sentOf("ping").length, 1);
  last().deliver({ type: "pong" });
  clock.advance(5_000);
  assert.equal(phaseOf(link), "open");
});

Deno.test("link: an invalid token says hello again with the name; a new token reconnects at once", () => {
  const { link, greet, last, fake } = setup();
  link.start();
  greet();
  last().deliver({
    type: "error",
    code: "unauthenticated",
    message: "bad token",
    ref: "hello",
  });
  assert.deepEqual(last().sent.at(-1), { type: "hello", name: "alice" });
  link.setToken("tok3");
  assert.equal(fake.connections.length, 2);
  assert.ok(fake.connections[0].closed);
  last().open();
  assert.deepEqual(last().sent, [{ type: "hello", token: "tok3" }]);
});

Deno.test("link: a factory that throws counts as a failed attempt", () => {
  const clock = new FakeClock(0);
  const link = new Link({
    transport: () => {
      throw new Error("refused URL");
    },
    clock,
    backoff: { random: () => 1 },
  }, {
    onWelcome: () => {},
    onEvents: () => {},
    onDown: () => {},
    onState: () => {},
  });
  link.start();
  assert.equal(phaseOf(link), "waiting");
  link.stop();
  assert.equal(clock.pending, 0);
});
