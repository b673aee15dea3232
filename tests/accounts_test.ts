/**
 * Accounts against a real server with two isolates: claiming a name with a
 * password or a passkey, signing in from another device as the same user
 * id, names unique after case folding, one answer for an unknown name and a
 * wrong password, throttled failures, sign-out on every isolate (the
 * token's requests get 401 and its sockets close with 1008), the sign-in
 * and sign-out form posts, and `claimed: true` on a claimed user's
 * messages.
 */
import assert, { deepEqual, equal, notEqual } from "node:assert/strict";
import { startServer, type TestServer } from "./helpers/server.ts";
import { TestClient } from "./helpers/ws_client.ts";
import { api, guest } from "./helpers/api.ts";
import { SoftAuthenticator } from "../lib/accounts/passkeys_testing.ts";
import { NAME_FAILURES } from "../lib/accounts/login_throttle.ts";

const PASSWORD = "correct horse battery";

/** A form post as a browser without JavaScript makes it. */
async function postForm(
  server: TestServer,
  path: string,
  fields: Record<string, string>,
  cookie?: string,
): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${server.origin}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: server.origin,
      ...(cookie ? { cookie: `chat_session=${cookie}` } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The session token a `Set-Cookie` header carries. */
function cookieToken(headers: Headers): string {
  const match = /chat_session=([^;]*)/.exec(headers.get("set-cookie") ?? "");
  assert(match, `no session cookie in ${headers.get("set-cookie")}`);
  return match[1];
}

/** Sockets with `token` until both isolates hold one. */
async function socketsOnBothIsolates(
  server: TestServer,
  token: string,
): Promise<TestClient[]> {
  const sockets: TestClient[] = [];
  const nodes = () => new Set(sockets.map((s) => s.welcome.node)).size;
  for (let i = 0; i < 20 && nodes() < 2; i++) {
    sockets.push(await TestClient.connect(server.wsUrl, { token }));
  }
  equal(nodes(), 2, "a socket on each isolate");
  return sockets;
}

/** `GET /api/rooms` with `token` on fresh connections (so on either isolate). */
async function statuses(server: TestServer, token: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < 6; i++) {
    const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
    try {
      const res = await fetch(`${server.origin}/api/rooms`, {
        client,
        headers: { authorization: `Bearer ${token}` },
      });
      await res.body?.cancel();
      out.push(res.status);
    } finally {
      client.close();
    }
  }
  return out;
}

