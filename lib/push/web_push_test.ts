import { deepEqual, equal, match, rejects } from "node:assert/strict";
import { KvRecords } from "../engine/kv_records.ts";
import { ProtocolError } from "../protocol/errors.ts";
import { PUSH_TTL_SECONDS, WebPush, type WebPushOptions } from "./web_push.ts";
import { pushPayload } from "./payload.ts";
import { VAPID_RECORD } from "./vapid_keys.ts";
import { PushService } from "../../tests/helpers/push_service.ts";

const bob = { id: "u_bob", name: "bob" };
const alice = { id: "u_alice", name: "alice" };
const payload = (seq: number) =>
  pushPayload({ room: "general", seq, user: alice, text: `hi @bob ${seq}` }, {
    direct: false,
  });

interface Setup {
  push: WebPush;
  service: PushService;
  records: KvRecords;
  logged: string[];
  make(options?: Partial<WebPushOptions>): WebPush;
}

async function withPush(fn: (setup: Setup) => Promise<void>): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  const service = PushService.start();
  const records = new KvRecords(kv);
  const logged: string[] = [];
  const make = (options: Partial<WebPushOptions> = {}) =>
    new WebPush({
      records,
      config: {
        vapid: undefined,
        vapidSubject: "mailto:ops@chat.example",
        pushTestOrigins: new Set([service.origin]),
      },
      log: {
        info: (event, fields) =>
          logged.push(`${event} ${JSON.stringify(fields)}`),
        error: (event, error) => logged.push(`${event} ${error}`),
      },
      ...options,
    });
  try {
    await fn({ push: make(), service, records, logged, make });
  } finally {
    await service.close();
    kv.close();
  }
}

Deno.test("the public key is generated once and shared by every WebPush on the records", () =>
  withPush(async ({ push, records, make }) => {
    const key = await push.publicKey();
    equal(key, await push.publicKey());
    equal(key, await make().publicKey());
    equal(
      (await records.get<{ publicKey: string }>(VAPID_RECORD))?.value.publicKey,
      key,
    );
  }));

Deno.test("a push reaches the stand-in signed, with TTL and urgency, and decrypts to the payload", () =>
  withPush(async ({ push, service }) => {
    const key = await push.publicKey();
    await push.subscribe(bob, await service.subscribe(key));
    await push.subscribe(bob, await service.subscribe(key));
    await push.send(bob.id, payload(7));
    deepEqual(service.problems, []);
    equal(service.received.length, 2);
    for (const received of service.received) {
      deepEqual(received.payload, payload(7));
      equal(received.ttl, PUSH_TTL_SECONDS);
      equal(received.urgency, "high");
    }
    // Nobody else's subscriptions: no request.
    await push.send(alice.id, payload(8));
    equal(service.requests, 2);
  }));

Deno.test("subscriptions answered 410 or 404 are deleted; others stay", () =>
  withPush(async ({ push, service, logged }) => {
    const key = await push.publicKey();
    const gone = await service.subscribe(key);
    const missing = await service.subscribe(key);
    const kept = await service.subscribe(key);
    for (const sub of [gone, missing, kept]) await push.subscribe(bob, sub);
    service.answer(gone.endpoint, 410);
    service.answer(missing.endpoint, 404);
    await push.send(bob.id, payload(1));
    equal(service.requests, 3);
    equal(service.received.length, 1);
    match(logged.join("\n"), /push subscription gone .*"status":410/);
    await push.send(bob.id, payload(2));
    equal(service.requests, 4);
    equal(service.received.length, 2);
    deepEqual(push.stats, { sent: 2, gone: 2, failed: 0 });
  }));

Deno.test("an endpoint is checked again at send time: records outlive the configuration", () =>
  withPush(async ({ push, service, make, logged }) => {
    await push.subscribe(bob, await service.subscribe(await push.publicKey()));
    const strict = make({
      config: {
        vapid: undefined,
        vapidSubject: "mailto:ops@chat.example",
        pushTestOrigins: new Set(),
      },
    });
    await strict.send(bob.id, payload(1));
    equal(service.requests, 0);
    match(logged.join("\n"), /push endpoint refused .*not https/);
    deepEqual(strict.stats, { sent: 0, gone: 0, failed: 1 });
  }));

