import assert, { deepEqual, equal, rejects } from "node:assert/strict";
import { waitUntil } from "../../tests/helpers/wait.ts";
import type { ChatMessage, User } from "../protocol/types.ts";
import type { EventInput } from "../engine/engine.ts";
import { ProtocolError } from "../protocol/errors.ts";
import { Bus } from "../bus/bus.ts";
import { Membership } from "../bus/membership.ts";
import type { ForwardedAppend, ForwardedResult } from "../bus/messages.ts";
import { type AppendResult, MessageStore } from "../store/message_store.ts";
import type { Append } from "../engine/engine.ts";
import { AppendRouter } from "./append_router.ts";

const alice: User = { id: "u_alice", name: "alice" };
const bob: User = { id: "u_bob", name: "bob" };
/** Long enough never to expire in a test that expects an answer. */
const NO_TIMEOUT_MS = 30_000;
/** Short, for tests that wait for a fallback. */
const TIMEOUT_MS = 100;

/** An append that counts its calls and passes them on. */
function counted(append: Append): Append & { calls: number } {
  const wrapped = Object.assign(
    (room: string, user: User, id: string, input: EventInput) => {
      wrapped.calls++;
      return append(room, user, id, input);
    },
    { calls: 0 },
  );
  return wrapped;
}

/**
 * Waits until `to` has handled everything `from` posted so far (the bus keeps
 * one sender's order): a `typing` marker follows them.
 */
function barrier(from: Bus, to: Bus): Promise<void> {
  const room = `barrier-${crypto.randomUUID()}`;
  let passed = false;
  to.on("typing", (message) => {
    if (message.room === room) passed = true;
  });
  from.post({ k: "typing", room, user: alice });
  return waitUntil("the barrier marker to pass", () => passed);
}

/** Everything a bus listener of its own saw of the forwarding traffic. */
interface Spy {
  /** Each `append` bus message's appends. */
  requests: ForwardedAppend[][];
  /** Each `appended` bus message's results. */
  answers: ForwardedResult[][];
  /** Waits until the spy has heard everything `from` posted so far. */
  barrier(from: Bus): Promise<void>;
}

/**
 * Buses on a fresh channel, KV databases and routers of one test, closed
 * (routers first, KV last) when it ends; and the intervals it started, for
 * checking that a router with nothing left waiting holds none (Deno's
 * sanitizers do not report a live interval).
 */
class Fixture {
  readonly channel = `append-router-test-${crypto.randomUUID()}`;
  /** Errors of every bus's handlers (the router's included). */
  readonly busErrors: unknown[] = [];
  readonly #cleanups: Array<() => void | Promise<void>> = [];
  /** Intervals started and not cleared since the fixture was made. */
  readonly intervals = new Set<unknown>();

