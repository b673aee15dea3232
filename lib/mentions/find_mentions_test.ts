import { deepEqual } from "node:assert/strict";
import { MentionIndex } from "./find_mentions.ts";

const members = [
  { id: "u_ada", name: "Ada" },
  { id: "u_adal", name: "Ada Lovelace" },
  { id: "u_bob", name: "bob" },
  { id: "u_bob2", name: "Bob" },
  { id: "u_zoe", name: "Zoë" },
];

Deno.test("MentionIndex: names at a boundary, case-insensitive, longest first", () => {
  const index = new MentionIndex(members);
  deepEqual(index.find("hi @ada"), ["u_ada"]);
  deepEqual(index.find("@Ada Lovelace, look"), ["u_adal"]);
  deepEqual(index.find("@ADA: and @zoë!"), ["u_ada", "u_zoe"]);
  deepEqual(index.find("(@ada)"), ["u_ada"]);
});

Deno.test("MentionIndex: no mention inside words or of a longer word", () => {
  const index = new MentionIndex(members);
  deepEqual(index.find("mail ada@example.com"), []);
  deepEqual(index.find("@adam is not ada"), []);
  deepEqual(index.find("@ nobody"), []);
  deepEqual(index.find("@"), []);
  deepEqual(index.find("no at sign"), []);
});

Deno.test("MentionIndex: every member of a shared name, each id once", () => {
  const index = new MentionIndex(members);
  deepEqual(index.find("@bob and @BOB again"), ["u_bob", "u_bob2"]);
});

Deno.test("MentionIndex: with no members nothing matches", () => {
  deepEqual(new MentionIndex([]).find("@ada"), []);
});
