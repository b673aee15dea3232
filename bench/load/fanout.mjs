/**
 * Scenario 1, fan-out closed loop (the shape of Bun's chat benchmark):
 * C clients in one room; each sends its next message as soon as it sees its
 * previous one delivered back to itself. Counts chat messages delivered to
 * clients per second.
 *
 * Our JSON frames are counted by byte scanning (see raw_ws.mjs): one scan for
 * `"type":"` classifies message/ack/error events, one scan looks for the
 * client's own pending text. Socket.IO events arrive parsed.
 *
 * @module
 */
import {
  connectAndJoin,
  connectMany,
  hasPattern,
  nodeFor,
  split,
} from "./clients.mjs";
import { sleep } from "./procstat.mjs";

const TYPE = Buffer.from('"type":"');
const M = "m".charCodeAt(0);
const A = "a".charCodeAt(0);
const E = "e".charCodeAt(0);
const STALL_MS = 5000;

/**
 * @typedef {object} Counters
 * @property {number} sent
 * @property {number} delivered
 * @property {number} acks
 * @property {number} errors
 * @property {number} stalls
 * @property {number} closed
 * @property {number} at performance.now() of the snapshot
 * @property {string} [errorSample]
 * @property {string} [closeSample]
 */

/**
 * Worker side.
 * @param {{target: import("./clients.mjs").Servers, localAddress: string}} config
 */
export function worker(config) {
  /** @type {Counters} */
  const c = {
    sent: 0,
    delivered: 0,
    acks: 0,
    errors: 0,
    stalls: 0,
    closed: 0,
    at: 0,
  };
  /** @type {{client: import("./clients.mjs").ChatClient, idx: number, n: number, own: Buffer, ownText: string, sentAt: number}[]} */
  let members = [];
  let room = "";
  let running = false;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let watchdog;

  /** @param {typeof members[number]} m */
  const sendNext = (m) => {
    m.n++;
    m.ownText = `c${m.idx}n${m.n} Hello World!`;
    m.own = Buffer.from(`"c${m.idx}n${m.n} `);
    m.sentAt = performance.now();
    c.sent++;
    m.client.send({
      type: "send",
      room,
      id: `k${m.idx}n${m.n}`,
      text: m.ownText,
    });
  };

  /** @param {typeof members[number]} m */
  const scanner = (m) => (/** @type {Buffer} */ buf, s = 0, e = 0) => {
    let i = buf.indexOf(TYPE, s);
    while (i !== -1 && i < e) {
      const ch = buf[i + 8];
      if (ch === M) c.delivered++;
      else if (ch === A) c.acks++;
      else if (ch === E) {
        c.errors++;
        c.errorSample ??= buf.toString("utf8", i, Math.min(e, i + 160));
      }
      i = buf.indexOf(TYPE, i + 8);
    }
    if (running && hasPattern(buf, m.own, s, e)) sendNext(m);
  };

  /** @param {typeof members[number]} m */
  const onEvent = (m) => (/** @type {any} */ event) => {
    if (event.type === "message") {
      c.delivered++;
      if (running && event.text === m.ownText) sendNext(m);
    } else if (event.type === "ack") {
      c.acks++;
    } else if (event.type === "error") {
      c.errors++;
      c.errorSample ??= JSON.stringify(event).slice(0, 160);
    }
  };

  return {
    /**
     * Connects `count` clients (indices from `first`) into `room`.
     * @param {{count: number, first: number, room: string}} args
     */
    async setup(args) {
      room = args.room;
      const res = await connectMany(
        args.count,
        8,
        (i) =>
          connectAndJoin(
            nodeFor(config.target, args.first + i),
            `f${args.first + i}`,
            room,
          ),
      );
      if (res.failed > 0) {
        throw new Error(`${res.failed} clients failed: ${res.firstError}`);
      }
      members = res.clients.map((client, i) => ({
        client: /** @type {import("./clients.mjs").ChatClient} */ (client),
        idx: args.first + i,
        n: 0,
        own: Buffer.alloc(0),
        ownText: "",
        sentAt: 0,
      }));
      for (const m of members) {
        m.client.onClose = (reason) => {
          c.closed++;
          c.closeSample ??= reason;
        };
      }
      return { connected: members.length, ms: res.ms };
    },
    /** Starts every client's loop. */
    start() {
      running = true;
      for (const m of members) {
        if (!m.client.setScanner(scanner(m))) m.client.onEvent = onEvent(m);
      }
      for (const m of members) sendNext(m);
      watchdog = setInterval(() => {
        const now = performance.now();
        for (const m of members) {
          if (running && now - m.sentAt > STALL_MS && m.client.isOpen()) {
            c.stalls++;
            sendNext(m);
          }
        }
      }, 500);
    },
    /** @returns {Counters} */
    snapshot() {
      return { ...c, at: performance.now() };
    },
    /** Stops sending, lets in-flight messages land, disconnects. */
    async stop() {
      running = false;
      clearInterval(watchdog);
      await sleep(200);
      for (const m of members) m.client.destroy();
      return { ...c, at: performance.now() };
    },
  };
}

/**
 * Controller side.
 * @param {import("./controller.mjs").DriveContext} ctx
 * @param {{clients: number, warmMs: number, measureMs: number}} p
 */
export async function drive(ctx, p) {
  const counts = split(p.clients, ctx.workers.length);
  const firsts = counts.map((_, i) =>
    counts.slice(0, i).reduce((a, b) => a + b, 0)
  );
  const setup = await ctx.callAll("setup", (i) => ({
    count: counts[i],
    first: firsts[i],
    room: "fanout",
  }));
  ctx.log(`${p.clients} clients joined in ${Math.round(setup[0].ms)} ms`);
  await sleep(300);
  await ctx.callAll("start");
  await sleep(p.warmMs);
  const meter = ctx.meter();
  meter.start();
  /** @type {Counters[]} */
  const a = await ctx.callAll("snapshot");
  await sleep(p.measureMs);
  /** @type {Counters[]} */
  const b = await ctx.callAll("snapshot");
  const cpu = meter.stop();
  /** @type {Counters[]} */
  const end = await ctx.callAll("stop");
  let rate = 0;
  let sends = 0;
  let delivered = 0;
  for (let i = 0; i < a.length; i++) {
    const secs = (b[i].at - a[i].at) / 1000;
    rate += (b[i].delivered - a[i].delivered) / secs;
    sends += (b[i].sent - a[i].sent) / secs;
    delivered += b[i].delivered - a[i].delivered;
  }
  const total = (/** @type {keyof Counters} */ k) =>
    end.reduce((s, x) => s + Number(x[k]), 0);
  return {
    clients: p.clients,
    deliveriesPerSec: Math.round(rate),
    sendsPerSec: Math.round(sends),
    delivered,
    cpu: {
      server: cpu.server,
      generator: cpu.generator,
      other: cpu.other,
      irq: cpu.irq,
      steal: cpu.steal,
      roles: cpu.roles,
    },
    check: {
      deliveriesPerSend: Math.round((rate / sends) * 100) / 100,
      sent: total("sent"),
      acks: total("acks"),
      errors: total("errors"),
      stalls: total("stalls"),
      closed: total("closed"),
      errorSample: end.find((x) => x.errorSample)?.errorSample,
      closeSample: end.find((x) => x.closeSample)?.closeSample,
    },
  };
}