  constructor() {
    const { setInterval, clearInterval } = globalThis;
    globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
      const id = setInterval(...args);
      this.intervals.add(id);
      return id;
    }) as typeof setInterval;
    globalThis.clearInterval = (id: Parameters<typeof clearInterval>[0]) => {
      this.intervals.delete(id);
      clearInterval(id);
    };
    this.#cleanups.push(() => {
      globalThis.setInterval = setInterval;
      globalThis.clearInterval = clearInterval;
    });
  }

  bus(): Bus {
    const bus = new Bus({
      channel: this.channel,
      onError: (error) => this.busErrors.push(error),
    });
    this.#cleanups.push(() => bus.close());
    return bus;
  }

  /** A store on a fresh in-memory database. */
  async memoryStore(): Promise<MessageStore> {
    const kv = await Deno.openKv(":memory:");
    this.#cleanups.push(() => kv.close());
    return new MessageStore(kv, 1000);
  }

  /**
   * Two stores on one database file, as two isolates of one process have:
   * storage of either shows what the other wrote.
   */
  async sharedStores(): Promise<[MessageStore, MessageStore]> {
    const dir = await Deno.makeTempDir({ prefix: "append-router-" });
    this.#cleanups.push(() => Deno.remove(dir, { recursive: true }));
    const kv1 = await Deno.openKv(`${dir}/chat.kv`);
    this.#cleanups.push(() => kv1.close());
    const kv2 = await Deno.openKv(`${dir}/chat.kv`);
    this.#cleanups.push(() => kv2.close());
    return [new MessageStore(kv1, 1000), new MessageStore(kv2, 1000)];
  }

  /** An isolate `node` with its own bus and membership. */
  isolate(node: string): { bus: Bus; membership: Membership } {
    const bus = this.bus();
    return { bus, membership: new Membership(node, bus) };
  }

  router(
    isolate: { bus: Bus; membership: Membership },
    append: Append,
    options: { forward?: boolean; timeoutMs?: number } = {},
  ): AppendRouter {
    const router = new AppendRouter({
      bus: isolate.bus,
      membership: isolate.membership,
      append,
      forward: options.forward ?? true,
      timeoutMs: options.timeoutMs ?? NO_TIMEOUT_MS,
    });
    this.#cleanups.push(() => router.close());
    return router;
  }

  /**
   * Isolate `b` with a router over a store of its own (appends counted), and
   * the writer `a`, heard alive but with no router: nobody answers b's
   * forwarded appends unless the test does.
   */
  async silentWriter(options: { timeoutMs?: number } = {}) {
    const spy = this.spy();
    const bStore = await this.memoryStore();
    const a = this.isolate("a");
    const b = this.isolate("b");
    const bLocal = counted((room, user, id, text) =>
      bStore.append(room, user, id, text)
    );
    const bRouter = this.router(b, bLocal, options);
    await heard(a.bus, "a", b);
    return { spy, bStore, a, b, bLocal, bRouter };
  }

  /** A listener of its own on the channel. */
  spy(): Spy {
    const bus = this.bus();
    const spy: Spy = {
      requests: [],
      answers: [],
      barrier: (from) => barrier(from, bus),
    };
    bus.on("append", ({ appends }) => spy.requests.push(appends));
    bus.on("appended", ({ results }) => spy.answers.push(results));
    return spy;
  }

  /** Runs every clean-up, newest first, even after one failed. */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const cleanup of this.#cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  }
}

async function withFixture(
  fn: (fixture: Fixture) => Promise<void>,
): Promise<void> {
  const fixture = new Fixture();
  try {
    await fn(fixture);
    deepEqual(fixture.busErrors, []);
    equal(fixture.intervals.size, 0, "nothing waits: no interval runs");
  } finally {
    await fixture.close();
  }
}

/** Makes `to` hear `node` alive (as its heartbeat would), over `from`. */
async function heard(
  from: Bus,
  node: string,
  to: { membership: Membership },
): Promise<void> {
  from.post({ k: "hb", node, ver: 0 });
  await waitUntil(
    `${node} heard alive`,
    () => to.membership.alive().includes(node),
  );
}

/** A seq, duplicate flag and id of each result, for comparing. */
const summary = (results: AppendResult[]) =>
  results.map(({ seq, duplicate, event }) => [seq, duplicate, event?.id]);

