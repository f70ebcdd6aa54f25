// Hostile inputs on the binary's stdin, one it() each: oversize lines, invalid UTF-8, NUL bytes,
// malformed JSON, deep nesting, batches, invalid JSON-RPC, protocol abuse. Every case states the
// error it must get (or that it is answered), then proves the same process still answers
// tools/list. Half a message then EOF ends the process cleanly.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { binarySkip } from "../helpers/binary.ts";
import { ROOT } from "../helpers/docker-env.ts";
import { type RawServer, startRaw } from "../helpers/raw-stdio.ts";

const manifest = join(ROOT, "test", "fixtures", "manifest.json");
const MiB = 1024 * 1024;
const LIMIT = 16 * MiB;
const req = (id: unknown, method: string, params?: unknown) =>
  JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) });
const call = (id: unknown, args: unknown, name = "slow") =>
  req(id, "tools/call", { name, arguments: args });

interface Case {
  category: string;
  input: string;
  bytes: () => Buffer | string;
  /** A JSON-RPC error code the input must get, "answered" (a result or an error for `id`), or "silent". */
  expect: number | "answered" | "silent";
  id?: unknown;
  message?: RegExp;
}
const cases: Case[] = [];
const add = (
  category: string,
  input: string,
  bytes: () => Buffer | string,
  expect: Case["expect"],
  extra: Partial<Case> = {},
) => cases.push({ category, input, bytes, expect, ...extra });
const line = (s: string) => s + "\n";
const tooBig = /at most 16 MiB \(16777216 bytes\); this one was skipped/;

// Oversize: skipped without being held, refused with -32600, the id echoed when it is cheap to read.
add("oversize", "16 MiB + 1 byte of 'a'", () => line("a".repeat(LIMIT + 1)), -32600, {
  id: null,
  message: tooBig,
});
add(
  "oversize",
  "17 MiB request, id first",
  () =>
    line(
      `{"jsonrpc":"2.0","id":101,"method":"tools/list","params":{"pad":"${"a".repeat(17 * MiB)}"}}`,
    ),
  -32600,
  { id: 101, message: tooBig },
);
add(
  "oversize",
  "17 MiB request, id last (SDK order)",
  () =>
    line(
      `{"method":"tools/list","params":{"pad":"${
        "b".repeat(17 * MiB)
      }"},"jsonrpc":"2.0","id":"late-id"}`,
    ),
  -32600,
  { id: "late-id", message: tooBig },
);
add("oversize", "20 MiB of spaces", () => line(" ".repeat(20 * MiB)), -32600, { id: null });
add(
  "oversize",
  "24 MiB of newline-free NUL bytes",
  () => Buffer.concat([Buffer.alloc(24 * MiB), Buffer.from("\n")]),
  -32600,
  { id: null },
);
add(
  "oversize",
  "id with a control byte in the head",
  () => line(`{"id":"a\u0001b","x":"${"c".repeat(LIMIT)}"}`),
  -32600,
  { id: null },
);
add("oversize", "just under the limit: 15 MiB of '['", () => line("[".repeat(15 * MiB)), -32700);

// Large but within the limit.
add("nesting", "10 MB of '['", () => line("[".repeat(10_000_000)), -32700);
add("nesting", "10 MB of '{\"a\":'", () => line('{"a":'.repeat(2_000_000)), -32700);
const callWith = (id: number, args: string) =>
  `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"slow","arguments":${args}}}`;
add(
  "nesting",
  "100,000-deep array as arguments",
  () => line(callWith(201, "[".repeat(100_000) + "]".repeat(100_000))),
  "answered",
  { id: 201 },
);
add(
  "nesting",
  "100,000-deep object as arguments",
  () => line(callWith(202, '{"a":'.repeat(100_000) + "1" + "}".repeat(100_000))),
  "answered",
  { id: 202 },
);
add(
  "nesting",
  "5 MB string argument",
  () => line(call(203, { ms: "x".repeat(5 * MiB) })),
  "answered",
  { id: 203 },
);

// Invalid UTF-8 and NUL bytes.
const bad = (hex: string) => () =>
  Buffer.concat([
    Buffer.from('{"jsonrpc":"2.0","id":1,"method":"'),
    Buffer.from(hex, "hex"),
    Buffer.from('"}\n'),
  ]);
