/**
 * Web Push for the chat: the server's VAPID public key, users'
 * subscriptions, and sending one message's payload to every subscription of
 * a user. Who gets a push is decided elsewhere (the notifier); this only
 * delivers, and never throws: a push that fails is logged and dropped, as a
 * lost notification must not fail the message that caused it.
 *
 * Requests are made with `fetch` here, not by the `web-push` package: every
 * endpoint passes the guard again right before it is used, redirects are
 * never followed (a push service that redirects is not one), and each
 * request has a deadline.
 *
 * @module
 */
import type { Records } from "../engine/records.ts";
import type { Config } from "../server/config.ts";
import type { Logger } from "../server/logger.ts";
import type { User } from "../protocol/types.ts";
import { ProtocolError } from "../protocol/errors.ts";
import { endpointProblem } from "./endpoint_guard.ts";
import { loadVapidKeys } from "./vapid_keys.ts";
import { VapidAuth } from "./vapid_auth.ts";
import { parseSubscription } from "./subscription_input.ts";
import { PushSubscriptions, type StoredSubscription } from "./subscriptions.ts";
import { encryptedRequest } from "./web_push_package.ts";
import type { PushPayload } from "./payload.ts";
import { ConcurrencyLimit } from "./concurrency.ts";
import { DnsGuard, type ResolveHost } from "./dns_guard.ts";
import { isIpLiteral } from "./ip_address.ts";

/**
 * How long a push service keeps a push for a device that is offline, in
 * seconds: a day. A phone off overnight still hears of the DM in the
 * morning; after that the unread counts say it better than a pile of old
 * notifications would.
 */
export const PUSH_TTL_SECONDS = 86_400;

/** A push service that has not answered by then is given up on. */
export const PUSH_TIMEOUT_MS = 10_000;

/** Push requests one isolate has in flight at most (others wait their turn). */
export const MAX_PUSHES_IN_FLIGHT = 64;

/** What {@linkcode WebPush} is built from. */
export interface WebPushOptions {
  records: Records;
  config: Pick<Config, "vapid" | "vapidSubject" | "pushTestOrigins">;
  log: Pick<Logger, "info" | "error">;
  /** Injected by tests; `fetch` otherwise. */
  fetch?: typeof fetch;
  /** Default {@linkcode MAX_PUSHES_IN_FLIGHT}. */
  maxInFlight?: number;
  /**
   * Resolves push services' names, so that a name with a private address
   * is refused too (`lib/push/dns_guard.ts`); without it names are judged
   * by their spelling alone.
   */
  resolveHost?: ResolveHost;
}

/** Web Push subscriptions and sending, shared by every route of one isolate. */
export class WebPush {
  readonly #records: Records;
  readonly #config: WebPushOptions["config"];
  readonly #log: WebPushOptions["log"];
  readonly #fetch: typeof fetch;
  readonly #subscriptions: PushSubscriptions;
  readonly #inFlight: ConcurrencyLimit;
  readonly #dns: DnsGuard | undefined;
  #auth: Promise<{ publicKey: string; auth: VapidAuth }> | undefined;
  /**
   * Pushes since start: accepted by a push service, ended a subscription
   * (404, 410), or failed any other way (for the metrics).
   */
  readonly stats = { sent: 0, gone: 0, failed: 0 };

