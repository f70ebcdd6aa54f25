// Hostile inputs to --http, one it() each: tokens, Host and Origin headers, bodies, batches,
// sessions, methods and paths. Every case states the exact answer, then proves the server still
// serves (an authorized /healthz). Raw sockets send what fetch() will not (Host, bytes, methods).
// Also: the token file made when no token is given (links, modes, foreign files).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, lstat, mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { type HttpServer, serveHttp } from "../../src/server/http.ts";
import { httpToken } from "../../src/server/http-token.ts";
import { configureLog } from "../../src/core/log.ts";
import { ToolRegistry } from "../../src/core/registry.ts";
import { post, rawHttp } from "../helpers/raw-http.ts";

configureLog(process.env.SWARM_LOG_LEVEL ?? "error", undefined);
const TOKEN = "tok-" + "x".repeat(28) + "-0123456789";
const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "t", version: "0" },
  },
});
const AUTH = `authorization: Bearer ${TOKEN}`;
const MiB = 1024 * 1024;

let server: HttpServer;
let host = "";
let sid = "";
const reg = new ToolRegistry();
reg.add("t", {
  name: "echo",
  description: "echo for tests",
  input: v.object({}),
  run: () => Promise.resolve("hi"),
});

before(async () => {
  server = await serveHttp(reg, { name: "swarm-mcp", version: "test" }, {
    host: "127.0.0.1",
    port: 0,
    token: TOKEN,
    tokenFile: "/data/http-token",
  });
  host = `host: 127.0.0.1:${server.port}`;
  const res = await rawHttp(server.port, post([host, AUTH], INIT));
  sid = /mcp-session-id: ([\w-]+)/i.exec(res.headers)![1]!;
});
after(() => server.close());

/** A request line + headers + body, exactly as given. */
const req = (line: string, headers: string[], body = "") =>
  [line, ...headers, `content-length: ${Buffer.byteLength(body)}`, "connection: close"].join(
    "\r\n",
  ) + "\r\n\r\n" + body;
const mcpPost = (headers: string[], body: string) => post([host, ...headers], body);
const withSession = (body: string, extra: string[] = []) =>
  mcpPost([AUTH, `mcp-session-id: ${sid}`, "mcp-protocol-version: 2025-11-25", ...extra], body);

interface Case {
  category: string;
  input: string;
  request: () => string;
  status: number | number[];
  /** Optional check of the answer's body. */
  body?: RegExp;
}

const cases: Case[] = [];
const add = (
  category: string,
  input: string,
  request: () => string,
  status: number | number[],
  body?: RegExp,
) => cases.push({ category, input, request, status, body });

