import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { KvRecords } from "../engine/kv_records.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { User } from "../protocol/types.ts";
import { Accounts } from "./accounts.ts";
import { LoginThrottle, NAME_FAILURES } from "./login_throttle.ts";
import { CHALLENGE_TTL_MS, Passkeys, type RelyingParty } from "./passkeys.ts";
import { SoftAuthenticator, type Tamper } from "./passkeys_testing.ts";

const RP: RelyingParty = {
  id: "chat.example",
  name: "Comet Chat",
  origin: "https://chat.example",
};
const ADDRESS = "192.0.2.1";

interface World {
  passkeys: Passkeys;
  accounts: Accounts;
  clock: { now: number };
}

async function withPasskeys(fn: (world: World) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  const clock = { now: 1_000_000 };
  const now = () => clock.now;
  try {
    const records = new KvRecords(kv);
    const accounts = new Accounts(records, { iterations: 1_000, now });
    const throttle = new LoginThrottle(records, now);
    await fn({
      passkeys: new Passkeys(records, accounts, throttle, now),
      accounts,
      clock,
    });
  } finally {
    kv.close();
  }
}

const isCode = (code: string) => (e: unknown) =>
  e instanceof ProtocolError && e.code === code;

/** Registers a new passkey for `user`: the authenticator and the claimed user. */
async function register(
  passkeys: Passkeys,
  user: User,
  tamper: Tamper = {},
): Promise<{ authenticator: SoftAuthenticator; claimed: User }> {
  const authenticator = await SoftAuthenticator.create();
  const options = await passkeys.registrationOptions(user, RP);
  const response = await authenticator.register(options, RP.origin, tamper);
  return {
    authenticator,
    claimed: await passkeys.register(user, response, RP),
  };
}

/** Signs in with `authenticator` (usernameless unless `name`). */
async function signIn(
  passkeys: Passkeys,
  authenticator: SoftAuthenticator,
  tamper: Tamper = {},
  name?: string,
): Promise<User> {
  const options = await passkeys.signInOptions(RP, name);
  const response = await authenticator.assert(options, RP.origin, tamper);
  return await passkeys.signIn(response, RP, ADDRESS);
}

Deno.test("a guest's passkey claims the name and signs in elsewhere as the same user", async () => {
  await withPasskeys(async ({ passkeys, accounts, clock }) => {
    const guest = { id: "u_dave", name: "Dave" };
    const { authenticator, claimed } = await register(passkeys, guest);
    deepEqual(claimed, { id: "u_dave", name: "Dave", claimed: true });
    equal((await accounts.account("u_dave"))?.name, "Dave");
    equal(await accounts.ownerOf("DAVE"), "u_dave");
    clock.now += 1000;
    deepEqual(await signIn(passkeys, authenticator), claimed);
    clock.now += 1000;
    deepEqual(
      await signIn(passkeys, authenticator, {}, "dave"),
      claimed,
      "with a name too, and the counter moved on",
    );
    const [listed] = await passkeys.list("u_dave");
    deepEqual(listed, {
      id: authenticator.id,
      createdAt: 1_000_000,
      lastUsedAt: 1_002_000,
    });
  });
});

Deno.test("a guest cannot take a claimed name with a passkey", async () => {
  await withPasskeys(async ({ passkeys, accounts }) => {
    await accounts.claimWithPassword({ id: "u_a", name: "dave" }, "password-a");
    await rejects(
      passkeys.registrationOptions({ id: "u_b", name: "DAVE" }, RP),
      isCode("name_taken"),
      "told before touching an authenticator",
    );
    // Claimed by someone else between the options and the response.
    const authenticator = await SoftAuthenticator.create();
    const options = await passkeys.registrationOptions(
      { id: "u_c", name: "Eve" },
      RP,
    );
    await accounts.claimWithPassword({ id: "u_d", name: "eve" }, "password-d");
    await rejects(
      passkeys.register(
        { id: "u_c", name: "Eve" },
        await authenticator.register(options, RP.origin),
        RP,
      ),
      isCode("name_taken"),
    );
    deepEqual(await passkeys.list("u_c"), [], "no passkey without the claim");
    equal(await accounts.account("u_c"), null);
  });
});

