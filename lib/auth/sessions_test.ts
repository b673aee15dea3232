import assert, { deepEqual, equal, notEqual } from "node:assert/strict";
import { readCookie, SESSION_COOKIE, Sessions } from "./sessions.ts";
import { TokenSigner } from "./token.ts";

async function sessions(): Promise<Sessions> {
  return new Sessions(await TokenSigner.create(new Uint8Array(32).fill(3)));
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

Deno.test("tokenOf prefers Bearer, then ?token=, then the cookie", async () => {
  const s = await sessions();
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
  const s = await sessions();
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
  const s = await sessions();
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
  const s = await sessions();
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
