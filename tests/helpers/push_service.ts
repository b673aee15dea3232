/**
 * A local push service for tests, standing in for FCM or Mozilla's
 * autopush: an HTTP server on a free port that hands out subscriptions (it
 * plays the browser too: it makes each one's ECDH key pair and auth
 * secret) and, for each push, checks what a real service checks (the VAPID
 * token's ES256 signature against the subscription's application server
 * key, `aud` = its origin, `exp` within 24 h, `sub`, a `TTL` header,
 * `Content-Encoding: aes128gcm`) and decrypts the body as the browser would
 * (RFC 8291). Endpoints can be told to answer `404` or `410`, as a push
 * service does once a subscription has expired or been revoked.
 *
 * @module
 */
import {
  type BrowserKeys,
  browserKeys,
  decryptPush,
  verifyVapid,
} from "./push_crypto.ts";

/** What a browser's `PushSubscription.toJSON()` gives. */
export interface PushSubscriptionJSON {
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

/** One push that arrived and passed every check. */
export interface ReceivedPush {
  /** The subscription's id (the endpoint's last path part). */
  id: string;
  /** The decrypted payload, parsed. */
  // deno-lint-ignore no-explicit-any -- tests read the fields they expect
  payload: any;
  ttl: number;
  urgency: string | null;
}

interface Subscription {
  keys: BrowserKeys;
  /** The application server key it was made with (the VAPID public key). */
  serverKey: string;
  /** Status to answer instead of accepting, when set. */
  answer?: number;
}

/** A running stand-in. */
export class PushService {
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #received: ReceivedPush[] = [];
  readonly #problems: string[] = [];
  #requests = 0;
  #changed = () => {};

  /** `http://127.0.0.1:<port>`, for `CHAT_PUSH_TEST_ORIGINS`. */
  readonly origin: string;

  private constructor() {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req) => this.#handle(req),
    );
    this.origin = `http://127.0.0.1:${this.#server.addr.port}`;
  }

  /** Starts a stand-in on a free port. */
  static start(): PushService {
    return new PushService();
  }

  /**
   * A new subscription, as `pushManager.subscribe({applicationServerKey})`
   * makes one: pushes to it must be signed by that key.
   */
  async subscribe(applicationServerKey: string): Promise<PushSubscriptionJSON> {
    const id = crypto.randomUUID();
    const keys = await browserKeys();
    this.#subscriptions.set(id, { keys, serverKey: applicationServerKey });
    return {
      endpoint: `${this.origin}/push/${id}`,
      expirationTime: null,
      keys: keys.json,
    };
  }

  /** Makes the endpoint answer `status` (404, 410) from now on. */
  answer(endpoint: string, status: number): void {
    this.#subscriptions.get(idOf(endpoint))!.answer = status;
  }

  /** Pushes accepted so far. */
  get received(): readonly ReceivedPush[] {
    return this.#received;
  }

  /** Every request that came in, accepted or not. */
  get requests(): number {
    return this.#requests;
  }

  /** Why requests were refused (a correct server causes none). */
  get problems(): readonly string[] {
    return this.#problems;
  }

  /** Waits until `count` requests have come in (accepted or not). */
  async waitForRequests(count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#requests < count) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `Push service: ${this.#requests} requests, waited for ${count} (problems: ${
            this.#problems.join("; ") || "none"
          })`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#changed = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Stops the server. */
  async close(): Promise<void> {
    await this.#server.shutdown();
  }

  async #handle(req: Request): Promise<Response> {
    try {
      return await this.#check(req);
    } finally {
      this.#requests++;
      this.#changed();
    }
  }

  async #check(req: Request): Promise<Response> {
    const refuse = (status: number, problem: string) => {
      this.#problems.push(problem);
      return new Response(problem, { status });
    };
    const url = new URL(req.url);
    const subscription = this.#subscriptions.get(idOf(url.pathname));
    if (req.method !== "POST" || !subscription) {
      return refuse(404, `${req.method} ${url.pathname}: no such subscription`);
    }
    if (subscription.answer !== undefined) {
      return new Response(null, { status: subscription.answer });
    }
    const ttl = req.headers.get("ttl");
    if (ttl === null || !/^\d+$/.test(ttl)) {
      return refuse(400, `TTL header missing or invalid: ${ttl}`);
    }
    if (req.headers.get("content-encoding") !== "aes128gcm") {
      return refuse(415, "Content-Encoding is not aes128gcm");
    }
    let claims;
    try {
      claims = await verifyVapid(req.headers.get("authorization"), this.origin);
    } catch (error) {
      return refuse(401, `VAPID: ${(error as Error).message}`);
    }
    if (claims.key !== subscription.serverKey) {
      return refuse(403, "VAPID key is not the subscription's");
    }
    let text: string;
    try {
      text = await decryptPush(
        new Uint8Array(await req.arrayBuffer()),
        subscription.keys,
      );
    } catch (error) {
      return refuse(400, `cannot decrypt: ${error}`);
    }
    this.#received.push({
      id: idOf(url.pathname),
      payload: JSON.parse(text),
      ttl: Number(ttl),
      urgency: req.headers.get("urgency"),
    });
    return new Response(null, { status: 201 });
  }
}

/** A subscription's id: an endpoint's or path's last part. */
function idOf(endpointOrPath: string): string {
  return endpointOrPath.slice(endpointOrPath.lastIndexOf("/") + 1);
}
