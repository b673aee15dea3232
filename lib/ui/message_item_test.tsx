import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { fakeActions } from "./message_actions_test.tsx";
import { MessageItem, type MessageView } from "./message_item.tsx";

const base: MessageView = {
  id: "m1",
  user: { id: "u_1", name: "<alice>" },
  text: "hi **there** <img src=x onerror=alert(1)>",
  ts: Date.UTC(2026, 0, 1, 9, 5),
};

Deno.test("MessageItem: avatar, author, time and the text as Markdown", () => {
  const html = renderToString(<MessageItem message={{ ...base, seq: 7 }} />);
  assert.match(html, /^<li class="msg" id="m-7" data-seq="7" data-id="m1"/);
  assert.match(html, /class="avatar avatar--\d+" aria-hidden="true">AL</);
  assert.match(html, /class="msg-author">&lt;alice></);
  assert.match(html, /<time[^>]*title="2026-01-01 09:05 UTC">09:05 UTC</);
  assert.match(
    html,
    /<div class="msg-text"><p>hi <strong>there<\/strong> &lt;img src=x onerror=alert\(1\)><\/p><\/div>/,
  );
  assert.ok(!html.includes("<img"));
});

Deno.test("MessageItem: the seq is never visible text", () => {
  const html = renderToString(
    <MessageItem message={{ ...base, seq: 4242, delivery: "stored" }} />,
  );
  const visible = html.replace(/<[^>]*>/g, "");
  assert.ok(!visible.includes("4242"), visible);
  assert.match(html, /data-state="stored" title="Sent"/);
});

Deno.test("MessageItem: a continued message has no avatar or name", () => {
  const html = renderToString(
    <MessageItem message={{ ...base, seq: 8 }} continued localTime />,
  );
  assert.match(html, /class="msg msg--continued"/);
  assert.ok(!html.includes("avatar") && !html.includes("msg-author"));
  assert.match(html, /class="msg-gutter"><time/);
});

Deno.test("MessageItem: edited marker and deleted placeholder", () => {
  const edited = renderToString(
    <MessageItem message={{ ...base, seq: 9, edited: base.ts + 60_000 }} />,
  );
  assert.match(
    edited,
    /class="msg-edited" title="Edited 2026-01-01 09:06 UTC">\(edited\)</,
  );
  const deleted = renderToString(
    <MessageItem
      message={{ ...base, seq: 9, text: "", deleted: true, edited: base.ts }}
    />,
  );
  assert.match(deleted, /class="msg msg--deleted"/);
  assert.match(deleted, /This message was deleted\./);
  assert.ok(!deleted.includes("(edited)"));
});

