/**
 * Scenario 3, idle connections: grows the number of open WebSocket
 * connections in steps (each does hello + join, rooms of `roomSize`), then
 * after a settle period reads the server's RSS and meters its CPU while
 * everyone idles. Workers bind different source addresses (127.0.0.1–4).
 *
 * RSS per connection is (RSS now − RSS before any connection) / connections,
 * after a settle period; no GC is forced (a remote client cannot ask our
 * server to collect garbage), the same for every server.
 *
 * @module
 */
import { connectAndJoin, connectMany, split } from "./clients.mjs";
import { round, sleep } from "./procstat.mjs";

/**
 * Worker side.
 * @param {{target: import("./clients.mjs").Target, localAddress: string, index: number}} config
 */
export function worker(config) {
  /** @type {import("./clients.mjs").ChatClient[]} */
  let clients = [];
  let made = 0;
  let closed = 0;
  /** @type {string | undefined} */
  let closeSample;
  return {
    /**
     * Opens connections until this worker holds `total`.
     * @param {{total: number, roomSize: number, concurrency: number}} args
     */
    async grow(args) {
      const want = args.total - clients.length;
      if (want <= 0) return { added: 0, failed: 0, ms: 0 };
      const res = await connectMany(want, args.concurrency, (i) => {
        const k = made + i;
        return connectAndJoin(
          config.target,
          `i${config.index}x${k}`,
          `idle${config.index}x${Math.floor(k / args.roomSize)}`,
          { localAddress: config.localAddress, timeoutMs: 30_000 },
        );
      });
      made += want;
      for (const client of res.clients) {
        if (!client) continue;
        client.onClose = (reason) => {
          closed++;
          closeSample ??= reason;
        };
        clients.push(client);
      }
      const added = want - res.failed;
      return {
        added,
        failed: res.failed,
        firstError: res.firstError,
        ms: res.ms,
      };
    },
    /** How many of this worker's connections are still open. */
    status() {
      return {
        open: clients.filter((c) => c.isOpen()).length,
        closed,
        closeSample,
      };
    },
    /** Disconnects everyone. */
    drop() {
      for (const c of clients) c.destroy();
      const n = clients.length;
      clients = [];
      return n;
    },
  };
}

/**
 * Controller side.
 * @param {import("./controller.mjs").DriveContext} ctx
 * @param {{levels: number[], roomSize: number, settleMs: number, idleMs: number, concurrency: number}} p
 */
export async function drive(ctx, p) {
  const w = ctx.workers.length;
  // Warm the server's connection path once, then take the baseline.
  await ctx.callAll("grow", {
    total: 20,
    roomSize: p.roomSize,
    concurrency: 4,
  });
  await ctx.callAll("drop");
  await sleep(p.settleMs);
  const baseRssKiB = ctx.serverRssKiB();
  const levels = [];
  for (const target of p.levels) {
    const shares = split(target, w);
    const started = performance.now();
    const connectMeter = ctx.meter();
    connectMeter.start();
    const grown = await ctx.callAll("grow", (i) => ({
      total: shares[i],
      roomSize: p.roomSize,
      concurrency: p.concurrency,
    }));
    const connectCpu = connectMeter.stop();
    const connectSec = (performance.now() - started) / 1000;
    const added = grown.reduce((s, g) => s + g.added, 0);
    const failed = grown.reduce((s, g) => s + g.failed, 0);
    await sleep(p.settleMs);
    const rss = ctx.serverRssKiB();
    const meter = ctx.meter();
    meter.start();
    await sleep(p.idleMs);
    const cpu = meter.stop();
    const status = await ctx.callAll("status");
    const open = status.reduce((s, x) => s + x.open, 0);
    const level = {
      connections: target,
      open,
      failed,
      firstError: grown.find((g) => g.firstError)?.firstError,
      connectPerSec: round(added / connectSec, 0),
      connectCpu: {
        server: connectCpu.server,
        generator: connectCpu.generator,
        other: connectCpu.other,
        steal: connectCpu.steal,
      },
      rssKiB: rss,
      perConnKiB: open > 0 ? round((rss - baseRssKiB) / open, 2) : null,
      idleCpu: {
        server: cpu.server,
        generator: cpu.generator,
        other: cpu.other,
        irq: cpu.irq,
        steal: cpu.steal,
      },
      closeSample: status.find((x) => x.closeSample)?.closeSample,
    };
    ctx.log(
      `${target}: open ${open}, failed ${failed}, ${level.connectPerSec} conn/s, ` +
        `${level.perConnKiB} KiB/conn, idle cpu ${cpu.server}`,
    );
    levels.push(level);
    if (open < target * 0.9) break;
  }
  await ctx.callAll("drop");
  return { baseRssKiB, levels };
}