// Tokens: only "Bearer <token>" (scheme in any case, RFC 7235) passes; the 401 names the file, never the token.
const unauthorized = /bearer token is required.*\/data\/http-token/;
for (
  const [input, header] of [
    ["missing", undefined],
    ["empty header", "authorization:"],
    ["scheme only", "authorization: Bearer"],
    ["wrong token", "authorization: Bearer wrong-wrong-wrong-wrong"],
    ["token prefix", `authorization: Bearer ${TOKEN.slice(0, -1)}`],
    ["token plus a byte", `authorization: Bearer ${TOKEN}x`],
    ["two spaces", `authorization: Bearer  ${TOKEN}`],
    ["tab separator", `authorization: Bearer\t${TOKEN}`],
    ["Basic scheme", `authorization: Basic ${Buffer.from(`u:${TOKEN}`).toString("base64")}`],
    ["Token scheme", `authorization: Token ${TOKEN}`],
    ["bare token", `authorization: ${TOKEN}`],
    ["two credentials in one header", `authorization: Bearer ${TOKEN}, Bearer x`],
    ["8 KB token", `authorization: Bearer ${"a".repeat(8192)}`],
    ["unicode token", `authorization: Bearer ťøķęñ-ťøķęñ-ťøķęñ`],
    ["token as a cookie", `cookie: token=${TOKEN}`],
    ["token in the proxy header", `proxy-authorization: Bearer ${TOKEN}`],
  ] as const
) {
  add("token", input, () => mcpPost(header ? [header] : [], INIT), 401, unauthorized);
}
add(
  "token",
  "token in the query string",
  () =>
    req(`POST /mcp?token=${TOKEN} HTTP/1.1`, [
      host,
      "content-type: application/json",
      "accept: application/json, text/event-stream",
    ], INIT),
  401,
  unauthorized,
);
add(
  "token",
  "right and wrong Authorization headers",
  () => mcpPost([AUTH, "authorization: Bearer wrong-wrong-wrong-wrong"], INIT),
  401,
);
add(
  "token",
  "lower-case scheme (accepted, RFC 7235)",
  () => mcpPost([`authorization: bearer ${TOKEN}`], INIT),
  200,
);
add(
  "token",
  "upper-case scheme (accepted, RFC 7235)",
  () => mcpPost([`authorization: BEARER ${TOKEN}`], INIT),
  200,
);
add(
  "token",
  "trailing whitespace (not part of a header value)",
  () => mcpPost([`authorization: Bearer ${TOKEN}  `], INIT),
  200,
);
add(
  "token",
  "100 KB header",
  () => mcpPost([`authorization: Bearer ${"a".repeat(100 * 1024)}`], INIT),
  [401, 431],
);

// Host: loopback names and the bound host, any port; anything else is DNS rebinding.
for (
  const h of [
    "evil.example",
    "evil.example:PORT",
    "127.0.0.1.evil.example",
    "localhost:1@evil",
    "",
    "[::2]",
    "::1",
    "localhost.",
    "127.0.0.2",
    "0.0.0.0",
    "[::ffff:127.0.0.1]",
    "localhost:99999",
    "localhost:",
    "localhost:80:80",
    "127.1",
    "2130706433",
    "xn--80ak6aa92e.com",
    "localhost\\evil",
    "*",
  ]
) {
  add(
    "host",
    `Host "${h}"`,
    () => post([`host: ${h.replace("PORT", String(server.port))}`, AUTH], INIT),
    403,
    /foreign Host/,
  );
}
add(
  "host",
  "no Host header (HTTP/1.0)",
  () =>
    `POST /mcp HTTP/1.0\r\n${AUTH}\r\ncontent-type: application/json\r\ncontent-length: ${INIT.length}\r\n\r\n${INIT}`,
  403,
);
add("host", "two Host headers", () => post([host, "host: evil.example", AUTH], INIT), 403);
for (const h of ["localhost", "LOCALHOST:9", "[::1]:PORT", "127.0.0.1"]) {
  add(
    "host",
    `Host "${h}" (accepted)`,
    () => post([`host: ${h.replace("PORT", String(server.port))}`, AUTH], INIT),
    200,
  );
}

// Origin: absent (non-browser clients) or a canonical http(s) origin on a loopback name, any port.
for (
  const o of [
    "null",
    "file://",
    "http://localhost.evil",
    "https://evil.example",
    "http://127.0.0.1.evil.example",
    "http://localhost/path",
    "chrome-extension://abc",
    "http://LOCALHOST",
    "http://localhost:80",
    "ws://localhost",
    "http://user@localhost",
    "",
    "http://127.1",
    "http://0x7f.0.0.1",
    "http://2130706433",
    "https://localhost:1@evil.example",
  ]
) {
  add(
    "origin",
    `Origin "${o}"`,
    () => mcpPost([AUTH, `origin: ${o}`], INIT),
    403,
    /foreign Origin/,
  );
}
for (
  const o of [
    "http://localhost:3000",
    "https://127.0.0.1:1",
    "http://[::1]:8080",
    "http://localhost",
  ]
) add("origin", `Origin "${o}" (accepted)`, () => mcpPost([AUTH, `origin: ${o}`], INIT), 200);