Deno.test({
  name: "accounts: passwords, passkeys, uniqueness, throttling and sign-out",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer({ isolates: 2 });
    try {
      await t.step(
        "a password claim keeps the user id and signs in elsewhere",
        async () => {
          const dave = await guest(server.origin, "Dave");
          const rival = await guest(server.origin, "dAVE"); // before the claim
          const claim = await api(
            server.origin,
            "POST",
            "/api/account/password",
            dave.token,
            { password: PASSWORD },
          );
          equal(claim.status, 201, claim.text);
          deepEqual(claim.json.user, {
            id: dave.user.id,
            name: "Dave",
            claimed: true,
          });
          assert(claim.headers.get("set-cookie")?.includes("HttpOnly"));
          equal(
            (await api(server.origin, "GET", "/api/rooms", dave.token)).status,
            200,
            "the guest token keeps working",
          );
          // Another device: no cookie, no token.
          const login = await api(server.origin, "POST", "/api/login", null, {
            name: "DAVE",
            password: PASSWORD,
          });
          equal(login.status, 200, login.text);
          equal(login.json.user.id, dave.user.id);
          equal(login.json.user.claimed, true);
          notEqual(login.json.token, dave.token);
          equal(cookieToken(login.headers), login.json.token);

          const taken = await api(
            server.origin,
            "POST",
            "/api/account/password",
            rival.token,
            { password: "another password" },
          );
          equal(taken.status, 409, taken.text);
          equal(taken.json.error.code, "name_taken");
          const newGuest = await api(
            server.origin,
            "POST",
            "/api/session",
            null,
            {
              name: "dave",
            },
          );
          equal(newGuest.status, 409);
          equal(newGuest.json.error.code, "name_taken");
        },
      );

      await t.step(
        "a new password over the API needs the current one",
        async () => {
          const gil = await guest(server.origin, "Gil");
          const set = (body: Record<string, unknown>) =>
            api(
              server.origin,
              "POST",
              "/api/account/password",
              gil.token,
              body,
            );
          equal((await set({ password: "first password" })).status, 201);
          const bare = await set({ password: "stolen session" });
          equal(bare.status, 403, bare.text);
          equal(bare.json.error.code, "forbidden");
          equal(
            (await set({
              password: "stolen session",
              currentPassword: "guess",
            }))
              .status,
            403,
          );
          const first = await api(server.origin, "POST", "/api/login", null, {
            name: "gil",
            password: "first password",
          }); // another device, signed in before the change
          equal(first.status, 200);
          const changed = await set({
            password: "second password",
            currentPassword: "first password",
          });
          equal(changed.status, 201);
          // The change ends the sessions issued before it; its answer's
          // token is the one that goes on.
          for (const token of [gil.token, first.json.token]) {
            equal(
              (await api(server.origin, "GET", "/api/rooms", token)).status,
              401,
            );
          }
          equal(
            (await api(server.origin, "GET", "/api/rooms", changed.json.token))
              .status,
            200,
          );
          const login = (password: string) =>
            api(server.origin, "POST", "/api/login", null, {
              name: "gil",
              password,
            });
          equal((await login("first password")).status, 401);
          equal((await login("second password")).status, 200);
        },
      );

      await t.step(
        "an unknown name and a wrong password get the same answer",
        async () => {
          const wrong = await api(server.origin, "POST", "/api/login", null, {
            name: "Dave",
            password: "not the password",
          });
          const unknown = await api(server.origin, "POST", "/api/login", null, {
            name: "nobody-at-all",
            password: "not the password",
          });
          equal(wrong.status, 401);
          equal(unknown.status, wrong.status);
          equal(unknown.text, wrong.text);
          const formWrong = await postForm(server, "/signin", {
            name: "Dave",
            password: "not the password",
          });
          const formUnknown = await postForm(server, "/signin", {
            name: "nobody-at-all",
            password: "not the password",
          });
          equal(formWrong.status, 401);
          equal(formUnknown.status, 401);
          for (const page of [formWrong, formUnknown]) {
            assert(page.text.includes("Wrong name or password."));
            equal(page.headers.get("set-cookie"), null);
          }
        },
      );

      await t.step(
        "the sign-in form sets the cookie and goes to a local next",
        async () => {
          const signedIn = await postForm(server, "/signin?next=/rooms/lobby", {
            name: " dave ",
            password: PASSWORD,
          });
          equal(signedIn.status, 303);
          equal(signedIn.headers.get("location"), "/rooms/lobby");
          const token = cookieToken(signedIn.headers);
          const me = await api(
            server.origin,
            "POST",
            "/api/session",
            token,
            {},
          );
          equal(me.json.user.name, "Dave");
          equal(me.json.user.claimed, true);
          for (
            const next of [
              "//evil.example/x",
              "/\\evil.example",
              "https://evil.example",
            ]
          ) {
            const away = await postForm(
              server,
              `/signin?next=${encodeURIComponent(next)}`,
              { name: "dave", password: PASSWORD },
            );
            equal(away.headers.get("location"), "/", next);
          }
        },
      );

      await t.step(
        "a claimed user's messages carry claimed: true",
        async () => {
          const login = await api(server.origin, "POST", "/api/login", null, {
            name: "dave",
            password: PASSWORD,
          });
          const token = login.json.token;
          const watcher = await TestClient.connect(server.wsUrl, {
            name: "watcher",
          });
          await watcher.join("claimed-room");
          const sent = await api(
            server.origin,
            "POST",
            "/api/rooms/claimed-room/messages",
            token,
            { id: "c1", text: "from an account" },
          );
          equal(sent.status, 201, sent.text);
          const live = await watcher.next((e) =>
            e.type === "message" && e.room === "claimed-room"
          );
          deepEqual(live.user, {
            id: login.json.user.id,
            name: "Dave",
            claimed: true,
          });
          const history = await api(
            server.origin,
            "GET",
            "/api/rooms/claimed-room/messages",
            token,
          );
          equal(history.json.messages[0].user.claimed, true);
          await watcher.close();
        },
      );

      await t.step(
        "a passkey claims a guest's name and signs in elsewhere",
        async () => {
          const erin = await guest(server.origin, "Erin");
          const rival = await guest(server.origin, "ERIN"); // before the claim
          const options = await api(
            server.origin,
            "POST",
            "/api/account/passkeys/options",
            erin.token,
          );
          equal(options.status, 200, options.text);
          equal(options.json.rp.id, "127.0.0.1");
          equal(options.json.authenticatorSelection.residentKey, "required");
          const authenticator = await SoftAuthenticator.create();
          const registered = await api(
            server.origin,
            "POST",
            "/api/account/passkeys",
            erin.token,
            await authenticator.register(options.json, server.origin),
          );
          equal(registered.status, 201, registered.text);
          deepEqual(registered.json.user, {
            id: erin.user.id,
            name: "Erin",
            claimed: true,
          });
          equal(cookieToken(registered.headers), registered.json.token);

          // Another device: usernameless.
          const signIn = await api(
            server.origin,
            "POST",
            "/api/login/passkey/options",
            null,
            {},
          );
          equal(signIn.status, 200, signIn.text);
          deepEqual(signIn.json.allowCredentials, []);
          const assertion = await authenticator.assert(
            signIn.json,
            server.origin,
          );
          const login = await api(
            server.origin,
            "POST",
            "/api/login/passkey",
            null,
            assertion,
          );
          equal(login.status, 200, login.text);
          deepEqual(login.json.user, registered.json.user);
          equal(cookieToken(login.headers), login.json.token);

          const replay = await api(
            server.origin,
            "POST",
            "/api/login/passkey",
            null,
            assertion,
          );
          equal(replay.status, 401);
          equal(replay.json.error.message, "Passkey sign-in failed");

          const taken = await api(
            server.origin,
            "POST",
            "/api/account/passkeys/options",
            rival.token,
          );
          equal(taken.status, 409);
          equal(taken.json.error.code, "name_taken");

          // Removing it: not while it is the only way in.
          const remove = () =>
            api(
              server.origin,
              "DELETE",
              `/api/account/passkeys/${authenticator.id}`,
              login.json.token,
            );
          equal((await remove()).status, 400);
          equal(
            (await api(
              server.origin,
              "DELETE",
              `/api/account/passkeys/${authenticator.id}`,
              rival.token,
            )).status,
            404,
            "nor by someone else",
          );
          await api(
            server.origin,
            "POST",
            "/api/account/password",
            login.json.token,
            { password: PASSWORD },
          );
          equal((await remove()).status, 204);
          const gone = await api(
            server.origin,
            "POST",
            "/api/login/passkey",
            null,
            await authenticator.assert(
              (await api(
                server.origin,
                "POST",
                "/api/login/passkey/options",
                null,
                {},
              )).json,
              server.origin,
            ),
          );
          equal(gone.status, 401, "a removed passkey signs nobody in");

          const foreign = await api(
            server.origin,
            "POST",
            "/api/login/passkey/options",
            null,
            {},
            { origin: "https://evil.example" },
          );
          equal(foreign.status, 403);
        },
      );

      await t.step(
        "signing out revokes the token on both isolates and closes its sockets",
        async () => {
          const login = await api(server.origin, "POST", "/api/login", null, {
            name: "dave",
            password: PASSWORD,
          });
          const token = login.json.token;
          const sockets = await socketsOnBothIsolates(server, token);
          deepEqual(await statuses(server, token), Array(6).fill(200));
          const out = await api(server.origin, "POST", "/api/logout", token);
          equal(out.status, 204);
          deepEqual(await statuses(server, token), Array(6).fill(401));
          for (const socket of sockets) {
            equal((await socket.closed()).code, 1008);
          }

          // The account page's form does the same with the cookie.
          const again = await api(server.origin, "POST", "/api/login", null, {
            name: "dave",
            password: PASSWORD,
          });
          const cookie = again.json.token;
          const [socket] = await socketsOnBothIsolates(server, cookie);
          const form = await postForm(server, "/signout", {}, cookie);
          equal(form.status, 303);
          equal(form.headers.get("location"), "/");
          assert(form.headers.get("set-cookie")?.includes("Max-Age=0"));
          deepEqual(await statuses(server, cookie), Array(6).fill(401));
          equal((await socket.closed()).code, 1008);
        },
      );

      await t.step(
        "the account page's form claims a name, and changes a password only with the current one",
        async () => {
          const gus = await guest(server.origin, "Gus");
          const claim = await postForm(
            server,
            "/account",
            { password: PASSWORD },
            gus.token,
          );
          equal(claim.status, 303, claim.text);
          equal(claim.headers.get("location"), "/account?done=claimed");
          const token = cookieToken(claim.headers);
          const short = await postForm(
            server,
            "/account",
            { current: PASSWORD, password: "short" },
            token,
          );
          equal(short.status, 400);
          assert(short.text.includes("8 to 1024 characters"));
          const wrong = await postForm(
            server,
            "/account",
            { current: "not the password", password: "a new password" },
            token,
          );
          equal(wrong.status, 403);
          assert(wrong.text.includes("Your current password is not right."));
          const changed = await postForm(
            server,
            "/account",
            { current: PASSWORD, password: "a new password" },
            token,
          );
          equal(changed.status, 303, changed.text);
          equal(changed.headers.get("location"), "/account?done=password");
          const login = (password: string) =>
            api(server.origin, "POST", "/api/login", null, {
              name: "gus",
              password,
            });
          equal((await login("a new password")).json.user.id, gus.user.id);
          equal((await login(PASSWORD)).status, 401);
        },
      );

      await t.step(
        "failed sign-ins are throttled per name: 429, even with the right password",
        async () => {
          await guest(server.origin, "Fay").then((fay) =>
            api(server.origin, "POST", "/api/account/password", fay.token, {
              password: PASSWORD,
            })
          );
          for (let i = 0; i < NAME_FAILURES; i++) {
            const wrong = await api(server.origin, "POST", "/api/login", null, {
              name: "fay",
              password: `wrong ${i}`,
            });
            equal(wrong.status, 401);
          }
          const throttled = await api(
            server.origin,
            "POST",
            "/api/login",
            null,
            {
              name: "FAY",
              password: PASSWORD,
            },
          );
          equal(throttled.status, 429);
          equal(throttled.json.error.code, "rate_limited");
          assert(Number(throttled.headers.get("retry-after")) > 0);
          const form = await postForm(server, "/signin", {
            name: "fay",
            password: PASSWORD,
          });
          equal(form.status, 429);
          assert(form.text.includes("Too many failed sign-ins"));
        },
      );
    } finally {
      await server.stop();
    }
  },
});