  constructor(options: WebPushOptions) {
    this.#records = options.records;
    this.#config = options.config;
    this.#log = options.log;
    // Called as a method below: the global one must not see `this`.
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#subscriptions = new PushSubscriptions(options.records);
    this.#inFlight = new ConcurrencyLimit(
      options.maxInFlight ?? MAX_PUSHES_IN_FLIGHT,
    );
    this.#dns = options.resolveHost && new DnsGuard(options.resolveHost);
  }

  /** The VAPID public key (base64url, uncompressed P-256) browsers subscribe with. */
  async publicKey(): Promise<string> {
    return (await this.#vapid()).publicKey;
  }

  /**
   * Stores a browser's `PushSubscription.toJSON()` for `user`; `bad_request`
   * when it is malformed or its endpoint is not https on a public host.
   */
  async subscribe(user: User, input: unknown): Promise<void> {
    const target = parseSubscription(input, this.#config.pushTestOrigins);
    const problem = await this.#dnsProblem(target.endpoint);
    if (problem) {
      throw new ProtocolError(
        "bad_request",
        `Push endpoint ${problem}: only https endpoints on public hosts are accepted`,
      );
    }
    await this.#subscriptions.add(user.id, target);
  }

  /** Deletes `user`'s subscription to `endpoint` (nothing when there is none). */
  async unsubscribe(user: User, endpoint: unknown): Promise<void> {
    if (typeof endpoint !== "string" || endpoint === "") {
      throw new ProtocolError("bad_request", "endpoint must be a string");
    }
    await this.#subscriptions.remove(user.id, endpoint);
  }

  /**
   * Sends `payload` to every subscription of `userId` at once; resolves when
   * each has been answered or given up on. Subscriptions the push service
   * says are gone (404, 410) are deleted. Never throws.
   */
  async send(userId: string, payload: PushPayload): Promise<void> {
    try {
      const targets = await this.#subscriptions.list(userId);
      if (targets.length === 0) return;
      const { auth } = await this.#vapid();
      const body = JSON.stringify(payload);
      await Promise.all(
        targets.map((target) =>
          this.#inFlight.run(() => this.#deliver(userId, target, body, auth))
        ),
      );
    } catch (error) {
      this.#log.error("push failed", error, { user: userId });
    }
  }

  /** Keys loaded once per isolate; a failed load is tried again next time. */
  #vapid(): Promise<{ publicKey: string; auth: VapidAuth }> {
    this.#auth ??= loadVapidKeys(this.#records, this.#config.vapid).then(
      (keys) => ({
        publicKey: keys.publicKey,
        auth: new VapidAuth(keys, this.#config.vapidSubject),
      }),
      (error) => {
        this.#auth = undefined;
        throw error;
      },
    );
    return this.#auth;
  }

  /** What DNS says against `endpoint`'s host (names only; test origins pass). */
  async #dnsProblem(endpoint: string): Promise<string | undefined> {
    if (!this.#dns) return undefined;
    const url = new URL(endpoint);
    if (this.#config.pushTestOrigins.has(url.origin)) return undefined;
    const host = url.hostname.replace(/\.+$/, "");
    // Address literals were judged by the endpoint guard.
    return isIpLiteral(host) ? undefined : await this.#dns.problem(host);
  }

  async #deliver(
    user: string,
    target: StoredSubscription,
    body: string,
    auth: VapidAuth,
  ): Promise<void> {
    // Logs name the push service, never the endpoint: whoever has an
    // endpoint (and the keys) can push to that browser.
    const problem = endpointProblem(
      target.endpoint,
      this.#config.pushTestOrigins,
    ) ?? await this.#dnsProblem(target.endpoint);
    if (problem) {
      this.stats.failed++;
      // Stored when the configuration allowed it; kept in case it does again.
      this.#log.info("push endpoint refused", { user, problem });
      return;
    }
    const service = new URL(target.endpoint).origin;
    try {
      const request = encryptedRequest(target, body, {
        ttl: PUSH_TTL_SECONDS,
        // The person asked to hear of this message (a DM, a mention, a room
        // set to all): a device may deliver it at once, even on battery saving.
        urgency: "high",
        authorization: auth.header(service),
      });
      const response = await this.#fetch(target.endpoint, {
        method: "POST",
        headers: request.headers,
        body: request.body,
        redirect: "manual",
        signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (response.ok) {
        this.stats.sent++;
      } else if (response.status === 404 || response.status === 410) {
        this.stats.gone++;
        await this.#subscriptions.remove(user, target.endpoint);
        this.#log.info("push subscription gone", {
          user,
          service,
          status: response.status,
        });
      } else {
        this.stats.failed++;
        this.#log.info("push refused", {
          user,
          service,
          status: response.status,
        });
      }
    } catch (error) {
      this.stats.failed++;
      this.#log.error("push failed", error, { user, service });
    }
  }
}