add("utf8", "0xff 0xfe", bad("fffe"), -32700, { message: /not valid UTF-8/ });
add("utf8", "overlong '/' (0xc0 0xaf)", bad("c0af"), -32700, { message: /not valid UTF-8/ });
add("utf8", "UTF-16 surrogate (0xed 0xa0 0x80)", bad("eda080"), -32700, {
  message: /not valid UTF-8/,
});
add("utf8", "truncated 3-byte sequence", bad("e282"), -32700, { message: /not valid UTF-8/ });
add("utf8", "code point over U+10FFFF (0xf4 0x90 0x80 0x80)", bad("f4908080"), -32700, {
  message: /not valid UTF-8/,
});
add("utf8", "lone continuation byte", bad("80"), -32700, { message: /not valid UTF-8/ });
add("nul", "a NUL byte alone", () => "\0\n", -32700);
add(
  "nul",
  "NUL inside a JSON string",
  () => line(`{"jsonrpc":"2.0","id":1,"method":"tools/list\0"}`),
  -32700,
);
add("nul", "NUL before the JSON", () => line("\0" + req(1, "tools/list")), -32700);
add("nul", "escaped NUL in a method name", () => line(req(301, "tools/list\u0000")), "answered", {
  id: 301,
});
add("nul", "1 MB of NUL", () => Buffer.concat([Buffer.alloc(MiB), Buffer.from("\n")]), -32700);

// Malformed JSON.
for (
  const [input, text] of [
    ["'{'", "{"],
    ["'}'", "}"],
    ["garbage", "garbage"],
    ["unterminated object", '{"jsonrpc":"2.0"'],
    ["trailing comma", '{"jsonrpc":"2.0","id":1,"method":"ping",}'],
    ["single quotes", "{'jsonrpc':'2.0'}"],
    ["NaN", "NaN"],
    ["two objects on one line", req(1, "ping") + req(2, "ping")],
    ["JavaScript comment", "// hi"],
  ] as const
) {
  add("json", input, () => line(text), -32700);
}

// Valid JSON, not JSON-RPC 2.0: refused with -32600, the id echoed when it is a string or number.
for (
  const [input, value, id] of [
    ["a number", 1, null],
    ["a string", '"x"', null],
    ["null", "null", null],
    ["true", "true", null],
    ["empty object", "{}", null],
    ['jsonrpc "1.0"', '{"jsonrpc":"1.0","id":5,"method":"ping"}', 5],
    ["no jsonrpc member", '{"id":6,"method":"ping"}', 6],
    ["id is an object", '{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}', null],
    ["id is true", '{"jsonrpc":"2.0","id":true,"method":"ping"}', null],
    ["method is a number", '{"jsonrpc":"2.0","id":7,"method":42}', 7],
    ["params is a string", '{"jsonrpc":"2.0","id":8,"method":"ping","params":"x"}', 8],
  ] as const
) {
  add("jsonrpc", input, () => line(String(value)), -32600, { id });
}

// Batches are not part of MCP any more: refused with one error, never fanned out.
add("batch", "empty batch", () => line("[]"), -32600, { message: /batches are not supported/ });
add("batch", "two requests", () => line(`[${req(1, "ping")},${req(2, "ping")}]`), -32600, {
  message: /batches are not supported/,
});
add(
  "batch",
  "10,000 notifications",
  () =>
    line(
      JSON.stringify(
        Array.from(
          { length: 10_000 },
          () => ({ jsonrpc: "2.0", method: "notifications/initialized" }),
        ),
      ),
    ),
  -32600,
);
add("batch", "nested arrays", () => line("[[[]]]"), -32600);

