import { deepEqual, equal } from "node:assert/strict";
import { sleep, waitUntil } from "../../tests/helpers/wait.ts";
import { Bus } from "./bus.ts";
import type { BusMessage } from "./messages.ts";

const alice = { id: "u_alice", name: "alice" };

function pair(
  options: {
    peerSilenceMs?: number;
    dropEvery?: number;
    now?: () => number;
    onError?: (error: unknown) => void;
  } = {},
) {
  const channel = `bus-test-${crypto.randomUUID()}`;
  const a = new Bus({ channel, ...options });
  const b = new Bus({ channel });
  return { a, b, close: () => (a.close(), b.close()) };
}

Deno.test("every handler of a kind runs, in order; other kinds are not called", async () => {
  const { a, b, close } = pair();
  try {
    const seen: string[] = [];
    b.on("typing", (m) => seen.push(`first ${m.room}`));
    b.on("typing", (m) => seen.push(`second ${m.room}`));
    b.on("bye", () => seen.push("bye"));
    a.post({ k: "typing", room: "general", user: alice });
    await waitUntil("both handlers ran", () => seen.length === 2);
    deepEqual(seen, ["first general", "second general"]);
  } finally {
    close();
  }
});

Deno.test("a throwing handler is reported and does not stop the next one", async () => {
  const channel = `bus-test-${crypto.randomUUID()}`;
  const errors: unknown[] = [];
  const a = new Bus({ channel });
  const b = new Bus({ channel, onError: (error) => errors.push(error) });
  try {
    const seen: string[] = [];
    b.on("typing", () => {
      throw new Error("boom");
    });
    b.on("typing", (m) => seen.push(m.room));
    a.post({ k: "typing", room: "general", user: alice });
    await waitUntil("the second handler ran", () => seen.length === 1);
    equal(errors.length, 1);
    equal((errors[0] as Error).message, "boom");
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("postToPeers posts only while another isolate was heard lately", async () => {
  const { a, b, close } = pair({ peerSilenceMs: 100 });
  try {
    const heard: BusMessage[] = [];
    b.on("typing", (m) => heard.push(m));
    a.postToPeers({ k: "typing", room: "alone", user: alice });
    // b speaks: a now knows a peer is there.
    b.post({ k: "hb", node: "b", ver: 0 });
    await sleep(30);
    a.postToPeers({ k: "typing", room: "heard", user: alice });
    await waitUntil("the post after hearing b", () => heard.length === 1);
    // Silent for longer than peerSilenceMs: a is alone again.
    await sleep(150);
    a.postToPeers({ k: "typing", room: "silent", user: alice });
    a.post({ k: "typing", room: "always", user: alice });
    await waitUntil("the plain post", () => heard.length === 2);
    deepEqual(heard.map((m) => m.k === "typing" && m.room), [
      "heard",
      "always",
    ]);
  } finally {
    close();
  }
});

Deno.test("peers are the senders heard within the silence; sweep reports the silent ones gone", async () => {
  let now = 1_000;
  const { a, b, close } = pair({ peerSilenceMs: 300, now: () => now });
  try {
    const gone: string[] = [];
    a.onGone((node) => gone.push(node));
    equal(a.hasPeers(), false);
    b.post({ k: "hb", node: "p1", ver: 0 });
    b.post({ k: "heads", node: "p2", heads: [] });
    b.post({ k: "typing", room: "general", user: alice }); // names no sender
    await waitUntil("both heard", () => a.peers().length === 2);
    deepEqual(a.peers().sort(), ["p1", "p2"]);
    equal(a.hasPeers(), true);

    now += 200;
    b.post({ k: "hb", node: "p2", ver: 0 });
    let marked = false;
    a.on("typing", (m) => marked ||= m.room === "marker");
    b.post({ k: "typing", room: "marker", user: alice }); // after p2's beat
    await waitUntil("p2 heard again", () => marked);
    now += 150; // p1 silent 350 ms, p2 150 ms
    deepEqual(a.peers(), ["p2"]);
    deepEqual(gone, [], "silence alone reports nothing until a sweep");
    a.sweep();
    deepEqual(gone, ["p1"]);
    a.sweep();
    deepEqual(gone, ["p1"], "once");
    now += 200;
    equal(a.hasPeers(), false);
    a.sweep();
    deepEqual(gone, ["p1", "p2"]);
  } finally {
    close();
  }
});

Deno.test("bye reports a known peer gone at once; an unknown one not at all", async () => {
  const errors: unknown[] = [];
  const { a, b, close } = pair({ onError: (error) => errors.push(error) });
  try {
    const gone: string[] = [];
    a.onGone((node) => gone.push(node));
    a.onGone(() => {
      throw new Error("listener failed");
    });
    b.post({ k: "hb", node: "p1", ver: 0 });
    b.post({ k: "bye", node: "never-heard" });
    b.post({ k: "bye", node: "p1" });
    b.post({ k: "bye", node: "p1" });
    await waitUntil("p1 gone", () => gone.length === 1);
    await sleep(20);
    deepEqual(gone, ["p1"]);
    deepEqual(a.peers(), []);
    equal(errors.length, 1, "a throwing listener is reported");
  } finally {
    close();
  }
});
