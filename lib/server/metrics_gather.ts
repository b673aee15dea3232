/**
 * Gathers the metrics of every isolate of the process for one scrape.
 *
 * Under `deno serve --parallel` each isolate is a separate app with its own
 * `Metrics`, and the kernel hands a scrape's connection to any of
 * them. The isolate that answers asks its peers for their samples over a
 * `BroadcastChannel` of its own (not the chat bus: a scrape must not queue
 * behind message traffic, nor count as bus traffic), and waits until every
 * peer it knows has answered or a short deadline passes: a scrape never
 * hangs on a stuck isolate, it reports without it (`chat_metrics_isolates`
 * tells how many answered).
 *
 * Peers are learned from the channel itself: a starting gatherer says
 * `hello` and every peer answers `here`; any message proves its sender
 * alive, `bye` or a missed deadline forgets it (its next message brings it
 * back).
 *
 * @module
 */
import type { App } from "./app.ts";
import type { FamilySample, IsolateSamples } from "./metrics.ts";

/** What gatherers say to each other. */
type GatherMessage =
  | { k: "hello"; node: string }
  | { k: "here"; node: string }
  | { k: "ask"; node: string; id: string }
  | {
    k: "samples";
    node: string;
    id: string;
    to: string;
    families: FamilySample[];
  }
  | { k: "bye"; node: string };

/** Options for {@linkcode MetricsGatherer}. */
export interface GathererOptions {
  /** The channel name; gatherers on one name hear each other. */
  channel: string;
  /** This isolate's id. */
  node: string;
  /** This isolate's samples, read at each scrape (its own or a peer's). */
  snapshot: () => FamilySample[];
  /** How long a scrape waits for peers' answers. */
  timeoutMs: number;
  /** Gather this isolate only, opening no channel. */
  alone?: boolean;
}

interface Gathering {
  samples: IsolateSamples[];
  /** Peers known when it began that have not answered yet. */
  waiting: Set<string>;
  finish(): void;
}

/** One isolate's end of the metrics gathering. */
export class MetricsGatherer {
  readonly #options: GathererOptions;
  readonly #channel: BroadcastChannel | null;
  readonly #peers = new Set<string>();
  readonly #gatherings = new Map<string, Gathering>();

  constructor(options: GathererOptions) {
    this.#options = options;
    this.#channel = options.alone
      ? null
      : new BroadcastChannel(options.channel);
    if (!this.#channel) return;
    this.#channel.onmessage = (event: MessageEvent<GatherMessage>) =>
      this.#hear(event.data);
    this.#post({ k: "hello", node: options.node });
  }

  /** The peers this isolate knows of. */
  peers(): string[] {
    return [...this.#peers];
  }

  /**
   * Every isolate's samples, this one's first: waits for the known peers'
   * answers, at most `timeoutMs`.
   */
  gather(): Promise<IsolateSamples[]> {
    const { node, snapshot, timeoutMs } = this.#options;
    const samples: IsolateSamples[] = [{ node, families: snapshot() }];
    if (this.#peers.size === 0) return Promise.resolve(samples);
    const id = crypto.randomUUID();
    return new Promise((resolve) => {
      const waiting = new Set(this.#peers);
      const finish = () => {
        clearTimeout(timer);
        this.#gatherings.delete(id);
        // Silent past the deadline: the next scrape need not wait for it.
        for (const peer of waiting) this.#peers.delete(peer);
        resolve(samples);
      };
      const timer = setTimeout(finish, timeoutMs);
      this.#gatherings.set(id, { samples, waiting, finish });
      this.#post({ k: "ask", node, id });
    });
  }

  /** Says `bye`, stops listening and ends the gatherings in progress. */
  close(): void {
    this.#post({ k: "bye", node: this.#options.node });
    this.#channel?.close();
    for (const gathering of [...this.#gatherings.values()]) {
      gathering.waiting.clear();
      gathering.finish();
    }
  }

  #hear(message: GatherMessage): void {
    const node = message?.node;
    if (typeof node !== "string" || node === this.#options.node) return;
    if (message.k === "bye") {
      this.#peers.delete(node);
      for (const gathering of [...this.#gatherings.values()]) {
        gathering.waiting.delete(node);
        if (gathering.waiting.size === 0) gathering.finish();
      }
      return;
    }
    this.#peers.add(node);
    switch (message.k) {
      case "hello":
        this.#post({ k: "here", node: this.#options.node });
        break;
      case "ask":
        this.#post({
          k: "samples",
          node: this.#options.node,
          id: message.id,
          to: node,
          families: this.#options.snapshot(),
        });
        break;
      case "samples": {
        if (message.to !== this.#options.node) break;
        const gathering = this.#gatherings.get(message.id);
        if (!gathering || gathering.samples.some((s) => s.node === node)) {
          break; // late, or a repeat
        }
        // A peer unknown when the scrape began still counts: it is alive.
        gathering.samples.push({ node, families: message.families });
        gathering.waiting.delete(node);
        if (gathering.waiting.size === 0) gathering.finish();
        break;
      }
    }
  }

  #post(message: GatherMessage): void {
    try {
      this.#channel?.postMessage(message);
    } catch {
      // Closed while a late message was handled: nobody to tell.
    }
  }
}

/**
 * How long a scrape waits for the other isolates: they answer in well under
 * a millisecond when idle, and a scraper's timeout is seconds.
 */
const GATHER_TIMEOUT_MS = 150;

const perApp = new WeakMap<App, MetricsGatherer>();

/**
 * This isolate's gatherer, created on first use (`main.ts` creates it at
 * start, so that peers are answered before this isolate is ever scraped).
 */
export function metricsGathererOf(app: App): MetricsGatherer {
  let gatherer = perApp.get(app);
  if (!gatherer) {
    gatherer = new MetricsGatherer({
      channel: "chat-metrics-v1",
      node: app.node,
      snapshot: () => app.metrics.snapshot(),
      timeoutMs: GATHER_TIMEOUT_MS,
      // On Deno Deploy an instance is one isolate, and BroadcastChannel
      // reaches the deployment's other instances: their metrics are theirs.
      alone: app.runtime.env("DENO_DEPLOYMENT_ID") !== undefined,
    });
    perApp.set(app, gatherer);
    const created = gatherer;
    app.runtime.onShutdown(() => created.close());
  }
  return gatherer;
}