// Bodies and batches (the MCP SDK parses; limits are ours: 16 MiB, 100 messages).
add(
  "body",
  "17 MiB body",
  () => mcpPost([AUTH], JSON.stringify({ pad: "a".repeat(17 * MiB) })),
  413,
  /must not exceed 16777216 bytes/,
);
add(
  "body",
  "content-length of 1 GB announced",
  () =>
    req("POST /mcp HTTP/1.1", [
      host,
      AUTH,
      "content-type: application/json",
      "accept: application/json, text/event-stream",
      "content-length: 1073741824",
    ], "{").replace(/content-length: 1\r\n/, ""),
  413,
);
add("body", "malformed JSON", () => mcpPost([AUTH], "{"), 400, /Parse error/);
add("body", "empty body", () => mcpPost([AUTH], ""), 400);
add("body", "null", () => mcpPost([AUTH], "null"), 400);
add("body", "a number", () => mcpPost([AUTH], "42"), 400);
add("body", "NUL bytes", () => mcpPost([AUTH], "\0\0\0"), 400);
add(
  "body",
  "invalid UTF-8",
  () => mcpPost([AUTH], '{"jsonrpc":"2.0","id":1,"method":"\xff\xfe"}'),
  400,
);
add(
  "body",
  "100,000 levels of nesting",
  () => mcpPost([AUTH], "[".repeat(100_000) + "]".repeat(100_000)),
  400,
);
add(
  "body",
  "text/plain content type",
  () =>
    post([host, AUTH], INIT).replace("content-type: application/json", "content-type: text/plain"),
  415,
);
add(
  "body",
  "no text/event-stream in Accept",
  () =>
    post([host, AUTH], INIT).replace(
      "accept: application/json, text/event-stream",
      "accept: application/json",
    ),
  406,
);
add("batch", "empty batch", () => mcpPost([AUTH], "[]"), 400);
add(
  "batch",
  "101 messages",
  () =>
    withSession(
      JSON.stringify(
        Array.from({ length: 101 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "ping" })),
      ),
    ),
  400,
  /Batch must not exceed 100/,
);
add("batch", "two initialize requests", () => mcpPost([AUTH], `[${INIT},${INIT}]`), 400);
add("batch", "initialize again in a session", () => withSession(INIT), 400, /already initialized/);
add("batch", "array of arrays", () => withSession("[[1],[2]]"), 400);
add("batch", "not JSON-RPC", () => withSession('{"hello":"world"}'), 400);

// Sessions.
add(
  "session",
  "unknown session id",
  () => mcpPost([AUTH, "mcp-session-id: 00000000-0000-0000-0000-000000000000"], INIT),
  404,
  /Unknown session/,
);
add(
  "session",
  "10 KB session id",
  () => mcpPost([AUTH, `mcp-session-id: ${"z".repeat(10_000)}`], INIT),
  404,
);
add(
  "session",
  "session id with a path",
  () => mcpPost([AUTH, "mcp-session-id: ../../etc/passwd"], INIT),
  404,
);
add(
  "session",
  "GET without a session",
  () => req("GET /mcp HTTP/1.1", [host, AUTH, "accept: text/event-stream"]),
  400,
  /POST initialize first/,
);
add("session", "DELETE without a session", () => req("DELETE /mcp HTTP/1.1", [host, AUTH]), 400);
add(
  "session",
  "POST a call without a session",
  () => mcpPost([AUTH], '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'),
  400,
);

// Methods and paths.
for (const m of ["PUT", "PATCH", "OPTIONS", "TRACE", "PROPFIND"]) {
  add(
    "method",
    m,
    () => req(`${m} /mcp HTTP/1.1`, [host, AUTH]),
    405,
    /Method not allowed/,
  );
}
add("method", "HEAD", () => req("HEAD /mcp HTTP/1.1", [host, AUTH]), 405);
add("path", "/MCP", () => req("POST /MCP HTTP/1.1", [host, AUTH]), 404);
add("path", "/mcp/../mcp/x", () => req("POST /mcp/../mcp/x HTTP/1.1", [host, AUTH]), 404);
add("path", "/healthz without a token", () => req("GET /healthz HTTP/1.1", [host]), 401);
// Bun takes the URL's authority from the Host header, so this is a local request with a local Host.
add(
  "path",
  "absolute-form URL to another host, local Host header",
  () =>
    req("POST http://evil.example/mcp HTTP/1.1", [
      host,
      AUTH,
      "content-type: application/json",
      "accept: application/json, text/event-stream",
    ], INIT),
  200,
);

