/**
 * A real chat core for transport unit tests: `ChatService`, `Hub` and
 * `Presence` over the KV store in memory, wired as the embedded engine wires
 * them for a node alone (its bus carries nothing to nobody). Transports are
 * then tested against the real room semantics (sequence numbers,
 * idempotency, join backlog, presence) instead of a fake of them.
 *
 * @module
 */
import { Bus } from "../bus/bus.ts";
import { KvEventLog } from "../engine/kv_event_log.ts";
import { Presence } from "../presence/presence.ts";
import { loadEpoch } from "../store/epoch.ts";
import { MessageStore } from "../store/message_store.ts";
import { ChatService } from "./chat_service.ts";
import { Hub } from "./hub.ts";
import { OutgoingEvent } from "./outgoing.ts";
import { KvRecords } from "../engine/kv_records.ts";
import { RoomAccess } from "../access/room_access.ts";
import { Accounts } from "../accounts/accounts.ts";
import { createChatReads } from "./chat_reads.ts";
import type { PushPayload } from "../push/payload.ts";

/** A chat core on an in-memory database. */
export interface TestChat {
  readonly chat: ChatService;
  readonly hub: Hub;
  /** Rooms' settings, members and bans, as the service checks them. */
  readonly access: RoomAccess;
  /** Accounts on the same records (cheap password hashing). */
  readonly accounts: Accounts;
  readonly records: KvRecords;
  /** Sends stored and sends answered as repeats, counted by the service. */
  readonly posts: { stored: number; duplicate: number };
  /** Pushes the notifier handed to the sender, in order. */
  readonly pushes: Array<{ userId: string; payload: PushPayload }>;
  /** Errors nobody could handle (a test expects none). */
  readonly errors: unknown[];
  close(): void;
}

/** Opens a chat core; `close` it at the end of the test. */
export async function openTestChat(historyLimit = 1_000): Promise<TestChat> {
  const kv = await Deno.openKv(":memory:");
  const epoch = await loadEpoch(kv);
  const errors: unknown[] = [];
  const onError = (error: unknown) => errors.push(error);
  const store = new MessageStore(kv, historyLimit, onError);
  const log = new KvEventLog(
    store,
    epoch,
    (room, user, id, text) => store.append(room, user, id, text),
  );
  const hub = new Hub(log, onError);
  // Every room reaches this node: nothing to open (as the embedded engine).
  hub.connect({ open: () => Promise.resolve(), close() {} });
  store.onCommit((room, messages) => hub.events(room, epoch, messages));
  const bus = new Bus({
    channel: { postMessage() {}, onmessage: null, close() {} },
    onError,
  });
  const presence = new Presence({
    node: "test",
    bus,
    // Leaving takes effect at once: no grace timer outlives a test.
    graceMs: 0,
    onChange: (room, joins, leaves) =>
      hub.broadcastLocal(
        room,
        new OutgoingEvent({ type: "presence", room, joins, leaves }),
      ),
  });
  const posts = { stored: 0, duplicate: 0 };
  const records = new KvRecords(kv);
  const access = new RoomAccess(records, { admins: ["root"] });
  const pushes: Array<{ userId: string; payload: PushPayload }> = [];
  const reads = createChatReads({
    records,
    bus,
    node: "test",
    push: {
      send: (userId, payload) => {
        pushes.push({ userId, payload });
        return Promise.resolve();
      },
    },
    onError,
    attentionGraceMs: 0,
  });
  const chat = new ChatService(
    log,
    hub,
    presence,
    bus,
    historyLimit,
    {
      stored: { inc: () => posts.stored++ },
      duplicate: { inc: () => posts.duplicate++ },
    },
    access,
    reads,
  );
  return {
    chat,
    hub,
    access,
    accounts: new Accounts(records, { iterations: 1_000 }),
    records,
    posts,
    pushes,
    errors,
    close() {
      reads.close();
      presence.close();
      hub.close();
      bus.close();
      kv.close();
    },
  };
}
