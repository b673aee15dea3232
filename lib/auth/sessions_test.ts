import assert, {
  deepEqual,
  equal,
  notEqual,
  rejects,
} from "node:assert/strict";
import {
  ACCOUNT_TOKEN_TTL_S,
  readCookie,
  SESSION_COOKIE,
  Sessions,
} from "./sessions.ts";
import { TokenSigner } from "./token.ts";
import { KvRecords } from "../engine/kv_records.ts";
import { Accounts } from "../accounts/accounts.ts";
import { ProtocolError } from "../protocol/errors.ts";

const signer = await TokenSigner.create(new Uint8Array(32).fill(3));
const kv = await Deno.openKv(":memory:");
const records = new KvRecords(kv);
const accounts = new Accounts(records, { iterations: 1_000 });
let clock = 1_800_000_000_000;

function sessions(): Sessions {
  return new Sessions(signer, accounts, records, () => clock);
}

function request(url: string, headers: Record<string, string> = {}) {
  const req = new Request(url, { headers });
  return { req, url: new URL(req.url) };
}

Deno.test("readCookie finds a cookie by exact name among others", () => {
  equal(readCookie("chat_session=abc", "chat_session"), "abc");
  equal(readCookie("a=1; chat_session=v1.x.y; b=2", "chat_session"), "v1.x.y");
  equal(readCookie("a=1;chat_session= spaced ;b=2", "chat_session"), "spaced");
  equal(readCookie("x=a=b", "x"), "a=b");
  equal(
    readCookie("xchat_session=1; chat_session_old=2", "chat_session"),
    null,
  );
  equal(readCookie("chat_session", "chat_session"), null);
  equal(readCookie("", "chat_session"), null);
  equal(readCookie(null, "chat_session"), null);
  equal(
    readCookie("chat_session=first; chat_session=second", "chat_session"),
    "first",
  );
});

Deno.test("tokenOf prefers Bearer, then ?token=, then the cookie", () => {
  const s = sessions();
  const all = request("http://localhost/api/rooms?token=param", {
    authorization: "Bearer bearer",
    cookie: `${SESSION_COOKIE}=cookie`,
  });
  equal(s.tokenOf(all.req, all.url), "bearer");
  const noBearer = request("http://localhost/api/rooms?token=param", {
    cookie: `${SESSION_COOKIE}=cookie`,
  });
  equal(s.tokenOf(noBearer.req, noBearer.url), "param");
  const cookieOnly = request("http://localhost/api/rooms", {
    cookie: `other=1; ${SESSION_COOKIE}=cookie`,
  });
  equal(s.tokenOf(cookieOnly.req, cookieOnly.url), "cookie");
  const none = request("http://localhost/api/rooms");
  equal(s.tokenOf(none.req, none.url), null);
  // Another scheme is not a bearer token: fall through to the cookie.
  const basic = request("http://localhost/", {
    authorization: "Basic abc",
    cookie: `${SESSION_COOKIE}=cookie`,
  });
  equal(s.tokenOf(basic.req, basic.url), "cookie");
  // An empty ?token= does not hide the cookie.
  const empty = request("http://localhost/?token=", {
    cookie: `${SESSION_COOKIE}=cookie`,
  });
  equal(s.tokenOf(empty.req, empty.url), "cookie");
});

Deno.test("issue creates a user; issuing again with it renames the same id", async () => {
  const s = sessions();
  const first = await s.issue("alice", null);
  equal(first.user.name, "alice");
  assert(first.user.id.startsWith("u_"));
  deepEqual(await s.verify(first.token), first.user);

  const renamed = await s.issue("alicia", first.user);
  deepEqual(renamed.user, { id: first.user.id, name: "alicia" });
  notEqual(renamed.token, first.token);
  deepEqual(await s.verify(renamed.token), renamed.user);

  const other = await s.issue("alice", null);
  notEqual(other.user.id, first.user.id);
});

