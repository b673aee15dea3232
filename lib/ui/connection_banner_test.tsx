import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import {
  bannerText,
  ConnectionBanner,
  secondsLeft,
} from "./connection_banner.tsx";

Deno.test("banner: the countdown counts whole seconds down to the next try", () => {
  const link = {
    phase: "waiting",
    retryAt: 10_000,
    attempt: 2,
    outageSince: 0,
  } as const;
  assert.equal(secondsLeft(link, 1_000), 9);
  assert.equal(secondsLeft(link, 9_001), 1);
  assert.equal(secondsLeft(link, 10_000), 0);
  assert.equal(secondsLeft({ phase: "open", transport: "websocket" }, 0), 0);
  const html = renderToString(
    <ConnectionBanner
      status="reconnecting"
      link={link}
      now={5_500}
      onReconnect={() => {}}
    />,
  );
  assert.match(html, /Connection lost\. Reconnecting…/);
  assert.match(html, /Next try in 5 s\./);
  assert.match(html, /Reconnect now/);
});

Deno.test("banner: connected names a fallback transport and offers no button; a refusal says why", () => {
  const html = renderToString(
    <ConnectionBanner
      status="connected"
      link={{ phase: "open", transport: "sse" }}
      transport="sse"
      onReconnect={() => {}}
    />,
  );
  assert.match(html, /Connected \(via server-sent events\)/);
  assert.doesNotMatch(html, /Reconnect now/);
  assert.equal(
    bannerText("stopped", {
      phase: "closed",
      code: 1008,
      reason: "origin not allowed",
    }),
    "Disconnected: origin not allowed.",
  );
  assert.equal(bannerText("static"), "");
});