describe("hostile HTTP inputs", () => {
  for (const c of cases) {
    it(`hostile ${c.category}: ${c.input}`, async () => {
      const res = await rawHttp(server.port, c.request(), 15_000);
      const want = Array.isArray(c.status) ? c.status : [c.status];
      assert.ok(
        want.includes(res.status),
        `status ${res.status}, want ${want.join(" or ")}: ${res.headers.slice(0, 300)} ${
          res.body.slice(0, 300)
        }`,
      );
      if (res.status === 401) {
        assert.match(res.headers, /www-authenticate: Bearer realm="swarm-mcp"/i);
        assert.ok(!res.body.includes(TOKEN), "a 401 never shows the token");
      }
      if (c.body) assert.match(res.body, c.body);
      const health = await rawHttp(server.port, req("GET /healthz HTTP/1.1", [host, AUTH]));
      assert.equal(health.status, 200, "the server still serves");
    });
  }
});

describe("hostile token file: <data>/http-token", () => {
  const fresh = async () => await mkdtemp(join(tmpdir(), "swarm-token-"));
  it("hostile token-file: none yet → a new 0600 file with 32 random bytes, reused next time", async () => {
    const dir = await fresh();
    const a = await httpToken(dir);
    assert.match(a.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal((await lstat(a.file)).mode & 0o777, 0o600);
    assert.equal((await httpToken(dir)).token, a.token);
  });
  const replaced: [string, (file: string, dir: string) => Promise<void>][] = [
    ["a symlink to a file elsewhere", async (file, dir) => {
      await writeFile(join(dir, "victim"), "A".repeat(43), { mode: 0o600 });
      await symlink(join(dir, "victim"), file);
    }],
    ["a dangling symlink", async (file, dir) => void (await symlink(join(dir, "nowhere"), file))],
    ["mode 0644", async (file) => void (await writeFile(file, "B".repeat(43), { mode: 0o644 }))],
    [
      "mode 0604",
      async (file) =>
        void (await writeFile(file, "C".repeat(43), { mode: 0o604 }).then(() =>
          chmod(file, 0o604)
        )),
    ],
    ["a malformed token", async (file) => void (await writeFile(file, "short\n", { mode: 0o600 }))],
    [
      "a 1 MB file",
      async (file) => void (await writeFile(file, "D".repeat(1 << 20), { mode: 0o600 })),
    ],
    [
      "a directory",
      async (file) => void (await import("node:fs/promises").then((fs) => fs.mkdir(file))),
    ],
  ];
  for (const [input, plant] of replaced) {
    it(`hostile token-file: ${input} → replaced by a fresh file, nothing written through`, async () => {
      const dir = await fresh();
      const file = join(dir, "http-token");
      await plant(file, dir);
      if (input === "a directory") {
        await assert.rejects(
          httpToken(dir),
          /Cannot write the HTTP token file ".*http-token": EISDIR; remove what is there/,
        );
        return;
      }
      const t = await httpToken(dir);
      const st = await lstat(file);
      assert.ok(st.isFile() && !st.isSymbolicLink());
      assert.equal(st.mode & 0o777, 0o600);
      assert.equal((await readFile(file, "utf8")).trim(), t.token);
      assert.match(t.token, /^[A-Za-z0-9_-]{43}$/);
      if (input.includes("elsewhere")) {
        assert.equal(
          await readFile(join(dir, "victim"), "utf8"),
          "A".repeat(43),
          "the link's target is untouched",
        );
      }
    });
  }
});