Deno.test("with forwarding off, or on the writer, appends go straight to the local append", async () => {
  await withFixture(async (fixture) => {
    const spy = fixture.spy();
    const a = fixture.isolate("a");
    const b = fixture.isolate("b");
    await heard(a.bus, "a", b);
    await heard(b.bus, "b", a);
    equal(b.membership.writer(), "a");

    // b is not the writer, but does not forward.
    const bStore = await fixture.memoryStore();
    const bLocal = counted((room, user, id, text) =>
      bStore.append(room, user, id, text)
    );
    const bRouter = fixture.router(b, bLocal, { forward: false });
    const fromB = await bRouter.append("general", alice, "m1", {
      type: "message",
      text: "hi",
    });
    deepEqual(summary([fromB]), [[1, false, "m1"]]);
    equal(bLocal.calls, 1);
    equal(bRouter.forwarded, 0);

    // a forwards, but is the writer.
    const aStore = await fixture.memoryStore();
    const aLocal = counted((room, user, id, text) =>
      aStore.append(room, user, id, text)
    );
    const aRouter = fixture.router(a, aLocal);
    const fromA = await aRouter.append("general", bob, "m2", {
      type: "message",
      text: "hello",
    });
    deepEqual(summary([fromA]), [[1, false, "m2"]]);
    equal((fromA.event as ChatMessage | undefined)?.text, "hello");
    equal(aLocal.calls, 1);
    equal(aRouter.forwarded, 0);
    equal(bLocal.calls, 1, "a's append was not served by b");

    // Nothing travelled over the bus.
    await spy.barrier(a.bus);
    await spy.barrier(b.bus);
    deepEqual(spy.requests, []);
    deepEqual(spy.answers, []);
  });
});

Deno.test("a follower's appends of one task travel as one bus message and are stored once by the writer", async () => {
  await withFixture(async (fixture) => {
    const spy = fixture.spy();
    const [aStore, bStore] = await fixture.sharedStores();
    const a = fixture.isolate("a");
    const b = fixture.isolate("b");
    const aLocal = counted((room, user, id, text) =>
      aStore.append(room, user, id, text)
    );
    const bLocal = counted((room, user, id, text) =>
      bStore.append(room, user, id, text)
    );
    const aRouter = fixture.router(a, aLocal);
    const bRouter = fixture.router(b, bLocal);
    await heard(a.bus, "a", b);

    const ids = Array.from({ length: 20 }, (_, i) => `m${i}`);
    const results = await Promise.all(
      ids.map((id, i) =>
        bRouter.append(i % 2 ? "random" : "general", alice, id, {
          type: "message",
          text: `text ${id}`,
        })
      ),
    );

    // Stored by the writer, in order per room, each once.
    equal(aLocal.calls, 20);
    equal(bLocal.calls, 0);
    equal(bRouter.forwarded, 20);
    equal(bRouter.fellBack, 0);
    equal(aRouter.forwarded, 0);
    deepEqual(
      summary(results),
      ids.map((id, i) => [Math.floor(i / 2) + 1, false, id]),
    );
    for (const [i, result] of results.entries()) {
      equal(result.event?.room, i % 2 ? "random" : "general");
      equal(result.event?.seq, result.seq);
      deepEqual(result.event?.user, alice);
      equal((result.event as ChatMessage | undefined)?.text, `text ${ids[i]}`);
    }
    for (const [room, parity] of [["general", 0], ["random", 1]] as const) {
      // Read through the follower's own handle: the writer's commit is durable.
      const stored = await bStore.range(room, 0, 100);
      deepEqual(
        stored.map((m) => [m.seq, m.id]),
        ids.filter((_, i) => i % 2 === parity).map((id, i) => [i + 1, id]),
      );
      deepEqual(
        stored,
        results.filter((_, i) => i % 2 === parity).map((r) => r.event),
      );
    }

    // One request message carried all 20 appends.
    await spy.barrier(b.bus);
    equal(spy.requests.length, 1);
    deepEqual(spy.requests[0].map((append) => append.id), ids);
    deepEqual(
      new Set(spy.requests[0].map((append) => append.req)).size,
      20,
      "each append has its own req",
    );
    // The answers carried one result per append.
    await spy.barrier(a.bus);
    equal(spy.answers.flat().length, 20);
  });
});

