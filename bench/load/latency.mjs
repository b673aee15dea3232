/**
 * Scenario 2, open-loop latency: R rooms × M members; messages are sent on a
 * fixed schedule (the offered load), whether or not earlier ones have been
 * delivered, and each delivery's latency is measured from the message's
 * *intended* send time, so a stalled sender or server cannot hide latency
 * (no coordinated omission). Every room lives wholly inside one worker
 * process, so sender and receivers share one clock (`performance.now()`).
 *
 * Deliveries that never arrive within the drain period are recorded at the
 * drain period (a lower bound), so they push the percentiles up.
 *
 * @module
 */
import { createRequire } from "node:module";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { connectAndJoin, connectMany, nodeFor, split } from "./clients.mjs";
import { round, sleep } from "./procstat.mjs";

const require = createRequire(
  new URL("../peers/package.json", import.meta.url),
);
const hdr = require("hdr-histogram-js");
/** Start of a latency-probe text in a JSON frame: `"~`. */
const MARK = Buffer.from('"~');
/** An error event in a JSON frame. */
const ERROR = Buffer.from('"type":"error"');
/** Width of the slices of the worst-latency timeline. */
const SLICE_MS = 250;

/** @returns {import("hdr-histogram-js").Histogram} microsecond histogram */
function newHistogram() {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

/**
 * Worker side.
 * @param {{target: import("./clients.mjs").Servers, localAddress: string, index: number}} config
 */
export function worker(config) {
  /** @type {{room: string, members: import("./clients.mjs").ChatClient[]}[]} */
  let rooms = [];
  /** @type {Map<number, {sent: number, received: number, hist: import("hdr-histogram-js").Histogram | null, t0: number, worst: number[]}>} */
  const phases = new Map();
  let errors = 0;
  let closed = 0;
  let scan = true;
  /** @type {string | undefined} */
  let errorSample;
  /** @type {string | undefined} */
  let closeSample;

  /** @param {number} phase */
  const phaseState = (phase) => {
    let st = phases.get(phase);
    if (!st) {
      phases.set(
        phase,
        st = { sent: 0, received: 0, hist: null, t0: 0, worst: [] },
      );
    }
    return st;
  };

  /**
   * Records one delivery of a message sent at `intended` (µs) in `phase`.
   * @param {number} phase
   * @param {number} intended
   */
  const record = (phase, intended) => {
    const st = phaseState(phase);
    st.received++;
    if (st.hist !== null) {
      const lat = Math.round(performance.now() * 1000) - intended;
      st.hist.recordValue(lat > 0 ? lat : 1);
      // Worst latency per slice of intended send time: shows stalls.
      const slice = Math.floor((intended / 1000 - st.t0) / SLICE_MS);
      if (slice >= 0 && !(st.worst[slice] >= lat)) st.worst[slice] = lat;
    }
  };

  /**
   * Byte scanner for our JSON frames: finds each message text `"~P.T~`
   * and reads phase P and intended time T without decoding the frame.
   * @param {Buffer} buf
   * @param {number} s
   * @param {number} e
   */
  const scanner = (buf, s, e) => {
    let i = buf.indexOf(MARK, s);
    while (i !== -1 && i < e) {
      let j = i + 2;
      let phase = 0;
      for (let c = buf[j]; c >= 48 && c <= 57; c = buf[++j]) {
        phase = phase * 10 + c - 48;
      }
      let intended = 0;
      for (let c = buf[++j]; c >= 48 && c <= 57; c = buf[++j]) {
        intended = intended * 10 + c - 48;
      }
      record(phase, intended);
      i = buf.indexOf(MARK, j);
    }
    let k = buf.indexOf(ERROR, s);
    while (k !== -1 && k < e) {
      errors++;
      errorSample ??= buf.toString("utf8", k, Math.min(e, k + 160));
      k = buf.indexOf(ERROR, k + ERROR.length);
    }
  };

  /** @param {any} event */
  const onEvent = (event) => {
    if (event.type === "message") {
      const text = /** @type {string} */ (event.text);
      if (text.charCodeAt(0) !== 126) return; // "~"
      const dot = text.indexOf(".");
      record(
        Number(text.slice(1, dot)),
        Number(text.slice(dot + 1, text.indexOf("~", dot))),
      );
    } else if (event.type === "error") {
      errors++;
      errorSample ??= JSON.stringify(event).slice(0, 160);
    }
  };

  // The generator's own stalls, measured while a level runs: event-loop
  // delay (a late loop delays both sends and receive timestamps) and GC.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  let gcMs = 0;
  let gcMaxMs = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcMs += entry.duration;
      gcMaxMs = Math.max(gcMaxMs, entry.duration);
    }
  }).observe({ entryTypes: ["gc"] });

  return {
    /**
     * Connects every member of `roomNames`.
     * @param {{roomNames: string[], members: number, concurrency: number, scan: boolean}} args
     */
    async setup(args) {
      scan = args.scan;
      const total = args.roomNames.length * args.members;
      const res = await connectMany(
        total,
        args.concurrency,
        (i) =>
          connectAndJoin(
            // Member i of room ⌊i / members⌋: a room's members alternate.
            nodeFor(config.target, i),
            `l${config.index}x${i}`,
            args.roomNames[Math.floor(i / args.members)],
          ),
      );
      if (res.failed > 0) {
        throw new Error(`${res.failed} clients failed: ${res.firstError}`);
      }
      rooms = args.roomNames.map((room, r) => ({
        room,
        members: /** @type {import("./clients.mjs").ChatClient[]} */ (
          res.clients.slice(r * args.members, (r + 1) * args.members)
        ),
      }));
      for (const { members } of rooms) {
        for (const client of members) {
          client.onEvent = onEvent;
          if (scan) client.setScanner(scanner);
          client.onClose = (reason) => {
            closed++;
            closeSample ??= reason;
          };
        }
      }
      return { connected: total, ms: res.ms };
    },

    /**
     * Sends `rate` messages/s for `warmMs` (tagged `warmPhase`, not timed)
     * then `measureMs` (tagged `measurePhase`, timed), round-robin over
     * rooms and members; resolves when the schedule is done.
     * @param {{rate: number, warmMs: number, measureMs: number, warmPhase: number, measurePhase: number}} args
     */
    level(args) {
      const warm = phaseState(args.warmPhase);
      const measured = phaseState(args.measurePhase);
      measured.hist = newHistogram();
      const total = Math.round(
        args.rate * (args.warmMs + args.measureMs) / 1000,
      );
      const warmCount = Math.round(args.rate * args.warmMs / 1000);
      const interval = 1000 / args.rate;
      const t0 = performance.now();
      const stallsAt = { gcMs, gcMaxMs: 0 };
      gcMaxMs = 0;
      /** Starts the stall meters when the measured part begins. */
      const measureStart = setTimeout(() => {
        loopDelay.reset();
        loopDelay.enable();
        stallsAt.gcMs = gcMs;
        gcMaxMs = 0;
      }, args.warmMs);
      measured.t0 = t0 + args.warmMs;
      let k = 0;
      let maxLagMs = 0;
      return new Promise((resolve) => {
        const tick = () => {
          const now = performance.now();
          const due = Math.min(total, Math.floor((now - t0) / interval) + 1);
          if (due > k) maxLagMs = Math.max(maxLagMs, now - (t0 + k * interval));
          for (; k < due; k++) {
            const intended = t0 + k * interval;
            const st = k < warmCount ? warm : measured;
            const phase = k < warmCount ? args.warmPhase : args.measurePhase;
            const r = rooms[k % rooms.length];
            const member =
              r.members[Math.floor(k / rooms.length) % r.members.length];
            st.sent++;
            member.send({
              type: "send",
              room: r.room,
              id: `p${phase}k${k}`,
              text: `~${phase}.${Math.round(intended * 1000)}~ Hello World!`,
            });
          }
          if (k >= total) {
            clearTimeout(measureStart);
            loopDelay.disable();
            resolve({
              sent: total,
              maxLagMs: round(maxLagMs, 2),
              loopDelayP99Ms: round(loopDelay.percentile(99) / 1e6, 2),
              loopDelayMaxMs: round(loopDelay.max / 1e6, 2),
              gcMs: round(gcMs - stallsAt.gcMs, 1),
              gcMaxMs: round(gcMaxMs, 2),
            });
          } else {
            setTimeout(tick, Math.max(0, t0 + k * interval - now));
          }
        };
        tick();
      });
    },

    /**
     * Results of a phase (then forgets it).
     * @param {{phase: number}} args
     */
    collect(args) {
      const st = phaseState(args.phase);
      phases.delete(args.phase);
      return {
        sent: st.sent,
        received: st.received,
        hist: st.hist ? hdr.encodeIntoCompressedBase64(st.hist) : null,
        worst: Array.from(st.worst, (x) => x ?? 0),
        errors,
        closed,
        errorSample,
        closeSample,
      };
    },

    /** Disconnects everyone. */
    stop() {
      for (const { members } of rooms) for (const c of members) c.destroy();
      rooms = [];
    },
  };
}