// Valid JSON-RPC, hostile use of the protocol.
add("protocol", "unknown method", () => line(req(401, "no/such/method")), -32601, { id: 401 });
add("protocol", "unknown tool", () => line(call(402, {}, "no_such_tool")), "answered", { id: 402 });
add("protocol", "arguments not an object", () => line(call(403, "x")), "answered", { id: 403 });
add(
  "protocol",
  "__proto__ in arguments",
  () =>
    line(
      `{"jsonrpc":"2.0","id":404,"method":"tools/call","params":{"name":"slow","arguments":{"__proto__":{"ms":1},"constructor":{"prototype":{"x":1}}}}}`,
    ),
  "answered",
  { id: 404 },
);
add(
  "protocol",
  "initialize again",
  () =>
    line(
      req(405, "initialize", {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "again", version: "0" },
      }),
    ),
  "answered",
  { id: 405 },
);
add(
  "protocol",
  "cancel an unknown request",
  () =>
    line(
      JSON.stringify({
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId: 999999 },
      }),
    ),
  "silent",
);
add(
  "protocol",
  "response to nothing",
  () => line(JSON.stringify({ jsonrpc: "2.0", id: 998877, result: {} })),
  "silent",
);
add("protocol", "1 MB string id", () => line(req("i".repeat(MiB), "ping")), "answered", {
  id: "i".repeat(MiB),
});
add("protocol", "negative and fractional ids", () => line(req(-1.5, "ping")), "answered", {
  id: -1.5,
});

// Framing.
add(
  "framing",
  "byte order mark before a request (ignored, as UTF-8 decoders do)",
  () => line("\ufeff" + req(503, "ping")),
  "answered",
  { id: 503 },
);
add("framing", "CRLF line ending", () => req(501, "ping") + "\r\n", "answered", { id: 501 });
add("framing", "100,000 blank lines", () => "\n".repeat(100_000), "silent");
add("framing", "1 MB of spaces", () => line(" ".repeat(MiB)), "silent");
add("framing", "a request in 1-byte writes", () => line(req(502, "ping")), "answered", { id: 502 });
add("framing", "2,000 garbage lines at once", () => "x\n".repeat(2000), -32700);

describe("hostile stdio inputs", { skip: binarySkip }, () => {
  let s: RawServer;
  before(async () => {
    s = await startRaw(["--manifest", manifest], { SWARM_LOG_LEVEL: "error" });
    await s.initialize();
  });
  after(() => s?.kill());

  cases.forEach((c, i) => {
    it(`hostile ${c.category}: ${c.input}`, { timeout: 120_000 }, async () => {
      const from = s.lines.length;
      const bytes = c.bytes();
      if (c.input.includes("1-byte writes")) {
        for (const ch of Buffer.from(bytes)) await s.write(Buffer.from([ch]));
      } else await s.write(bytes);
      const probe = `probe-${i}`;
      const listed = await s.request(probe, "tools/list", undefined, 60_000);
      assert.ok(listed.result?.tools?.length > 5, "the server still answers tools/list");
      if (c.expect === "answered") {
        const answer = await s.next(
          `the answer to ${c.input}`,
          (m) => m.id === c.id && ("result" in m || "error" in m),
          30_000,
        );
        assert.ok(answer.result || answer.error?.code, JSON.stringify(answer).slice(0, 300));
        return;
      }
      // Refusals are written at once, so they come before the probe's answer.
      const seen = s.lines.slice(from).filter((m) => m.id !== probe && m.method === undefined);
      if (c.expect === "silent") return assert.deepEqual(seen, []);
      const refusal = seen.find((m) => m.error?.code === c.expect);
      assert.ok(refusal, `want error ${c.expect}, saw ${JSON.stringify(seen).slice(0, 400)}`);
      if ("id" in c) assert.deepEqual(refusal.id, c.id);
      if (c.message) assert.match(refusal.error.message, c.message);
      assert.ok(!seen.some((m) => m.unparsed !== undefined), "stdout stays JSON-RPC only");
    });
  });
});

describe("hostile stdio framing at EOF", { skip: binarySkip }, () => {
  it("hostile eof: half a message then EOF → a clean exit within 10 s", async () => {
    const s = await startRaw(["--manifest", manifest]);
    try {
      await s.initialize();
      await s.write('{"jsonrpc":"2.0","id":9,"method":"tools/li');
      s.child.stdin!.end();
      assert.equal(await s.exited(10_000), 0, s.stderr().slice(-1000));
      assert.ok(!s.lines.some((m) => m.id === 9), "half a message is never acted on");
    } finally {
      s.kill();
    }
  });
});