Deno.test("userFromRequest reads and verifies the carried token", async () => {
  const s = sessions();
  const { user, token } = await s.issue("bob", null);
  const byCookie = request("http://localhost/", {
    cookie: `${SESSION_COOKIE}=${token}`,
  });
  deepEqual(await s.userFromRequest(byCookie.req, byCookie.url), user);
  const byParam = request(
    `http://localhost/events?token=${encodeURIComponent(token)}`,
  );
  deepEqual(await s.userFromRequest(byParam.req, byParam.url), user);
  // A bad bearer wins over a good cookie: the request is anonymous.
  const badBearer = request("http://localhost/", {
    authorization: "Bearer v1.bad.token",
    cookie: `${SESSION_COOKIE}=${token}`,
  });
  equal(await s.userFromRequest(badBearer.req, badBearer.url), null);
  const none = request("http://localhost/");
  equal(await s.userFromRequest(none.req, none.url), null);
});

Deno.test("cookie is HttpOnly, SameSite=Lax, Path=/, a year long, Secure only when asked", async () => {
  const s = sessions();
  equal(
    s.cookie("v1.a.b", false),
    "chat_session=v1.a.b; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000",
  );
  equal(
    s.cookie("v1.a.b", true),
    "chat_session=v1.a.b; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000; Secure",
  );
  // What a browser sends back is what tokenOf reads.
  const { token } = await s.issue("carol", null);
  const setCookie = s.cookie(token, false);
  const sent = setCookie.split(";")[0];
  const back = request("http://localhost/", { cookie: sent });
  equal(s.tokenOf(back.req, back.url), token);
});

Deno.test("a revoked token is refused from then on, by every Sessions on the records", async () => {
  const here = sessions();
  const there = sessions();
  const { user, token } = await here.issue("revokee", null);
  deepEqual(await there.verify(token), user);
  await here.revoke(token);
  equal(await there.verify(token), null);
  equal(await here.verify(token), null);
  const other = await here.issue("revokee", user);
  deepEqual(await there.verify(other.token), user, "only that token");
});

Deno.test("an account's token shows its claimed name, expires, and asks to be refreshed past half its life", async () => {
  const s = sessions();
  const guest = await s.issue("Frank", null);
  const claimed = await accounts.claimWithPassword(
    guest.user,
    "password-frank",
  );
  // The guest token keeps working, now for the account.
  deepEqual(await s.verify(guest.token), claimed);
  equal((await s.check(guest.token))?.stale, true, "no expiry: replace it");
  const fresh = await s.issueFor(claimed);
  equal((await s.check(fresh.token))?.stale, false);
  clock += (ACCOUNT_TOKEN_TTL_S / 2 + 60) * 1000;
  equal((await s.check(fresh.token))?.stale, true);
  clock += (ACCOUNT_TOKEN_TTL_S / 2) * 1000;
  equal(await s.verify(fresh.token), null, "expired");
});

Deno.test("nobody gets or renames to a name someone claimed", async () => {
  const s = sessions();
  const owner = await s.issue("Grace", null);
  await accounts.claimWithPassword(owner.user, "password-grace");
  const isTaken = (e: unknown) =>
    e instanceof ProtocolError && e.code === "name_taken";
  await rejects(s.issue("grace", null), isTaken);
  const other = await s.issue("other", null);
  await rejects(s.issue("GRACE", other.user), isTaken);
  // The owner renames freely, and the old name is free again.
  const renamed = await s.issue("Gracie", await s.verify(owner.token));
  deepEqual(renamed.user, { id: owner.user.id, name: "Gracie", claimed: true });
  await s.issue("grace", other.user);
});

Deno.test("changing an account's password ends the sessions issued before it", async () => {
  const s = sessions();
  const guest = await s.issue("Kira", null);
  const claimed = await accounts.claimWithPassword(
    guest.user,
    "first password",
  );
  const elsewhere = await s.issueFor(claimed); // another device
  deepEqual(
    await s.verify(elsewhere.token),
    claimed,
    "a first password ends nothing",
  );
  await new Promise((resolve) => setTimeout(resolve, 2));
  await accounts.claimWithPassword(claimed, "second password");
  equal(await s.verify(elsewhere.token), null);
  equal(await s.verify(guest.token), null);
  const fresh = await s.issueFor(claimed); // the device that changed it
  deepEqual(await s.verify(fresh.token), claimed);
});