Deno.test("redirects are not followed", () =>
  withPush(async ({ service, make }) => {
    // A "push service" that sends the request on to the stand-in.
    const redirector = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      () =>
        new Response(null, {
          status: 307,
          headers: { location: `${service.origin}/push/x` },
        }),
    );
    try {
      const origin = `http://127.0.0.1:${redirector.addr.port}`;
      const push = make({
        config: {
          vapid: undefined,
          vapidSubject: "mailto:ops@chat.example",
          pushTestOrigins: new Set([origin, service.origin]),
        },
      });
      const sub = await service.subscribe(await push.publicKey());
      await push.subscribe(bob, {
        ...sub,
        endpoint: `${origin}/push/1`,
      });
      await push.send(bob.id, payload(1));
      equal(service.requests, 0);
    } finally {
      await redirector.shutdown();
    }
  }));

Deno.test("send never throws: a failing network or storage is logged", () =>
  withPush(async ({ push, service, make, logged, records }) => {
    await push.subscribe(bob, await service.subscribe(await push.publicKey()));
    const offline = make({
      fetch: () => Promise.reject(new TypeError("network down")),
    });
    await offline.send(bob.id, payload(1));
    match(logged.join("\n"), /push failed TypeError: network down/);
    const broken = new WebPush({
      records: {
        get: (key) => records.get(key),
        getMany: (keys) => records.getMany(keys),
        list: () => Promise.reject(new Error("storage down")),
        write: (write) => records.write(write),
      },
      config: {
        vapid: undefined,
        vapidSubject: "mailto:ops@chat.example",
        pushTestOrigins: new Set(),
      },
      log: {
        info: () => {},
        error: (event, error) => logged.push(`${event} ${error}`),
      },
    });
    await broken.send(bob.id, payload(1));
    match(logged.join("\n"), /push failed Error: storage down/);
  }));

Deno.test("subscribe refuses bad input with bad_request; unsubscribe removes", () =>
  withPush(async ({ push, service }) => {
    await rejects(
      push.subscribe(bob, { endpoint: "https://127.0.0.1/x", keys: {} }),
      (error) => error instanceof ProtocolError && error.code === "bad_request",
    );
    const sub = await service.subscribe(await push.publicKey());
    await push.subscribe(bob, sub);
    await rejects(push.unsubscribe(bob, 42), ProtocolError);
    await push.unsubscribe(bob, sub.endpoint);
    await push.send(bob.id, payload(1));
    equal(service.requests, 0);
  }));

Deno.test("at most maxInFlight requests at once, over every send of the isolate", () =>
  withPush(async ({ make, service }) => {
    let active = 0;
    let peak = 0;
    let calls = 0;
    const push = make({
      maxInFlight: 2,
      fetch: async () => {
        calls++;
        peak = Math.max(peak, ++active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active--;
        return new Response(null, { status: 201 });
      },
    });
    const key = await push.publicKey();
    for (const user of [bob, alice]) {
      for (let i = 0; i < 3; i++) {
        await push.subscribe(user, await service.subscribe(key));
      }
    }
    await Promise.all([
      push.send(bob.id, payload(1)),
      push.send(alice.id, payload(1)),
    ]);
    equal(calls, 6);
    equal(peak, 2);
  }));

Deno.test("with a resolver, a public-looking name with a private address is refused at subscribe and at send", () =>
  withPush(async ({ make, service, logged }) => {
    const calls: string[] = [];
    const options = {
      resolveHost: (host: string) =>
        Promise.resolve(
          host === "internal.attacker.example" ? ["10.0.0.5"] : ["8.8.8.8"],
        ),
      fetch: (input: string | URL | Request) => {
        calls.push(String(input));
        return Promise.resolve(new Response(null, { status: 201 }));
      },
    };
    const push = make(options);
    const sub = await service.subscribe(await push.publicKey());
    const endpoint = "https://internal.attacker.example/push/1";
    await rejects(
      push.subscribe(bob, { ...sub, endpoint }),
      (error) =>
        error instanceof ProtocolError && error.code === "bad_request" &&
        /resolves to 10\.0\.0\.5/.test(error.message),
    );
    // Stored before the name pointed inside (here: by a node without DNS).
    await make().subscribe(bob, { ...sub, endpoint });
    await push.subscribe(bob, {
      ...sub,
      endpoint: "https://push.example.com/1",
    });
    await push.send(bob.id, payload(1));
    deepEqual(calls, ["https://push.example.com/1"]);
    match(logged.join("\n"), /push endpoint refused .*resolves to 10\.0\.0\.5/);
    deepEqual(push.stats, { sent: 1, gone: 0, failed: 1 });
  }));
