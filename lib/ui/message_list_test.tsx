import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import type { MessageView } from "./message_item.tsx";
import { continuesGroup, MessageList } from "./message_list.tsx";

const NOW = Date.UTC(2026, 10, 21, 15, 0);
const ada = { id: "u_ada", name: "Ada" };
const bob = { id: "u_bob", name: "Bob" };
const msg = (
  seq: number,
  user: typeof ada,
  ts: number,
  extra: Partial<MessageView> = {},
): MessageView => ({
  seq,
  id: `m${seq}`,
  user,
  text: `text ${seq}`,
  ts,
  ...extra,
});

Deno.test("continuesGroup: same person, within five minutes, same day", () => {
  const a = msg(1, ada, NOW - 10 * 60_000);
  assert.equal(continuesGroup(undefined, a), false);
  assert.equal(continuesGroup(a, msg(2, ada, a.ts + 4 * 60_000)), true);
  assert.equal(continuesGroup(a, msg(2, ada, a.ts + 5 * 60_000)), false);
  assert.equal(continuesGroup(a, msg(2, bob, a.ts + 1_000)), false);
  const late = msg(1, ada, Date.UTC(2026, 10, 20, 23, 59));
  assert.equal(continuesGroup(late, msg(2, ada, late.ts + 120_000)), false);
  assert.equal(
    continuesGroup(a, msg(2, ada, a.ts + 1_000, { delivery: "failed" })),
    false,
  );
});

Deno.test("MessageList: day separators, groups and the unseen divider, all list items", () => {
  const html = renderToString(
    <MessageList
      now={NOW}
      firstUnseen={5}
      messages={[
        msg(1, ada, Date.UTC(2026, 10, 19, 9)),
        msg(2, ada, Date.UTC(2026, 10, 20, 9)),
        msg(3, ada, Date.UTC(2026, 10, 21, 9)),
        msg(4, ada, Date.UTC(2026, 10, 21, 9, 1)),
        msg(5, ada, Date.UTC(2026, 10, 21, 9, 2)),
        msg(6, bob, Date.UTC(2026, 10, 21, 9, 3)),
      ]}
    />,
  );
  const labels = [...html.matchAll(/class="sep[^"]*"><span>([^<]*)</g)].map((
    m,
  ) => m[1]);
  assert.deepEqual(labels, [
    "Thursday, November 19",
    "Yesterday",
    "Today",
    "New messages",
  ]);
  const items = [
    ...html.matchAll(/<li class="msg([^"]*)"[^>]*data-seq="(\d+)"/g),
  ]
    .map((m) => `${m[2]}${m[1].includes("continued") ? "+" : ""}`);
  // 4 continues 3; 5 would, but the unseen divider starts a group.
  assert.deepEqual(items, ["1", "2", "3", "4+", "5", "6"]);
  // Only <li> directly inside the <ol>.
  const inner = html.replace(/^<ol class="messages">|<\/ol>$/g, "");
  let depth = 0;
  for (const tag of inner.matchAll(/<(\/?)([a-z0-9]+)[^>]*>/g)) {
    if (tag[1]) depth--;
    else {
      if (depth === 0) assert.equal(tag[2], "li");
      if (!["br", "img", "input"].includes(tag[2])) depth++;
    }
  }
});

Deno.test("MessageList: replies find their original; links need the room", () => {
  const list = [
    msg(1, ada, NOW - 60_000),
    msg(2, bob, NOW, { replyTo: 1, reactions: { "👍": ["u_eve"] } }),
    msg(3, bob, NOW, { replyTo: 0 }),
  ];
  const html = renderToString(
    <MessageList
      messages={list}
      now={NOW}
      room="r"
      people={[{ id: "u_eve", name: "Eve" }]}
    />,
  );
  assert.match(html, /href="#m-1" data-reply-to="1"/);
  assert.match(html, /class="msg-reply-author">Ada</);
  // The original of seq 0 is not loaded: the archive page ending with it.
  assert.match(html, /href="\/rooms\/r\?before=1#m-0" data-reply-to="0"/);
  assert.match(html, /title="Reacted with 👍: Eve"/);
  const own = renderToString(
    <MessageList
      messages={[msg(5, ada, NOW, { delivery: "stored" })]}
      now={NOW}
      room="r"
    />,
  );
  assert.match(own, /href="\/rooms\/r\/messages\/5"/);
  const archive = renderToString(
    <MessageList
      messages={[msg(5, ada, NOW, { delivery: "stored" })]}
      now={NOW}
    />,
  );
  assert.ok(!archive.includes("msg-edit-link"));
});

Deno.test("MessageList: the reader's mentions highlighted, by name even unseen", () => {
  const carol = { id: "u_carol", name: "Carol" };
  const html = renderToString(
    <MessageList
      messages={[
        msg(1, ada, NOW, { text: "hi @carol", mentions: [carol.id] }),
        msg(2, ada, NOW, { text: "hi @bob", mentions: [bob.id] }),
      ]}
      now={NOW}
      me={carol}
    />,
  );
  // Carol wrote nothing and is not online: her name still comes from `me`.
  assert.match(html, /class="msg msg--mention" id="m-1"/);
  assert.match(html, /<span class="mention mention--me">@carol<\/span>/);
  assert.match(html, /class="msg msg--continued" id="m-2"/);
  // Bob's name is not known to the list: his mention stays text.
  assert.match(html, /<p>hi @bob<\/p>/);
});