Deno.test("MessageItem: delivery states of the person's own messages", () => {
  const sending = renderToString(
    <MessageItem message={{ ...base, delivery: "sending" }} />,
  );
  assert.match(sending, /class="msg msg--own"/);
  assert.match(sending, /data-state="sending">Sending…</);
  assert.ok(!/ id="/.test(sending), "no anchor before it is stored");
  const failed = renderToString(
    <MessageItem
      message={{ ...base, delivery: "failed", error: "Too long" }}
      onRetry={() => {}}
      onDiscard={() => {}}
    />,
  );
  assert.match(failed, /Not sent: Too long/);
  assert.match(failed, />Retry</);
  assert.match(failed, />Discard</);
  const other = renderToString(<MessageItem message={{ ...base, seq: 8 }} />);
  assert.ok(!other.includes("data-state"));
});

Deno.test("MessageItem: a reply quotes its original; reactions as chips", () => {
  const html = renderToString(
    <MessageItem
      message={{ ...base, seq: 9, replyTo: 2, reactions: { "👍": ["u_2"] } }}
      original={{ ...base, seq: 2, text: "the original\nmore" }}
      names={new Map([["u_2", "bob"]])}
    />,
  );
  assert.match(html, /<a class="msg-reply" href="#m-2" data-reply-to="2"/);
  assert.match(html, /class="msg-reply-text">the original</);
  assert.match(html, /title="Reacted with 👍: bob"/);
  // Without the island's actions: no toolbar, and chips are not buttons.
  assert.ok(!html.includes("<button"));
  assert.ok(!html.includes("msg-actions"));
});

Deno.test("MessageItem: without JavaScript, the author's link to edit or delete", () => {
  const html = renderToString(
    <MessageItem
      message={{ ...base, seq: 9, delivery: "stored" }}
      editHref="/rooms/r/messages/9"
    />,
  );
  assert.match(
    html,
    /<a class="msg-edit-link" href="\/rooms\/r\/messages\/9">Edit or delete<span class="sr-only"> your message from 09:05<\/span><\/a>/,
  );
  const theirs = renderToString(
    <MessageItem
      message={{ ...base, seq: 9 }}
      editHref="/rooms/r/messages/9"
    />,
  );
  assert.ok(!theirs.includes("msg-edit-link"));
});

Deno.test("MessageItem: live, stored messages get the toolbar; pending ones not", () => {
  const actions = fakeActions({ meId: "u_1" });
  const html = renderToString(
    <MessageItem
      message={{
        ...base,
        seq: 9,
        delivery: "stored",
        reactions: { "👍": ["u_1"] },
      }}
      actions={actions}
      editHref="/rooms/r/messages/9"
    />,
  );
  assert.match(html, /class="msg-actions"/);
  assert.match(html, /aria-label="Edit"/);
  assert.match(html, /class="chip" aria-pressed="true"/);
  assert.ok(!html.includes("msg-edit-link"), "live: buttons instead");
  const pending = renderToString(
    <MessageItem
      message={{ ...base, delivery: "sending" }}
      actions={actions}
    />,
  );
  assert.ok(!pending.includes("msg-actions"));
  const deleted = renderToString(
    <MessageItem
      message={{ ...base, seq: 9, text: "", deleted: true }}
      actions={actions}
    />,
  );
  assert.ok(!deleted.includes("msg-actions"));
});

Deno.test("MessageItem: the active message's picker, confirmation or editor", () => {
  const at = (mode: "react" | "delete" | "edit" | "menu") =>
    renderToString(
      <MessageItem
        message={{ ...base, seq: 9, delivery: "stored", edited: base.ts }}
        actions={fakeActions({ meId: "u_1", active: { seq: 9, mode } })}
      />,
    );
  assert.match(at("menu"), /class="msg msg--own msg--active"/);
  assert.match(at("react"), /class="picker"/);
  assert.match(at("delete"), /class="msg-confirm"/);
  const editing = at("edit");
  assert.match(editing, /aria-label="Edit message"/);
  assert.ok(!editing.includes("msg-actions") && !editing.includes("(edited)"));
  assert.ok(!editing.includes('class="msg-text"'));
  const other = renderToString(
    <MessageItem
      message={{ ...base, seq: 8 }}
      actions={fakeActions({ active: { seq: 9, mode: "edit" } })}
    />,
  );
  assert.ok(!other.includes("msg--active") && !other.includes("Edit message"));
});

Deno.test("MessageItem: a refused change says so, with retry and undo", () => {
  const html = renderToString(
    <MessageItem
      message={{
        ...base,
        seq: 9,
        failedChange: { id: "c1", what: "edit", error: "Too long" },
      }}
      onRetry={() => {}}
      onDiscard={() => {}}
    />,
  );
  assert.match(
    html,
    /data-state="change-failed">Your edit was not saved: Too long/,
  );
  assert.match(html, />Retry</);
  assert.match(html, />Undo</);
});

Deno.test("MessageItem: a mention of me is highlighted, known names marked", () => {
  const names = new Map([["u_me", "Me Too"], ["u_2", "bob"]]);
  const message: MessageView = {
    ...base,
    seq: 9,
    text: "@me too and @bob and @carol",
    mentions: ["u_me", "u_2", "u_3"],
  };
  const html = renderToString(
    <MessageItem message={message} names={names} meId="u_me" />,
  );
  assert.match(html, /^<li class="msg msg--mention"/);
  assert.match(
    html,
    /<p><span class="mention mention--me">@me too<\/span> and <span class="mention">@bob<\/span> and @carol<\/p>/,
  );
  // Bob reading: his name is the one marked as his.
  const bobs = renderToString(
    <MessageItem message={message} names={names} meId="u_2" />,
  );
  assert.match(bobs, /<span class="mention">@me too<\/span>/);
  assert.match(bobs, /<span class="mention mention--me">@bob<\/span>/);
  // Someone not mentioned: marked, not highlighted.
  const theirs = renderToString(
    <MessageItem message={message} names={names} meId="u_9" />,
  );
  assert.match(theirs, /^<li class="msg" /);
  assert.ok(!theirs.includes("mention--me"));
  // No mentions: no spans, whatever the text.
  const plain = renderToString(
    <MessageItem
      message={{ ...message, mentions: undefined }}
      names={names}
      meId="u_me"
    />,
  );
  assert.match(plain, /^<li class="msg"/);
  assert.ok(!plain.includes("mention"));
});
