import { deepEqual, equal, rejects } from "node:assert/strict";
import { KvRecords } from "../engine/kv_records.ts";
import { ProtocolError } from "../protocol/errors.ts";
import { Accounts, presentUser } from "./accounts.ts";

async function withAccounts(fn: (accounts: Accounts) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(new Accounts(new KvRecords(kv), { iterations: 1_000 }));
  } finally {
    kv.close();
  }
}

const isCode = (code: string) => (e: unknown) =>
  e instanceof ProtocolError && e.code === code;

Deno.test("claiming a name with a password keeps the user id and signs in elsewhere", async () => {
  await withAccounts(async (accounts) => {
    const claimed = await accounts.claimWithPassword(
      { id: "u_dave", name: "Dave" },
      "hunter2hunter2",
    );
    deepEqual(claimed, { id: "u_dave", name: "Dave", claimed: true });
    deepEqual(
      await accounts.passwordLogin("dave", "hunter2hunter2"),
      claimed,
      "the name is found case-folded",
    );
    equal(await accounts.passwordLogin("Dave", "wrong password"), null);
    equal(await accounts.passwordLogin("nobody", "hunter2hunter2"), null);
  });
});

Deno.test("a claimed name is nobody else's, whatever the case", async () => {
  await withAccounts(async (accounts) => {
    await accounts.claimWithPassword({ id: "u_a", name: "dave" }, "password-a");
    await rejects(
      accounts.claimWithPassword({ id: "u_b", name: "DAVE" }, "password-b"),
      isCode("name_taken"),
    );
    await rejects(accounts.checkNameFree("Dave", "u_b"), isCode("name_taken"));
    await rejects(
      accounts.rename({ id: "u_b", name: "x" }, "dAvE"),
      isCode("name_taken"),
    );
    await accounts.checkNameFree("dave", "u_a"); // its owner may use it
    equal(await accounts.account("u_b"), null, "nothing stored for the loser");
  });
});

Deno.test("concurrent claims of one name: exactly one account gets it", async () => {
  await withAccounts(async (accounts) => {
    const results = await Promise.allSettled(
      Array.from(
        { length: 6 },
        (_, i) =>
          accounts.claimWithPassword(
            { id: `u_${i}`, name: "Eve" },
            "password!",
          ),
      ),
    );
    equal(results.filter((r) => r.status === "fulfilled").length, 1);
    for (const r of results) {
      if (r.status === "rejected") equal(isCode("name_taken")(r.reason), true);
    }
  });
});

Deno.test("an account's rename moves its claim and frees the old name", async () => {
  await withAccounts(async (accounts) => {
    await accounts.claimWithPassword(
      { id: "u_a", name: "alice" },
      "password-a",
    );
    await accounts.rename({ id: "u_a", name: "alice" }, "Alicia");
    equal((await accounts.account("u_a"))?.name, "Alicia");
    equal(
      (await accounts.passwordLogin("alicia", "password-a"))?.id,
      "u_a",
    );
    equal(await accounts.passwordLogin("alice", "password-a"), null);
    await accounts.claimWithPassword(
      { id: "u_b", name: "alice" },
      "password-b",
    );
    // Renaming to another case of one's own name keeps the claim.
    await accounts.rename({ id: "u_b", name: "alice" }, "ALICE");
    equal((await accounts.passwordLogin("alice", "password-b"))?.name, "ALICE");
  });
});

Deno.test("setting a new password on an account replaces the old one", async () => {
  await withAccounts(async (accounts) => {
    const user = { id: "u_a", name: "alice" };
    await accounts.claimWithPassword(user, "first-password");
    await accounts.claimWithPassword(user, "second-password");
    equal(await accounts.passwordLogin("alice", "first-password"), null);
    equal(
      (await accounts.passwordLogin("alice", "second-password"))?.id,
      "u_a",
    );
  });
});

Deno.test("passwords shorter than 8 characters or not strings are refused", async () => {
  await withAccounts(async (accounts) => {
    const user = { id: "u_a", name: "alice" };
    await rejects(
      accounts.claimWithPassword(user, "1234567"),
      isCode("bad_request"),
    );
    await rejects(
      accounts.claimWithPassword(user, 12345678),
      isCode("bad_request"),
    );
    equal(await accounts.account("u_a"), null);
  });
});

Deno.test("present shows an account's name, claimed, and a guest as it is", () => {
  deepEqual(
    presentUser({ id: "u_a", name: "old" }, { name: "new", createdAt: 1 }),
    { id: "u_a", name: "new", claimed: true },
  );
  deepEqual(presentUser({ id: "u_b", name: "guest" }, null), {
    id: "u_b",
    name: "guest",
  });
});