Deno.test("an update the writer refuses is refused through the router with its code", async () => {
  await withFixture(async (fixture) => {
    const aStore = await fixture.memoryStore();
    const a = fixture.isolate("a");
    const b = fixture.isolate("b");
    fixture.router(
      a,
      (room, user, id, input) => aStore.append(room, user, id, input),
    );
    const bLocal = counted(() => Promise.reject(new Error("not the writer")));
    const bRouter = fixture.router(b, bLocal);
    await heard(a.bus, "a", b);
    await bRouter.append("general", alice, "m", {
      type: "message",
      text: "alice's",
    });
    await assert.rejects(
      () =>
        bRouter.append("general", bob, "e", {
          type: "edit",
          target: 1,
          text: "bob's now",
        }),
      (error: unknown) => {
        assert(error instanceof ProtocolError);
        deepEqual([error.code, error.ref], ["forbidden", "e"]);
        return true;
      },
    );
    equal(bLocal.calls, 0, "answered by the writer, not stored here");
    equal((await aStore.meta("general")).seq, 1);
  });
});

Deno.test("a repeated id through the router is a duplicate with the first seq", async () => {
  await withFixture(async (fixture) => {
    const aStore = await fixture.memoryStore();
    const a = fixture.isolate("a");
    const b = fixture.isolate("b");
    fixture.router(
      a,
      (room, user, id, text) => aStore.append(room, user, id, text),
    );
    const bLocal = counted(() => Promise.reject(new Error("not the writer")));
    const bRouter = fixture.router(b, bLocal);
    await heard(a.bus, "a", b);

    const first = await bRouter.append("general", alice, "x", {
      type: "message",
      text: "once",
    });
    deepEqual(summary([first]), [[1, false, "x"]]);
    await bRouter.append("general", alice, "y", {
      type: "message",
      text: "other",
    });
    const again = await bRouter.append("general", alice, "x", {
      type: "message",
      text: "once more",
    });
    equal(again.seq, 1);
    equal(again.duplicate, true);
    equal(again.event, undefined);

    // Twice in one task (one bus message): stored once.
    const [one, two] = await Promise.all([
      bRouter.append("general", bob, "z", { type: "message", text: "hi" }),
      bRouter.append("general", bob, "z", { type: "message", text: "hi" }),
    ]);
    deepEqual(summary([one, two]), [[3, false, "z"], [3, true, undefined]]);
    // The same id of another user is another message.
    const bobs = await bRouter.append("general", bob, "x", {
      type: "message",
      text: "bob's x",
    });
    deepEqual(summary([bobs]), [[4, false, "x"]]);

    deepEqual(
      (await aStore.range("general", 0, 100)).map((m) => [m.seq, m.id]),
      [[1, "x"], [2, "y"], [3, "z"], [4, "x"]],
    );
    equal(bLocal.calls, 0);
    equal(bRouter.fellBack, 0);
  });
});

Deno.test("a writer's error is answered and rejects the follower's append with its message", async () => {
  await withFixture(async (fixture) => {
    const a = fixture.isolate("a");
    const b = fixture.isolate("b");
    fixture.router(
      a,
      (_room, _user, id) =>
        id === "plain"
          ? Promise.reject("storage said no")
          : Promise.reject(new Error(`cannot store ${id}`)),
    );
    const bLocal = counted(() => Promise.reject(new Error("not the writer")));
    const bRouter = fixture.router(b, bLocal);
    await heard(a.bus, "a", b);

    await Promise.all([
      rejects(
        bRouter.append("general", alice, "m1", { type: "message", text: "hi" }),
        {
          name: "Error",
          message: "cannot store m1",
        },
      ),
      rejects(
        bRouter.append("general", alice, "m2", { type: "message", text: "hi" }),
        {
          message: "cannot store m2",
        },
      ),
      rejects(
        bRouter.append("general", alice, "plain", {
          type: "message",
          text: "hi",
        }),
        {
          message: "storage said no",
        },
      ),
    ]);
    equal(bRouter.forwarded, 3);
    equal(bRouter.fellBack, 0);
    equal(bLocal.calls, 0, "an answered error is not retried here");
  });
});

