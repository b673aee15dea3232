import { deepEqual, equal } from "node:assert/strict";
import type { TransportClose, TransportHandlers } from "../transport.ts";
import { FakeConnection } from "../testing.ts";
import {
  autoTransport,
  lazyTransport,
  transportFromQuery,
  type TransportKind,
} from "./select.ts";

function handlers(closes: TransportClose[] = []): TransportHandlers {
  return {
    onOpen() {},
    onEvents() {},
    onClose: (info) => closes.push(info),
  };
}

function setup(
  options: { up?: boolean; available?: TransportKind[] } = {},
) {
  const opened: Array<[TransportKind, FakeConnection]> = [];
  const selected: TransportKind[] = [];
  const factory = (kind: TransportKind) => (h: TransportHandlers) => {
    const connection = new FakeConnection(h);
    opened.push([kind, connection]);
    return connection;
  };
  const auto = autoTransport({
    factories: {
      websocket: factory("websocket"),
      sse: factory("sse"),
      longpoll: factory("longpoll"),
    },
    available: (kind) =>
      (options.available ?? ["websocket", "sse", "longpoll"]).includes(kind),
    probe: () => Promise.resolve(options.up ?? true),
    onSelect: (kind) => selected.push(kind),
  });
  const kinds = () => opened.map(([kind]) => kind);
  const last = () => opened.at(-1)![1];
  return { auto, opened, kinds, last, selected };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const joined = {
  type: "joined" as const,
  room: "r",
  seq: 0,
  epoch: "e1",
  messages: [],
  online: [],
  recovered: true,
};

Deno.test("transport from the URL", () => {
  equal(transportFromQuery("?transport=sse"), "sse");
  equal(transportFromQuery("?x=1&transport=longpoll"), "longpoll");
  equal(transportFromQuery("?transport=ws"), "websocket");
  equal(transportFromQuery("?transport=LONG-POLL"), "longpoll");
  equal(transportFromQuery("?transport=carrier-pigeon"), null);
  equal(transportFromQuery(""), null);
});

Deno.test("auto: WebSocket blocked while HTTP works → SSE, then long poll", async () => {
  const { auto, kinds, last, selected } = setup();
  const closes: TransportClose[] = [];
  for (let i = 0; i < 2; i++) {
    auto(handlers(closes));
    last().drop(1006); // never opened
    await tick();
  }
  equal(closes.length, 2, "every close still reaches the client");
  auto(handlers(closes));
  deepEqual(kinds(), ["websocket", "websocket", "sse"]);
  last().drop(1006);
  auto(handlers(closes));
  last().drop(1006);
  await tick();
  auto(handlers(closes));
  deepEqual(kinds().slice(3), ["sse", "longpoll"]);
  deepEqual(selected, ["websocket", "sse", "longpoll"]);
  last().drop(1006);
  await tick();
  auto(handlers(closes));
  equal(kinds().at(-1), "longpoll", "the last resort stays");
});

Deno.test("auto: a server that is down causes no fallback", async () => {
  const { auto, kinds, last } = setup({ up: false });
  for (let i = 0; i < 5; i++) {
    auto(handlers());
    last().drop(1006);
    await tick();
  }
  auto(handlers());
  equal(new Set(kinds()).size, 1);
  equal(kinds()[0], "websocket");
});

Deno.test("auto: once a transport has worked, the client stays on it", async () => {
  const { auto, kinds, last } = setup();
  auto(handlers());
  last().open();
  last().deliver({
    type: "welcome",
    user: { id: "u", name: "n" },
    token: "t",
    protocol: 1,
    limits: {
      maxFrameBytes: 1,
      maxTextChars: 1,
      maxNameChars: 1,
      historyMax: 1,
    },
    node: "",
  });
  last().drop(1006);
  for (let i = 0; i < 4; i++) {
    auto(handlers());
    last().drop(1006);
    await tick();
  }
  deepEqual(new Set(kinds()), new Set(["websocket"]));
});

Deno.test("auto: SSE proves itself with a joined event, not with welcome", async () => {
  const { auto, kinds, last } = setup({ available: ["sse", "longpoll"] });
  auto(handlers());
  equal(kinds()[0], "sse", "no WebSocket in this runtime: SSE first");
  last().open();
  last().deliver({ ...joined });
  last().drop(1006);
  for (let i = 0; i < 3; i++) {
    auto(handlers());
    last().drop(1006);
    await tick();
  }
  deepEqual(new Set(kinds()), new Set(["sse"]));
});

Deno.test("auto: forced", () => {
  const opened: string[] = [];
  const auto = autoTransport({
    force: "longpoll",
    factories: {
      longpoll: (h) => (opened.push("longpoll"), new FakeConnection(h)),
    },
  });
  auto(handlers());
  deepEqual(opened, ["longpoll"]);
});

Deno.test("lazy: loads the module once, then hands frames to its transport", async () => {
  let loads = 0;
  const made: FakeConnection[] = [];
  const lazy = lazyTransport("sse", () => {
    loads++;
    return Promise.resolve((h) => {
      const c = new FakeConnection(h);
      made.push(c);
      return c;
    });
  });
  const first = lazy(handlers());
  equal(first.kind, "sse");
  equal(first.send({ type: "ping" }), false, "not loaded yet: nothing sent");
  await tick();
  made[0].open();
  equal(first.send({ type: "ping" }), true);
  deepEqual(made[0].sent, [{ type: "ping" }]);
  lazy(handlers());
  await tick();
  equal(loads, 1);
  equal(made.length, 2);
});

Deno.test("lazy: closed before it loaded, it never opens; a failed load closes with 1006 and loads again next time", async () => {
  let fail = true;
  const made: FakeConnection[] = [];
  const lazy = lazyTransport(
    "longpoll",
    () =>
      fail ? Promise.reject(new Error("offline")) : Promise.resolve((h) => {
        const c = new FakeConnection(h);
        made.push(c);
        return c;
      }),
  );
  const closes: TransportClose[] = [];
  lazy(handlers(closes));
  await tick();
  equal(closes.length, 1);
  equal(closes[0].code, 1006);
  equal(closes[0].wasOpen, false);

  fail = false;
  const early = lazy(handlers(closes));
  early.close(1000, "bye");
  equal(closes.length, 2, "closed at once");
  await tick();
  equal(made.length, 0, "the loaded factory opens nothing for it");
  lazy(handlers(closes));
  await tick();
  equal(made.length, 1, "loaded after the failure");
});
