/**
 * One WebSocket in several rooms over a real server: each room's messages,
 * leave, re-join with `since`, and presence leaving every room on close.
 * (A connection holds its first room without a Map and switches to one on
 * the second; this covers both shapes and the way between them.)
 */
import { deepEqual, equal } from "node:assert/strict";
import { startServer } from "./helpers/server.ts";
import {
  type Event,
  isMessage,
  leftBy,
  TestClient,
} from "./helpers/ws_client.ts";

const errorFor = (ref: string) => (e: Event) =>
  e.type === "error" && e.ref === ref;

Deno.test({
  name: "one WebSocket in several rooms",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer({
      isolates: 1,
      env: { CHAT_SEND_RATE: "0", CHAT_PRESENCE_GRACE_MS: "0" },
    });
    const open: TestClient[] = [];
    try {
      await t.step(
        "a single room: re-joining it restarts from since",
        async () => {
          const a = await TestClient.connect(server.wsUrl, { name: "solo" });
          open.push(a);
          await a.join("solo-room");
          await a.post("solo-room", "s1", "one");
          await a.post("solo-room", "s2", "two");
          const again = await a.join("solo-room", 1);
          deepEqual(
            (again.messages as Array<{ seq: number }>).map((m) => m.seq),
            [2],
          );
          await a.post("solo-room", "s3", "three");
          const live = await a.collect(isMessage("solo-room"), 3);
          deepEqual(live.map((m) => m.seq), [1, 2, 3]);
          a.send({ type: "leave", room: "solo-room" });
          await a.next((e) => e.type === "left" && e.room === "solo-room");
          a.send({ type: "send", room: "solo-room", id: "s4", text: "gone" });
          equal((await a.next(errorFor("s4"))).code, "not_joined");
        },
      );

      await t.step(
        "three rooms: each gets its own messages; leave one, the others go on",
        async () => {
          const a = await TestClient.connect(server.wsUrl, { name: "multi" });
          const b = await TestClient.connect(server.wsUrl, { name: "other" });
          open.push(a, b);
          const rooms = ["multi-1", "multi-2", "multi-3"];
          for (const room of rooms) await a.join(room);
          for (const room of rooms) await b.join(room);
          for (const room of rooms) await b.post(room, `b-${room}`, room);
          for (const room of rooms) {
            const [got] = await a.collect(isMessage(room), 1);
            equal(got.text, room);
          }

          a.send({ type: "leave", room: "multi-2" });
          await a.next((e) => e.type === "left" && e.room === "multi-2");
          a.send({ type: "send", room: "multi-2", id: "a-2", text: "x" });
          equal((await a.next(errorFor("a-2"))).code, "not_joined");
          a.send({ type: "typing", room: "multi-2" });
          equal((await a.next(errorFor("typing"))).code, "not_joined");
          a.send({ type: "leave", room: "multi-2" });
          equal((await a.next(errorFor("leave"))).code, "not_joined");

          // The rooms still joined work as before.
          await a.post("multi-1", "a-1", "still here");
          await a.post("multi-3", "a-3", "and here");
          const seen = await b.collect(
            (e) =>
              e.type === "message" && e.user !== undefined &&
              (e.user as { id: string }).id ===
                (a.welcome.user as { id: string }).id,
            2,
          );
          deepEqual(seen.map((m) => m.room).sort(), ["multi-1", "multi-3"]);

          // Back into the room it left, from where it was.
          const back = await a.join("multi-2", 0);
          deepEqual(
            (back.messages as Array<{ text: string }>).map((m) => m.text),
            ["multi-2"],
          );
          await b.post("multi-2", "b-again", "welcome back");
          const again = await a.collect(isMessage("multi-2"), 2);
          equal(again[1].text, "welcome back");

          // Closing leaves every room at once.
          const from = b.events.length;
          const id = (a.welcome.user as { id: string }).id;
          await a.close();
          for (const room of rooms) {
            await b.next(leftBy(room, id), 5_000, from);
          }
        },
      );
    } finally {
      await Promise.all(open.map((c) => c.close().catch(() => {})));
      await server.stop();
    }
  },
});