Deno.test("a claimed user adds a second passkey; either signs in", async () => {
  await withPasskeys(async ({ passkeys, accounts, clock }) => {
    const claimed = await accounts.claimWithPassword(
      { id: "u_zoe", name: "Zoë" },
      "password-z",
    );
    const first = await register(passkeys, claimed);
    clock.now += 1;
    const options = await passkeys.registrationOptions(claimed, RP);
    deepEqual(
      options.excludeCredentials?.map((c) => c.id),
      [first.authenticator.id],
      "the same authenticator is not registered twice",
    );
    const second = await SoftAuthenticator.create();
    deepEqual(
      await passkeys.register(
        claimed,
        await second.register(options, RP.origin),
        RP,
      ),
      claimed,
    );
    deepEqual(
      (await passkeys.list("u_zoe")).map((p) => p.id),
      [first.authenticator.id, second.id],
    );
    deepEqual(await signIn(passkeys, first.authenticator), claimed);
    deepEqual(await signIn(passkeys, second), claimed);
    ok(
      await accounts.passwordLogin("zoë", "password-z"),
      "the password still works",
    );
    const named = await passkeys.signInOptions(RP, "ZOË");
    deepEqual(
      named.allowCredentials?.map((c) => c.id).sort(),
      [first.authenticator.id, second.id].sort(),
    );
    deepEqual(
      (await passkeys.signInOptions(RP, "nobody")).allowCredentials,
      [],
    );
  });
});

Deno.test("a registration verifies: origin, RP ID, user verification, challenge owner", async () => {
  await withPasskeys(async ({ passkeys }) => {
    const user = { id: "u_a", name: "ann" };
    for (
      const tamper of [
        { origin: "https://evil.example" },
        { rpId: "evil.example" },
        { uv: false },
      ]
    ) {
      await rejects(
        register(passkeys, user, tamper),
        isCode("bad_request"),
        JSON.stringify(tamper),
      );
    }
    // Options asked for by one user cannot be finished by another.
    const authenticator = await SoftAuthenticator.create();
    const options = await passkeys.registrationOptions(user, RP);
    const response = await authenticator.register(options, RP.origin);
    await rejects(
      passkeys.register({ id: "u_b", name: "bob" }, response, RP),
      isCode("bad_request"),
    );
    await rejects(
      passkeys.register(user, response, RP),
      isCode("bad_request"),
      "the challenge was used up by the failed attempt",
    );
    deepEqual(await passkeys.list("u_a"), []);
    deepEqual(await passkeys.list("u_b"), []);
  });
});

Deno.test("a challenge is single use, expires, and serves one ceremony", async () => {
  await withPasskeys(async ({ passkeys, clock }) => {
    const { authenticator } = await register(passkeys, {
      id: "u_a",
      name: "ann",
    });
    const options = await passkeys.signInOptions(RP);
    const response = await authenticator.assert(options, RP.origin);
    ok(await passkeys.signIn(response, RP, ADDRESS));
    await rejects(
      passkeys.signIn(response, RP, ADDRESS),
      isCode("unauthenticated"),
      "a replayed assertion",
    );
    // Two passkeys answering one challenge at once: only one may use it.
    const { authenticator: bens } = await register(passkeys, {
      id: "u_b",
      name: "ben",
    });
    const shared = await passkeys.signInOptions(RP);
    const results = await Promise.allSettled(
      [authenticator, bens].map(async (a) =>
        passkeys.signIn(await a.assert(shared, RP.origin), RP, ADDRESS)
      ),
    );
    deepEqual(
      results.map((r) => r.status).sort(),
      ["fulfilled", "rejected"],
      "one of two concurrent uses wins",
    );

    const late = await passkeys.signInOptions(RP);
    clock.now += CHALLENGE_TTL_MS;
    await rejects(
      passkeys.signIn(
        await authenticator.assert(late, RP.origin),
        RP,
        ADDRESS,
      ),
      isCode("unauthenticated"),
      "an expired challenge",
    );

    // A sign-in challenge does not register, nor a registration one sign in.
    const other = await SoftAuthenticator.create();
    const signInOptions = await passkeys.signInOptions(RP);
    const registration = await other.register(
      {
        ...(await passkeys.registrationOptions({ id: "u_b", name: "b" }, RP)),
        challenge: signInOptions.challenge,
      },
      RP.origin,
    );
    await rejects(
      passkeys.register({ id: "u_b", name: "b" }, registration, RP),
      isCode("bad_request"),
    );
    const registerOptions = await passkeys.registrationOptions(
      { id: "u_a", name: "ann", claimed: true },
      RP,
    );
    await rejects(
      passkeys.signIn(
        await authenticator.assert(
          { ...signInOptions, challenge: registerOptions.challenge },
          RP.origin,
        ),
        RP,
        ADDRESS,
      ),
      isCode("unauthenticated"),
    );
  });
});