Deno.test("with no writer answering, the append falls back to the local append after the timeout, and a late answer is ignored", async () => {
  await withFixture(async (fixture) => {
    // a heartbeats but has no router: nobody serves forwarded appends.
    const { spy, bStore, a, b, bLocal, bRouter } = await fixture.silentWriter(
      { timeoutMs: TIMEOUT_MS },
    );

    const results = await Promise.all([
      bRouter.append("general", alice, "m1", { type: "message", text: "one" }),
      bRouter.append("general", alice, "m2", { type: "message", text: "two" }),
    ]);
    deepEqual(summary(results), [[1, false, "m1"], [2, false, "m2"]]);
    equal(bLocal.calls, 2);
    equal(bRouter.forwarded, 2);
    equal(bRouter.fellBack, 2);
    await spy.barrier(b.bus);
    deepEqual(spy.requests.map((r) => r.map((append) => append.id)), [[
      "m1",
      "m2",
    ]]);
    const [req1, req2] = spy.requests[0].map((append) => append.req);

    // The answers come late: ignored, and no harm to what follows.
    a.bus.post({
      k: "appended",
      to: "b",
      results: [
        { req: req1, seq: 99, duplicate: false },
        { req: req2, error: "too late" },
      ],
    });
    await barrier(a.bus, b.bus); // b has handled them
    equal(bRouter.fellBack, 2);
    const late = bRouter.append("general", alice, "m3", {
      type: "message",
      text: "three",
    });
    await spy.barrier(b.bus); // the request went out; a ignores it
    // A late answer with an earlier req, after a new request: still ignored.
    a.bus.post({
      k: "appended",
      to: "b",
      results: [{ req: req1, seq: 98, duplicate: false }],
    });
    await barrier(a.bus, b.bus);
    deepEqual(summary([await late]), [[3, false, "m3"]]);
    equal(bRouter.fellBack, 3);
    equal(bLocal.calls, 3);
    deepEqual(
      (await bStore.range("general", 0, 100)).map((m) => m.id),
      ["m1", "m2", "m3"],
    );
  });
});

Deno.test("a writer that answers after the fallback stored it finds a duplicate, and its answer is ignored", async () => {
  await withFixture(async (fixture) => {
    const spy = fixture.spy();
    const [aStore, bStore] = await fixture.sharedStores();
    const a = fixture.isolate("a");
    const b = fixture.isolate("b");
    // The writer is stuck until the follower has given up on it.
    const stuck = Promise.withResolvers<void>();
    const aLocal = counted(async (room, user, id, text) => {
      await stuck.promise;
      return aStore.append(room, user, id, text);
    });
    fixture.router(a, aLocal);
    const bLocal = counted((room, user, id, text) =>
      bStore.append(room, user, id, text)
    );
    const bRouter = fixture.router(b, bLocal, { timeoutMs: TIMEOUT_MS });
    await heard(a.bus, "a", b);

    const result = await bRouter.append("general", alice, "m1", {
      type: "message",
      text: "hi",
    });
    deepEqual(summary([result]), [[1, false, "m1"]]);
    equal(bRouter.fellBack, 1);
    equal(bLocal.calls, 1);
    await waitUntil("a got the request", () => aLocal.calls === 1);

    stuck.resolve();
    await waitUntil("a answers", () => spy.answers.length === 1);
    equal(spy.answers[0].length, 1);
    const [answer] = spy.answers[0];
    equal(answer.req, spy.requests[0][0].req);
    assert(!("error" in answer));
    equal(answer.seq, 1);
    equal(answer.duplicate, true);
    equal(answer.event, undefined);
    await barrier(a.bus, b.bus); // b has handled the answer too
    equal(bRouter.fellBack, 1);
    deepEqual(
      (await aStore.range("general", 0, 100)).map((m) => [m.seq, m.id]),
      [[1, "m1"]],
    );

    // The ignored answer leaves nothing behind: the next append is stored
    // right (forwarded, or here if the writer is slower than the timeout).
    const next = await bRouter.append("general", alice, "m2", {
      type: "message",
      text: "again",
    });
    deepEqual(summary([next]), [[2, false, "m2"]]);
  });
});

