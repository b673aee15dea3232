import { deepEqual, equal } from "node:assert/strict";
import { KvRecords } from "../engine/kv_records.ts";
import { UserRooms } from "./user_rooms.ts";

const ada = { id: "u_ada", name: "Ada" };

async function open() {
  const kv = await Deno.openKv(":memory:");
  return { rooms: new UserRooms(new KvRecords(kv)), close: () => kv.close() };
}

Deno.test("UserRooms: entering creates the entry once and keeps the name current", async () => {
  const { rooms, close } = await open();
  try {
    deepEqual(await rooms.enter("hall", ada), { read: 0 });
    await rooms.advance("hall", ada.id, 4);
    deepEqual(await rooms.enter("hall", { ...ada, name: "Ada L" }), {
      read: 4,
    });
    deepEqual(await rooms.names("hall"), [{ id: ada.id, name: "Ada L" }]);
    deepEqual([...(await rooms.list(ada.id)).keys()], ["hall"]);
    equal(await rooms.get("elsewhere", ada.id), null);
  } finally {
    close();
  }
});

Deno.test("UserRooms: positions move forward only, also when writes race", async () => {
  const { rooms, close } = await open();
  try {
    equal(await rooms.advance("hall", ada.id, 5), true);
    equal(await rooms.advance("hall", ada.id, 3), false);
    const results = await Promise.all(
      [9, 7, 8, 6].map((seq) => rooms.advance("hall", ada.id, seq)),
    );
    equal(results.includes(true), true);
    equal((await rooms.get("hall", ada.id))?.read, 9);
  } finally {
    close();
  }
});

Deno.test("UserRooms: levels, and the index of members who want everything", async () => {
  const { rooms, close } = await open();
  try {
    const bo = { id: "u_bo", name: "bo" };
    await rooms.advance("hall", ada.id, 2);
    await rooms.setLevel("hall", ada, "all");
    await rooms.setLevel("hall", bo, "none");
    deepEqual(await rooms.notifyAll("hall"), [ada.id]);
    deepEqual(
      await rooms.levels("hall", [ada.id, bo.id, "u_new"]),
      new Map([[ada.id, "all"], [bo.id, "none"], ["u_new", "mentions"]]),
    );
    equal((await rooms.get("hall", ada.id))?.read, 2); // kept
    await rooms.setLevel("hall", ada, "mentions");
    deepEqual(await rooms.notifyAll("hall"), []);
    deepEqual(await rooms.get("hall", ada.id), { read: 2 });
  } finally {
    close();
  }
});

Deno.test("UserRooms: a crowd's first joins share writes; a position made meanwhile is kept", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const records = new KvRecords(kv);
    let writes = 0;
    const write = records.write.bind(records);
    records.write = (w) => (writes++, write(w));
    const rooms = new UserRooms(records);
    const users = Array.from({ length: 100 }, (_, i) => ({
      id: `u_${i}`,
      name: `user ${i}`,
    }));
    await Promise.all(users.map((user) => rooms.enter("hall", user)));
    equal((await rooms.names("hall")).length, 100);
    equal(writes < 10, true, `${writes} writes for 100 first joins`);
    // Someone's position appears between the read and the batched write:
    // the batch's check fails, and the retry leaves that position alone.
    const late = { id: "u_late", name: "late" };
    const getMany = records.getMany.bind(records);
    records.getMany = async <T>(keys: readonly (readonly string[])[]) => {
      const found = await getMany<T>(keys);
      records.getMany = getMany;
      await rooms.advance("hall", late.id, 7);
      return found;
    };
    await Promise.all([rooms.enter("hall", late), rooms.enter("hall", ada)]);
    equal((await rooms.get("hall", late.id))?.read, 7);
    equal((await rooms.get("hall", ada.id))?.read, 0);
  } finally {
    kv.close();
  }
});
