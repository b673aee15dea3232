/**
 * Scenario 3, idle connections: grows the number of open WebSocket
 * connections in steps (each does hello + join, rooms of `roomSize`), then
 * after a settle period reads the server's RSS and meters its CPU while
 * everyone idles. Workers bind different source addresses (127.0.0.1–4).
 *
 * RSS per connection is read twice at each step, the same way for every
 * server:
 *
 * - without GC: (RSS − RSS before any connection) / open connections, after
 *   a settle period;
 * - after GC (when the server was started for it, `ctx.forceGc`): after the
 *   idle-CPU window, a full GC is forced in the server (bench/load/gc.mjs),
 *   twice with `gcSettleMs` after each, then (RSS − the baseline's RSS after
 *   the same forced GCs) / open connections.
 *
 * The forced GCs of one step also collect the garbage the earlier steps
 * left, so from the second step on the no-GC reading starts from a
 * collected heap.
 *
 * @module
 */
import { connectAndJoin, connectMany, nodeFor, split } from "./clients.mjs";
import { round, sleep } from "./procstat.mjs";

/**
 * Worker side.
 * @param {{target: import("./clients.mjs").Servers, localAddress: string, index: number}} config
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
          nodeFor(config.target, k),
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
 * Forces full GCs in the server (twice: the first collection's finalizers
 * may free more for the second) and reads its RSS afterwards; null when the
 * server can't be asked. `rssKiB` is read after the second GC, `firstKiB`
 * after the first (kept to show whether the second one matters).
 * @param {import("./controller.mjs").DriveContext} ctx
 * @param {number} settleMs wait after each GC
 * @returns {Promise<{rssKiB: number, firstKiB: number, gcMs: number} | null>}
 */
async function rssAfterGc(ctx, settleMs) {
  if (!ctx.forceGc) return null;
  const readings = [];
  let gcMs = 0;
  for (let i = 0; i < 2; i++) {
    gcMs += await ctx.forceGc();
    await sleep(settleMs);
    readings.push(ctx.serverRssKiB());
  }
  return { rssKiB: readings[1], firstKiB: readings[0], gcMs };
}

/**
 * Controller side.
 * @param {import("./controller.mjs").DriveContext} ctx
 * @param {{levels: number[], roomSize: number, settleMs: number, idleMs: number, gcSettleMs: number, concurrency: number}} p
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
  const baseGc = await rssAfterGc(ctx, p.gcSettleMs);
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
    const gc = await rssAfterGc(ctx, p.gcSettleMs);
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
      gcRssKiB: gc?.rssKiB ?? null,
      gcFirstRssKiB: gc?.firstKiB ?? null,
      gcPerConnKiB: gc && baseGc && open > 0
        ? round((gc.rssKiB - baseGc.rssKiB) / open, 2)
        : null,
      gcMs: gc?.gcMs ?? null,
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
        `${level.perConnKiB} KiB/conn (${level.gcPerConnKiB} after GC), ` +
        `idle cpu ${cpu.server}`,
    );
    levels.push(level);
    if (open < target * 0.9) break;
  }
  await ctx.callAll("drop");
  return {
    baseRssKiB,
    baseGcRssKiB: baseGc?.rssKiB ?? null,
    baseGcFirstRssKiB: baseGc?.firstKiB ?? null,
    levels,
  };
}
