import { equal, match } from "node:assert/strict";
import { endpointProblem, MAX_ENDPOINT_LENGTH } from "./endpoint_guard.ts";

const none = new Set<string>();

Deno.test("real push services' endpoints pass", () => {
  for (
    const endpoint of [
      "https://fcm.googleapis.com/fcm/send/dRz3:APA91bH",
      "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk",
      "https://web.push.apple.com/QGuQyavXutnMH2",
      "https://wns2-db5p.notify.windows.com/w/?token=BQYAAA",
      "https://push.example.com./x", // a trailing dot is the same name
      "https://8.8.8.8/x",
      "https://[2607:f8b0:4004:c07::6a]/x",
    ]
  ) {
    equal(endpointProblem(endpoint, none), undefined, endpoint);
  }
});

Deno.test("the SSRF table: every way to name a private or local target is refused", () => {
  const table: Array<[string, RegExp]> = [
    ["http://push.example.com/x", /not https/],
    ["ftp://push.example.com/x", /not https/],
    ["not a url", /not a URL/],
    ["https://push.example.com:8443/x", /default https port/],
    ["https://user:pw@push.example.com/x", /user name or password/],
    ["https://user@push.example.com/x", /user name or password/],
    ["https://127.0.0.1/x", /not a public address/],
    ["https://2130706433/x", /not a public address/], // 127.0.0.1 as a number
    ["https://0x7f.1/x", /not a public address/],
    ["https://10.0.0.5/x", /not a public address/],
    ["https://172.16.3.4/x", /not a public address/],
    ["https://192.168.1.1/x", /not a public address/],
    ["https://169.254.169.254/latest/meta-data", /not a public address/],
    ["https://100.64.1.1/x", /not a public address/],
    ["https://224.0.0.251/x", /not a public address/],
    ["https://0.0.0.0/x", /not a public address/],
    ["https://[::1]/x", /not a public address/],
    ["https://[::ffff:127.0.0.1]/x", /not a public address/],
    ["https://[::ffff:a9fe:a9fe]/x", /not a public address/],
    ["https://[fd00::1]/x", /not a public address/],
    ["https://[fe80::1]/x", /not a public address/],
    ["https://[ff02::1]/x", /not a public address/],
    ["https://localhost/x", /fully qualified/],
    ["https://LOCALHOST./x", /fully qualified/],
    ["https://metadata/x", /fully qualified/],
    ["https://push.localhost/x", /local host name/],
    ["https://printer.local/x", /local host name/],
    ["https://metadata.google.internal/x", /local host name/],
    ["https://router.home.arpa/x", /local host name/],
    [`https://push.example.com/${"a".repeat(MAX_ENDPOINT_LENGTH)}`, /longer/],
  ];
  for (const [endpoint, reason] of table) {
    match(endpointProblem(endpoint, none) ?? "accepted", reason, endpoint);
  }
});

Deno.test("a listed test origin passes whatever its scheme and host; nothing else of it", () => {
  const test = new Set(["http://127.0.0.1:9000"]);
  equal(endpointProblem("http://127.0.0.1:9000/push/1", test), undefined);
  match(endpointProblem("http://127.0.0.1:9001/push/1", test)!, /not https/);
  match(endpointProblem("https://127.0.0.1:9000/push/1", test)!, /port/);
  match(
    endpointProblem("http://u:p@127.0.0.1:9000/push/1", test)!,
    /user name/,
  );
});
