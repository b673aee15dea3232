import assert, { equal } from "node:assert/strict";
import { Sessions } from "../auth/sessions.ts";
import { TokenSigner } from "../auth/token.ts";
import { KvRecords } from "../engine/kv_records.ts";
import { Accounts } from "../accounts/accounts.ts";
import { refreshStaleCookie } from "./session_refresh.ts";

const DAY = 24 * 3600 * 1000;

async function setup() {
  const kv = await Deno.openKv(":memory:");
  const records = new KvRecords(kv);
  const accounts = new Accounts(records, { iterations: 1_000 });
  const clock = { now: 1_800_000_000_000 };
  const sessions = new Sessions(
    await TokenSigner.create(new Uint8Array(32).fill(7)),
    accounts,
    records,
    () => clock.now,
  );
  return { kv, accounts, sessions, clock };
}

/** The fresh cookie's token a page visit with `headers` gets, or null. */
async function refreshed(
  sessions: Sessions,
  headers: Record<string, string>,
  url = "http://x/rooms/lobby",
): Promise<string | null> {
  const response = new Response("page");
  await refreshStaleCookie(
    new Request(url, { headers }),
    new URL(url),
    sessions,
    response,
  );
  const cookie = response.headers.get("set-cookie");
  return cookie ? cookie.split(";")[0].split("=")[1] : null;
}

Deno.test("an account's cookie past half its life is replaced on a page visit; a fresh one is not", async () => {
  const { kv, accounts, sessions, clock } = await setup();
  try {
    const guest = await sessions.issue("Hana", null);
    const account = await accounts.claimWithPassword(
      guest.user,
      "password-hana",
    );
    const { token } = await sessions.issueFor(account);
    equal(await refreshed(sessions, { cookie: `chat_session=${token}` }), null);
    clock.now += 16 * DAY;
    const fresh = await refreshed(sessions, {
      cookie: `chat_session=${token}`,
    });
    assert(fresh && fresh !== token);
    equal((await sessions.verify(fresh))?.id, account.id);
    equal((await sessions.check(fresh))?.stale, false);
    // A bearer or ?token= request is not the browser's cookie session.
    equal(
      await refreshed(sessions, {
        cookie: `chat_session=${token}`,
        authorization: `Bearer ${token}`,
      }),
      null,
    );
    equal(
      await refreshed(
        sessions,
        { cookie: `chat_session=${token}` },
        `http://x/?token=${token}`,
      ),
      null,
    );
  } finally {
    kv.close();
  }
});

Deno.test("a guest's cookie, which does not expire, is left alone", async () => {
  const { kv, sessions, clock } = await setup();
  try {
    const { token } = await sessions.issue("Ivo", null);
    clock.now += 400 * DAY;
    equal(await refreshed(sessions, { cookie: `chat_session=${token}` }), null);
    equal((await sessions.verify(token))?.name, "Ivo");
  } finally {
    kv.close();
  }
});