/**
 * Controller side.
 * @param {import("./controller.mjs").DriveContext} ctx
 * @param {{rooms: number, members: number, levels: number[], warmMs: number, measureMs: number, drainMs: number, scan?: boolean}} p
 */
export async function drive(ctx, p) {
  const counts = split(p.rooms, ctx.workers.length);
  const setup = await ctx.callAll("setup", (i) => {
    const first = counts.slice(0, i).reduce((a, b) => a + b, 0);
    return {
      roomNames: Array.from({ length: counts[i] }, (_, r) => `lat${first + r}`),
      members: p.members,
      concurrency: 32,
      scan: p.scan ?? true,
    };
  });
  const connectMs = Math.max(...setup.map((s) => s.ms));
  ctx.log(
    `${p.rooms * p.members} clients joined in ${Math.round(connectMs)} ms`,
  );
  await sleep(500);
  const levels = [];
  let saturatedAt = 0;
  for (const [li, offered] of p.levels.entries()) {
    if (saturatedAt > 0) {
      levels.push({ offered, skipped: `saturated at ${saturatedAt}/s` });
      continue;
    }
    const sendRate = offered / p.members;
    const warmPhase = 2 * li + 1;
    const measurePhase = 2 * li + 2;
    const meter = ctx.meter();
    const running = ctx.callAll("level", (i) => ({
      rate: (sendRate * counts[i]) / p.rooms,
      warmMs: p.warmMs,
      measureMs: p.measureMs,
      warmPhase,
      measurePhase,
    }));
    await sleep(p.warmMs);
    meter.start();
    const sched = await running;
    const cpu = meter.stop();
    await sleep(p.drainMs);
    const parts = await ctx.callAll("collect", { phase: measurePhase });
    await ctx.callAll("collect", { phase: warmPhase });
    const hist = newHistogram();
    let sent = 0;
    let received = 0;
    for (const part of parts) {
      sent += part.sent;
      received += part.received;
      if (part.hist) hist.add(hdr.decodeFromCompressedBase64(part.hist, 32));
    }
    /** @type {number[]} */
    const worst = [];
    for (const part of parts) {
      part.worst.forEach((/** @type {number} */ x, /** @type {number} */ i) => {
        worst[i] = Math.max(worst[i] ?? 0, x);
      });
    }
    const expected = sent * p.members;
    const missing = expected - received;
    if (missing > 0) hist.recordValueWithCount(p.drainMs * 1000, missing);
    const ms = (/** @type {number} */ q) =>
      round(hist.getValueAtPercentile(q) / 1000, 3);
    const level = {
      offered,
      delivered: round(received / (p.measureMs / 1000), 0),
      missing,
      p50: ms(50),
      p99: ms(99),
      p999: ms(99.9),
      max: round(hist.maxValue / 1000, 3),
      cpu: {
        server: cpu.server,
        generator: cpu.generator,
        other: cpu.other,
        irq: cpu.irq,
        steal: cpu.steal,
        roles: cpu.roles,
        threads: cpu.threads,
      },
      maxSendLagMs: Math.max(...sched.map((s) => s.maxLagMs)),
      generatorStalls: {
        loopDelayP99Ms: Math.max(...sched.map((s) => s.loopDelayP99Ms)),
        loopDelayMaxMs: Math.max(...sched.map((s) => s.loopDelayMaxMs)),
        gcMs: Math.max(...sched.map((s) => s.gcMs)),
        gcMaxMs: Math.max(...sched.map((s) => s.gcMaxMs)),
      },
      worstMsPerSlice: {
        sliceMs: SLICE_MS,
        worst: Array.from(worst, (x) => round((x ?? 0) / 1000, 1)),
      },
      errors: parts.reduce((s, x) => s + x.errors, 0),
      closed: parts.reduce((s, x) => s + x.closed, 0),
      errorSample: parts.find((x) => x.errorSample)?.errorSample,
      closeSample: parts.find((x) => x.closeSample)?.closeSample,
    };
    ctx.log(
      `${offered}/s: p50 ${level.p50} p99 ${level.p99} p99.9 ${level.p999} ms, ` +
        `missing ${missing}, cpu server ${cpu.server} gen ${cpu.generator}`,
    );
    levels.push(level);
    if (missing > expected * 0.05) saturatedAt = offered;
  }
  await ctx.callAll("stop");
  return { rooms: p.rooms, members: p.members, connectMs, levels };
}
