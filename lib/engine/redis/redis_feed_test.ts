import { deepEqual, equal } from "node:assert/strict";
import type { RoomEvent, User } from "../../protocol/types.ts";
import { startRedis } from "../../../tests/helpers/redis.ts";
import type { FeedSink } from "../engine.ts";
import { connectNodeRedis } from "./node_redis.ts";
import { RedisFeed } from "./redis_feed.ts";
import { RedisLog } from "./redis_log.ts";

const alice: User = { id: "u_alice", name: "alice" };

Deno.test({
  name:
    "redis feed: head reads racing a busy room's events never take it for a lost Redis (no epoch renewed)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const redis = await startRedis();
    const connect = () =>
      connectNodeRedis({ url: redis.url, cluster: false, onError: () => {} });
    const [reader, writer] = [await connect(), await connect()];
    try {
      const epochs = new Set<string>();
      const sink: FeedSink = {
        events(_room: string, epoch: string, _events: readonly RoomEvent[]) {
          epochs.add(epoch);
        },
        head(_room: string, epoch: string) {
          epochs.add(epoch);
        },
      };
      // The log reports its own appends to the feed built from it.
      const own: { feed?: RedisFeed } = {};
      const readerLog = new RedisLog(
        reader,
        1_000,
        (room, epoch, event) => own.feed?.stored(room, epoch, event),
      );
      const feed = own.feed = new RedisFeed({
        redis: reader,
        log: readerLog,
        sink,
        // Polled by hand below, as often as possible.
        headPollMs: 60_000,
        onError: (error) => {
          throw error;
        },
      });
      await feed.open("busy");
      const writerLog = new RedisLog(writer, 1_000, () => {});
      let writing = true;
      const writes = (async () => {
        for (let n = 0; writing; n += 20) {
          await Promise.all(
            Array.from(
              { length: 20 },
              (_, i) =>
                writerLog.append("busy", alice, `m${n + i}`, {
                  type: "message",
                  text: "x",
                }),
            ),
          );
        }
      })();
      // Head reads while events stream in on the subscriber connection: the
      // race that renewed epochs when a reply was compared with events that
      // came after it.
      const deadline = Date.now() + 1_500;
      while (Date.now() < deadline) {
        feed.pollHeads();
        await new Promise((r) => setTimeout(r, 1));
      }
      writing = false;
      await writes;
      feed.stop();
      equal(feed.headsBackwards, 0);
      deepEqual(epochs.size, 1, "one epoch throughout");
    } finally {
      await reader.close();
      await writer.close();
      await redis.stop();
    }
  },
});
