import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import type { Role } from "../access/room_records.ts";
import { type Person, PersonRow } from "./people.tsx";

const me = { id: "u_me", name: "mia", claimed: true as const };

function row(person: Person, myRole: Role, dm = false): string {
  return renderToString(
    <PersonRow person={person} room="hall" me={me} myRole={myRole} dm={dm} />,
  );
}

const sam: Person = {
  user: { id: "u_sam", name: "sam" },
  role: "member",
  online: true,
};

Deno.test("PersonRow: a member sees only Message", () => {
  const html = row(sam, "member");
  assert.match(html, />Message</);
  assert.ok(!html.includes('value="ban"'));
  assert.ok(!html.includes('value="role"'));
});

Deno.test("PersonRow: a moderator bans with a duration, and lifts a ban", () => {
  const html = row(sam, "moderator");
  assert.match(html, /name="action" value="ban"/);
  assert.match(html, /<select name="minutes">/);
  assert.match(html, /<option value="">until lifted<\/option>/);
  assert.ok(!html.includes('value="role"'), "roles are the owner's");
  const banned = row({ ...sam, banned: {} }, "moderator");
  assert.match(banned, /banned until lifted/);
  assert.match(banned, /name="action" value="unban"/);
  assert.ok(!banned.includes('value="ban"'));
});

Deno.test("PersonRow: the owner makes and unmakes moderators; nobody acts on an equal", () => {
  assert.match(row(sam, "owner"), />Make moderator</);
  const mod: Person = { ...sam, role: "moderator" };
  assert.match(row(mod, "owner"), />Remove moderator</);
  assert.match(row(mod, "owner"), /class="role-badge">moderator</);
  const peer = row(mod, "moderator");
  assert.ok(!peer.includes('value="ban"') && !peer.includes('value="role"'));
});

Deno.test("PersonRow: oneself and direct messages have no controls", () => {
  const self = row({ ...sam, user: me, role: "owner" }, "owner");
  assert.match(self, /\(you\)/);
  assert.ok(!self.includes("<form"));
  assert.ok(!row(sam, "owner", true).includes("<form"));
});