Deno.test("a writer whose bus is closed never answers: the append falls back", async () => {
  await withFixture(async (fixture) => {
    const aStore = await fixture.memoryStore();
    const bStore = await fixture.memoryStore();
    const a = fixture.isolate("a");
    const b = fixture.isolate("b");
    const aLocal = counted((room, user, id, text) =>
      aStore.append(room, user, id, text)
    );
    fixture.router(a, aLocal);
    const bLocal = counted((room, user, id, text) =>
      bStore.append(room, user, id, text)
    );
    const bRouter = fixture.router(b, bLocal, { timeoutMs: TIMEOUT_MS });
    await heard(a.bus, "a", b);
    a.bus.close();

    const result = await bRouter.append("general", alice, "m1", {
      type: "message",
      text: "hi",
    });
    deepEqual(summary([result]), [[1, false, "m1"]]);
    equal(bRouter.forwarded, 1);
    equal(bRouter.fellBack, 1);
    equal(aLocal.calls, 0);
    equal(bLocal.calls, 1);
  });
});

Deno.test("close() appends locally whatever is still waiting for the writer", async () => {
  await withFixture(async (fixture) => {
    // a heartbeats, never answers; b would wait 30 s.
    const { spy, a, b, bLocal, bRouter } = await fixture
      .silentWriter();

    const pending = [
      bRouter.append("general", alice, "m1", { type: "message", text: "one" }),
      bRouter.append("random", bob, "m2", { type: "message", text: "two" }),
    ];
    await spy.barrier(b.bus); // the request is out
    equal(spy.requests.length, 1);
    equal(bLocal.calls, 0);

    bRouter.close();
    equal(bRouter.fellBack, 2);
    deepEqual(summary(await Promise.all(pending)), [
      [1, false, "m1"],
      [1, false, "m2"],
    ]);
    equal(bLocal.calls, 2);

    // An answer after close finds nothing waiting.
    a.bus.post({
      k: "appended",
      to: "b",
      results: [{ req: spy.requests[0][0].req, seq: 5, duplicate: false }],
    });
    await barrier(a.bus, b.bus);
    equal(bRouter.fellBack, 2);
  });
});

/** Alice's "one" (client id m1) as the writer stored it, at `seq` 7. */
const storedM1 = {
  room: "general",
  seq: 7,
  id: "m1",
  user: alice,
  text: "one",
  ts: 1_700_000_000_000,
};

Deno.test("the writer's copy of the stored message answers a forwarded append whose answer was lost", async () => {
  await withFixture(async (fixture) => {
    // a is the writer but never answers: this test posts its copy of the
    // committed message by hand.
    const { spy, a, b, bLocal, bRouter } = await fixture.silentWriter();

    const pending = bRouter.append("general", alice, "m1", {
      type: "message",
      text: "one",
    });
    await spy.barrier(b.bus);
    // Another user's message with the same client id answers nothing.
    a.bus.post({
      k: "msgs",
      rooms: [[
        "general",
        [{ ...storedM1, seq: 6, user: bob }, storedM1],
        "00000000000000070000",
      ]],
    });
    deepEqual(summary([await pending]), [[7, false, "m1"]]);
    equal(bLocal.calls, 0, "not stored again here");
    equal(bRouter.fellBack, 0);
  });
});

Deno.test("the writer's copy of a message another send stored does not answer a repeat as stored", async () => {
  await withFixture(async (fixture) => {
    // a is the writer: its own send of m1 stored it, then b's forwarded
    // repeat found it. a posts its copy at commit and the answer after it.
    const { spy, a, b, bRouter } = await fixture.silentWriter();

    const pending = bRouter.append("general", alice, "m1", {
      type: "message",
      text: "one",
    });
    await spy.barrier(b.bus);
    const [{ req }] = spy.requests.flat();
    a.bus.post({
      k: "msgs",
      rooms: [["general", [storedM1], "00000000000000070000"]],
    });
    a.bus.post({
      k: "appended",
      to: "b",
      results: [{ req, seq: 7, duplicate: true }],
    });
    deepEqual(summary([await pending]), [[7, true, undefined]]);
  });
});
