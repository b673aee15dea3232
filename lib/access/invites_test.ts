import { deepEqual, equal, match, rejects } from "node:assert/strict";
import { KvRecords } from "../engine/kv_records.ts";
import { ProtocolError } from "../protocol/errors.ts";
import { Invites } from "./invites.ts";

const owner = { id: "u_owner", name: "olga" };
const notFound = (e: unknown) =>
  e instanceof ProtocolError && e.code === "not_found";

async function withInvites(
  fn: (
    invites: Invites,
    clock: { now: number },
    other: Invites,
  ) => Promise<void>,
) {
  const kv = await Deno.openKv(":memory:");
  const clock = { now: 1_800_000_000_000 };
  const records = new KvRecords(kv);
  try {
    await fn(
      await Invites.create(
        records,
        new Uint8Array(32).fill(1),
        () => clock.now,
      ),
      clock,
      await Invites.create(
        records,
        new Uint8Array(32).fill(2),
        () => clock.now,
      ),
    );
  } finally {
    kv.close();
  }
}

const tokenOf = (path: string) => path.slice("/invites/".length);

Deno.test("an invite lets its bearer into its room until it expires", async () => {
  await withInvites(async (invites, clock) => {
    const invite = await invites.invite("club", owner, 60_000);
    match(invite.path, /^\/invites\/club\.[\w-]+\.\d+\.[\w-]+$/);
    equal(invite.expiresAt, clock.now + 60_000);
    equal(await invites.check(tokenOf(invite.path)), "club");
    deepEqual((await invites.list("club")).map((i) => i.id), [invite.id]);
    clock.now += 60_000;
    await rejects(invites.check(tokenOf(invite.path)), notFound);
    deepEqual(await invites.list("club"), []);
  });
});

Deno.test("a revoked invite stops working at once", async () => {
  await withInvites(async (invites) => {
    const invite = await invites.invite("club", owner);
    await invites.revoke("club", invite.id);
    await rejects(invites.check(tokenOf(invite.path)), notFound);
  });
});

Deno.test("a forged or altered invite is refused", async () => {
  await withInvites(async (invites, _clock, other) => {
    const invite = await invites.invite("club", owner);
    const token = tokenOf(invite.path);
    const [room, id, expires, mac] = token.split(".");
    for (
      const forged of [
        `secret.${id}.${expires}.${mac}`,
        `${room}.${id}.${Number(expires) + 1}.${mac}`,
        `${room}.${id}.${expires}`,
        "garbage",
        tokenOf((await other.invite("club", owner)).path),
      ]
    ) {
      await rejects(invites.check(forged), notFound, forged);
    }
  });
});
