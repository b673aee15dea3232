import { deepEqual, equal, notEqual } from "node:assert/strict";
import type { ChatMessage } from "../protocol/types.ts";
import type { RoomHead } from "../engine/engine.ts";
import { Hub } from "./hub.ts";
import type { RoomSubscriber } from "./subscriber.ts";
import type { OutgoingEvent, OutgoingRoomEvent } from "./outgoing.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An empty log: every room at seq 0 in epoch "e1". */
const log = {
  head: (): Promise<RoomHead> =>
    Promise.resolve({ seq: 0, lastTs: 0, epoch: "e1" }),
  range: (): Promise<ChatMessage[]> => Promise.resolve([]),
};

/** Records what the hub asks of the engine's feed. */
function recordingFeed() {
  const calls: string[] = [];
  return {
    calls,
    feed: {
      open(room: string) {
        calls.push(`open ${room}`);
        return Promise.resolve();
      },
      close(room: string) {
        calls.push(`close ${room}`);
      },
    },
  };
}

const subscriber = (): RoomSubscriber & { lostCount: number } => ({
  user: null,
  lostCount: 0,
  deliverRoomEvent(_m: OutgoingRoomEvent) {},
  deliverEvent(_e: OutgoingEvent) {},
  lost() {
    this.lostCount++;
  },
  removed() {},
});

Deno.test("hub: without linger a room closes with its last subscriber", async () => {
  const hub = new Hub(log, (e) => {
    throw e;
  });
  const { calls, feed } = recordingFeed();
  hub.connect(feed);
  const a = subscriber();
  await hub.subscribe("r", a);
  equal(hub.activeRooms, 1);
  hub.unsubscribe("r", a);
  equal(hub.channel("r"), undefined);
  equal(hub.activeRooms, 0);
  deepEqual(calls, ["open r", "close r"]);
  hub.close();
});

Deno.test("hub: a lingering room is reused by the next subscriber, closed after the linger", async () => {
  const hub = new Hub(log, (e) => {
    throw e;
  }, 40);
  const { calls, feed } = recordingFeed();
  hub.connect(feed);
  const poll1 = subscriber();
  const first = await hub.subscribe("r", poll1);
  hub.unsubscribe("r", poll1);
  equal(hub.activeRooms, 0, "a lingering room has no subscribers");
  equal(hub.channel("r"), first, "but stays open");
  const poll2 = subscriber();
  equal(await hub.subscribe("r", poll2), first, "the next poll reuses it");
  equal(hub.activeRooms, 1);
  await sleep(60);
  equal(hub.channel("r"), first, "a subscriber cancels the linger");
  hub.unsubscribe("r", poll2);
  await sleep(60);
  equal(hub.channel("r"), undefined);
  deepEqual(calls, ["open r", "close r"], "one feed subscription for both");
  const later = await hub.subscribe("r", subscriber());
  notEqual(later, first);
  hub.close();
});

Deno.test("hub: an epoch change ends a room's subscribers, lingering or not", async () => {
  const hub = new Hub(log, (e) => {
    throw e;
  }, 1_000);
  const { feed } = recordingFeed();
  hub.connect(feed);
  const a = subscriber();
  await hub.subscribe("r", a);
  hub.head("r", "e2", 5);
  equal(a.lostCount, 1);
  equal(hub.channel("r"), undefined);
  const b = subscriber();
  await hub.subscribe("s", b);
  hub.unsubscribe("s", b);
  hub.events("s", "e2", []);
  equal(hub.channel("s"), undefined, "a lingering channel is dropped too");
  hub.close();
});
