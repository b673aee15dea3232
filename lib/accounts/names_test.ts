import { equal, notEqual } from "node:assert/strict";
import { foldName } from "./names.ts";

Deno.test("names that differ only in case fold to one", () => {
  equal(foldName("Dave"), foldName("dAVE"));
  equal(foldName("Straße"), foldName("STRASSE"));
  equal(foldName("ΣΟΦΟΣ"), foldName("σοφος"));
});

Deno.test("composed and decomposed accents fold to one", () => {
  equal(foldName("Ren\u00e9"), foldName("Rene\u0301"));
  equal(foldName("RENÉ"), foldName("rené"));
});

Deno.test("different names stay different", () => {
  notEqual(foldName("dave"), foldName("davey"));
  notEqual(foldName("rene"), foldName("rené"));
});

Deno.test("compatibility forms fold to the plain letters", () => {
  equal(foldName("ｄａｖｅ"), foldName("dave"));
  equal(foldName("ﬁona"), foldName("FIONA"));
});