Deno.test("a sign-in verifies: origin, RP ID, user verification, handle, counter", async () => {
  await withPasskeys(async ({ passkeys }) => {
    const { authenticator, claimed } = await register(passkeys, {
      id: "u_a",
      name: "ann",
    });
    deepEqual(await signIn(passkeys, authenticator), claimed);
    for (
      const tamper of [
        { origin: "https://evil.example" },
        { rpId: "evil.example" },
        { uv: false },
        { userHandle: "dV9i" }, // "u_b"
        { counter: 1 }, // went back from 1: a cloned authenticator
      ]
    ) {
      await rejects(
        signIn(passkeys, authenticator, tamper),
        (e: unknown) =>
          isCode("unauthenticated")(e) &&
          (e as Error).message === "Passkey sign-in failed",
        JSON.stringify(tamper),
      );
    }
    const stranger = await SoftAuthenticator.create();
    await rejects(signIn(passkeys, stranger), isCode("unauthenticated"));
    ok(await signIn(passkeys, authenticator, { counter: 100 }));
  });
});

Deno.test("failed passkey sign-ins are throttled per account name", async () => {
  await withPasskeys(async ({ passkeys }) => {
    const { authenticator } = await register(passkeys, {
      id: "u_a",
      name: "ann",
    });
    for (let i = 0; i < NAME_FAILURES; i++) {
      await rejects(
        signIn(passkeys, authenticator, { uv: false }),
        isCode("unauthenticated"),
      );
    }
    await rejects(
      signIn(passkeys, authenticator),
      isCode("rate_limited"),
      "even a good passkey waits once the name is throttled",
    );
  });
});

Deno.test("a passkey is removed, but never the account's last way in", async () => {
  await withPasskeys(async ({ passkeys, accounts }) => {
    const { authenticator: first, claimed } = await register(passkeys, {
      id: "u_a",
      name: "ann",
    });
    await rejects(passkeys.remove("u_a", first.id), isCode("bad_request"));
    const { authenticator: second } = await register(passkeys, claimed);
    await rejects(
      passkeys.remove("u_b", first.id),
      isCode("not_found"),
      "someone else's passkey",
    );
    await rejects(passkeys.remove("u_a", "bm9uZQ"), isCode("not_found"));
    await passkeys.remove("u_a", first.id);
    deepEqual((await passkeys.list("u_a")).map((p) => p.id), [second.id]);
    await rejects(signIn(passkeys, first), isCode("unauthenticated"));
    deepEqual(await signIn(passkeys, second), claimed);
    await accounts.claimWithPassword(claimed, "now a password");
    await passkeys.remove("u_a", second.id);
    deepEqual(await passkeys.list("u_a"), [], "the password is a way in");
  });
});

Deno.test("two removals at once cannot take a password-less account's last two passkeys", async () => {
  await withPasskeys(async ({ passkeys }) => {
    const { authenticator: first, claimed } = await register(passkeys, {
      id: "u_a",
      name: "ann",
    });
    const { authenticator: second } = await register(passkeys, claimed);
    const results = await Promise.allSettled([
      passkeys.remove("u_a", first.id),
      passkeys.remove("u_a", second.id),
    ]);
    deepEqual(results.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
    equal((await passkeys.list("u_a")).length, 1);
  });
});
