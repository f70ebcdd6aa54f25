// --http safety: a bearer token always (or --no-auth on loopback only), foreign Host and Origin
// refused, sessions that expire when idle and are capped, idle connections closed while idle SSE
// streams stay open. Host headers go over a raw socket: fetch() would send its own.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { ToolRegistry } from "../../src/core/registry.ts";
import { runtimeKey } from "../../src/core/runtime/platform.ts";
import { type HttpOptions, serveHttp } from "../../src/server/http.ts";
import { BINARY, binarySkip } from "../helpers/binary.ts";
import { post, rawHttp } from "../helpers/raw-http.ts";
import { configureLog } from "../../src/core/log.ts";

configureLog(process.env.SWARM_LOG_LEVEL ?? "warn", undefined);

const info = { name: "swarm-mcp", version: "test" };
const TOKEN = "s3cret-s3cret-s3cret";
const init = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "t", version: "0" },
  },
};
const headers = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};
const auth = { ...headers, authorization: `Bearer ${TOKEN}` };

/** echo, and `hold`, which runs until the test calls release(). */
function registry() {
  const r = new ToolRegistry();
  const held: (() => void)[] = [];
  r.add("t", {
    name: "echo",
    description: "echo for tests",
    input: v.object({}),
    run: () => Promise.resolve("hi"),
  });
  r.add("t", {
    name: "hold",
    description: "runs until released",
    input: v.object({}),
    run: (_a, ctx) => {
      ctx.progress(1, undefined, "started"); // the first chunk of the call's SSE stream, when asked for
      return new Promise<string>((res) => held.push(() => res("released")));
    },
  });
  return Object.assign(r, {
    held: () => held.length,
    release: () => held.splice(0).forEach((f) => f()),
  });
}

async function start(opts: Partial<HttpOptions> = {}) {
  const reg = registry();
  const server = await serveHttp(reg, info, { host: "127.0.0.1", port: 0, token: TOKEN, ...opts });
  return { server, reg, url: `http://127.0.0.1:${server.port}/mcp` };
}

// Bun sends an SSE response's headers with its first chunk, so a call that is still running has
// not answered yet: tests watch the tool itself (reg.held()) rather than await these fetches.

/** Initialize a session; returns its id. */
async function open(url: string, h: Record<string, string> = auth): Promise<string> {
  const res = await fetch(url, { method: "POST", headers: h, body: JSON.stringify(init) });
  assert.equal(res.status, 200, await res.clone().text());
  await res.body?.cancel();
  const sid = res.headers.get("mcp-session-id")!;
  await fetch(url, {
    method: "POST",
    headers: { ...h, "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  return sid;
}

const call = (url: string, sid: string, id: number, name: string) =>
  fetch(url, {
    method: "POST",
    headers: { ...auth, "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: { name, arguments: {} },
    }),
  });

async function until(what: string, check: () => boolean, ms: number): Promise<number> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) assert.fail(`${what} not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - t0;
}

describe("HTTP transport security", () => {
  let s: Awaited<ReturnType<typeof start>>;
  before(async () => void (s = await start({ tokenFile: "/data/http-token" })));
  after(() => s.server.close());

  it("always needs a token, and --no-auth only on loopback", async () => {
    await assert.rejects(
      serveHttp(registry(), info, { host: "127.0.0.1", port: 0 }),
      /Cannot serve HTTP without a token/,
    );
    await assert.rejects(
      serveHttp(registry(), info, { host: "0.0.0.0", port: 0 }),
      /Cannot serve HTTP without a token/,
    );
    await assert.rejects(
      serveHttp(registry(), info, { host: "0.0.0.0", port: 0, noAuth: true }),
      /Cannot serve HTTP on "0\.0\.0\.0" with --no-auth/,
    );
    await assert.rejects(
      serveHttp(registry(), info, { host: "127.0.0.1", port: 0, token: "short" }),
      /16 to 1024 printable ASCII/,
    );
  });

  it("answers 401 with WWW-Authenticate and where the token is, never the token", async () => {
    for (const authorization of [undefined, "Bearer nope-nope-nope-nope", `Basic ${TOKEN}`]) {
      const res = await fetch(s.url, {
        method: "POST",
        headers: { ...headers, ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(init),
      });
      assert.equal(res.status, 401, String(authorization));
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer realm="swarm-mcp"/);
      const body = await res.text();
      assert.match(JSON.parse(body).error.message, /bearer token is required.*\/data\/http-token/);
      assert.ok(!body.includes(TOKEN));
    }
    assert.ok(await open(s.url));
  });

  it("refuses a foreign Host header (DNS rebinding) and takes loopback names on any port", async () => {
    const body = JSON.stringify(init);
    const status = async (host: string) =>
      (await rawHttp(
        s.server.port,
        post([`host: ${host}`, `authorization: Bearer ${TOKEN}`], body),
      )).status;
    for (
      const host of [
        "evil.example",
        `evil.example:${s.server.port}`,
        "127.0.0.1.evil.example",
        "localhost:1@evil",
        "",
        "[::2]",
        "::1",
        "localhost.",
        "127.0.0.2",
      ]
    ) {
      assert.equal(await status(host), 403, `Host: ${host}`);
    }
    for (
      const host of [
        `127.0.0.1:${s.server.port}`,
        "localhost",
        "LOCALHOST:9",
        `[::1]:${s.server.port}`,
      ]
    ) assert.equal(await status(host), 200, `Host: ${host}`);
  });

  it("refuses a foreign Origin; a loopback origin on any port is local", async () => {
    for (
      const origin of [
        "https://evil.example",
        "null",
        "file://",
        "http://localhost.evil",
        "http://127.0.0.1.evil.example",
        "http://localhost/path",
        "chrome-extension://abc",
      ]
    ) {
      const res = await fetch(s.url, {
        method: "POST",
        headers: { ...auth, origin },
        body: JSON.stringify(init),
      });
      assert.equal(res.status, 403, `Origin: ${origin}`);
    }
    for (const origin of ["http://localhost:3000", "https://127.0.0.1:1", "http://[::1]:8080"]) {
      const res = await fetch(s.url, {
        method: "POST",
        headers: { ...auth, origin },
        body: JSON.stringify(init),
      });
      assert.equal(res.status, 200, `Origin: ${origin}`);
      await res.body?.cancel();
    }
  });

  it("a port another process holds stops the start with one sentence", async () => {
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, "127.0.0.1", r));
    const port = (squatter.address() as AddressInfo).port;
    try {
      await assert.rejects(start({ port }), (e: Error) => {
        assert.equal(e.name, "StartupError");
        assert.match(
          e.message,
          new RegExp(`^Cannot serve HTTP on 127\\.0\\.0\\.1:${port}: the port is in use; .*--port`),
        );
        return true;
      });
    } finally {
      squatter.close();
    }
  });

  it("--no-auth on loopback serves without a token", async () => {
    const open = await start({ token: undefined, noAuth: true });
    try {
      const res = await fetch(open.url, { method: "POST", headers, body: JSON.stringify(init) });
      assert.equal(res.status, 200);
      await res.body?.cancel();
    } finally {
      await open.server.close();
    }
  });
});

describe("HTTP sessions and connections", () => {
  it("an idle session expires; one with a call in flight does not", async () => {
    const { server, reg, url } = await start({ sessionIdleS: 1 });
    try {
      const busy = await open(url);
      const idle = await open(url);
      const held = call(url, busy, 5, "hold");
      await until("the call to start", () => reg.held() === 1, 5000);
      await until("the idle session to expire", () => server.sessionCount() === 1, 5000);
      const gone = await call(url, idle, 6, "echo");
      assert.equal(gone.status, 404);
      assert.match((await gone.json()).error.message, /Unknown session/);
      await new Promise((r) => setTimeout(r, 1500)); // past the idle time, with `hold` still running
      assert.equal(server.sessionCount(), 1, "the session with a call in flight is kept");
      reg.release();
      assert.match(await (await held).text(), /released/);
      await until("the now idle session to expire", () => server.sessionCount() === 0, 5000);
    } finally {
      reg.release();
      await server.close();
    }
  });

  it("600 sessions with a cap of 20 leave 20 open: the least recently used idle one makes room", {
    timeout: 120_000,
  }, async () => {
    const { server, url } = await start({ maxSessions: 20 });
    try {
      const first = await open(url);
      const ids: string[] = [first];
      for (let i = 1; i < 600; i += 20) {
        ids.push(
          ...(await Promise.all(Array.from({ length: Math.min(20, 600 - i) }, () => open(url)))),
        );
        assert.ok(
          server.sessionCount() <= 20,
          `${server.sessionCount()} sessions open after ${ids.length}`,
        );
      }
      assert.equal(ids.length, 600);
      assert.equal(server.sessionCount(), 20);
      assert.equal(
        (await call(url, first, 2, "echo")).status,
        404,
        "the oldest session was closed",
      );
      assert.equal(
        (await call(url, ids.at(-1)!, 2, "echo")).status,
        200,
        "the newest session works",
      );
    } finally {
      await server.close();
    }
  });

  it("a POST that opens no session leaves no server listening to the run events behind", async () => {
    let listening = 0;
    const events = { on: () => (listening++, () => void listening--) };
    const { server, url } = await start({ events });
    try {
      const calls = ['{"jsonrpc":"2.0","id":2,"method":"tools/list"}', "{", "[]", "null"];
      for (const body of calls.flatMap((b) => [b, b, b, b, b])) {
        const res = await fetch(url, { method: "POST", headers: auth, body });
        assert.equal(res.status, 400, body);
        await res.body?.cancel();
      }
      assert.equal(listening, 0, "event listeners of requests that opened no session");
      await open(url);
      assert.equal(listening, 1, "a session listens");
    } finally {
      await server.close();
    }
    assert.equal(listening, 0, "a closed server's sessions stop listening");
  });

  it("when every session has a call in flight, a new one gets 503 with a JSON-RPC error", async () => {
    const { server, reg, url } = await start({ maxSessions: 2 });
    try {
      const sids = [await open(url), await open(url)];
      const held = sids.map((sid, i) => call(url, sid, 10 + i, "hold"));
      await until("both calls to start", () => reg.held() === 2, 5000);
      const res = await fetch(url, { method: "POST", headers: auth, body: JSON.stringify(init) });
      assert.equal(res.status, 503);
      assert.match(
        (await res.json()).error.message,
        /all 2 sessions have calls in flight.*SWARM_HTTP_MAX_SESSIONS/,
      );
      reg.release();
      for (const r of held) assert.match(await (await r).text(), /released/);
      assert.ok(await open(url), "a session opens once the calls are done");
    } finally {
      reg.release();
      await server.close();
    }
  });

  it("closes an idle connection after connectionIdleS but keeps an idle SSE stream open", {
    timeout: 20_000,
  }, async () => {
    // Bun checks idle timeouts every 4 s or so: with 1 s, a stalled connection goes within ~4-5 s.
    const { server, reg, url } = await start({ connectionIdleS: 1 });
    const sockets: Socket[] = [];
    const watch = (request: string) => {
      const w = { data: "", closedAfter: -1, t0: Date.now() };
      const sock = connect(server.port, "127.0.0.1", () => sock.write(request));
      sock.on("data", (d) => (w.data += d));
      sock.on("close", () => (w.closedAfter = Date.now() - w.t0));
      sockets.push(sock);
      return w;
    };
    try {
      const sid = await open(url);
      const headers = [
        `host: 127.0.0.1`,
        `authorization: Bearer ${TOKEN}`,
        `mcp-session-id: ${sid}`,
        "mcp-protocol-version: 2025-11-25",
      ];
      // Half a body, then silence.
      const stalled = watch(post(headers, "{".padEnd(100)).slice(0, -99));
      // A tool call that sent one progress event and then runs silently: its SSE stream is idle.
      const body = JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: { name: "hold", arguments: {}, _meta: { progressToken: 1 } },
      });
      const sse = watch(post(headers, body));
      await until(
        "the call's first SSE event",
        () => sse.data.includes("notifications/progress"),
        5000,
      );
      await new Promise((r) => setTimeout(r, 6500));
      // Only Bun's server has a connection idle timeout (Deno and Node keep their own defaults).
      if (runtimeKey() === "bun") {
        assert.ok(
          stalled.closedAfter >= 0,
          "the stalled connection was closed by the idle timeout within 6.5 s",
        );
      }
      assert.equal(
        sse.closedAfter,
        -1,
        `the silent SSE stream outlived the connection idle timeout (closed after ${sse.closedAfter} ms)`,
      );
      reg.release();
      await until("the call's answer", () => sse.data.includes("released"), 5000);
    } finally {
      sockets.forEach((s) => s.destroy());
      reg.release();
      await server.close();
    }
  });
});

describe("--http start-up of the binary", { skip: binarySkip }, () => {
  const run = async (args: string[], env: Record<string, string> = {}) => {
    const dataDir = env.SWARM_DATA_DIR ?? (await mkdtemp(join(tmpdir(), "swarm-http-")));
    const child = spawn(BINARY, ["--http", "--port", "0", ...args], {
      env: { ...process.env, SWARM_DATA_DIR: dataDir, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    const code = await new Promise<number | string | null>((r) => {
      const t = setTimeout(() => r("running"), 10_000);
      child.on("exit", (c) => r((clearTimeout(t), c)));
      child.stderr!.on("data", () => /"mcpServers"/.test(err) && r((clearTimeout(t), "running")));
    });
    child.kill("SIGKILL");
    return { code, err, dataDir };
  };

  it("refuses --no-auth off loopback and a short token, with one sentence", async () => {
    const open = await run(["--host", "0.0.0.0", "--no-auth"]);
    assert.equal(open.code, 1);
    assert.match(open.err, /^swarm-mcp: Cannot serve HTTP on "0\.0\.0\.0" with --no-auth/m);
    const short = await run([], { SWARM_HTTP_TOKEN: "short" });
    assert.equal(short.code, 1);
    assert.match(short.err, /Cannot use the HTTP token from --token or SWARM_HTTP_TOKEN/);
    assert.ok(!short.err.includes('"short"'), "the token is not echoed");
  });

  it("generates a token once into the data dir and prints the same client entry at every start", async () => {
    const first = await run([]);
    const entry = /^(\{"mcpServers".*\})$/m.exec(first.err);
    assert.ok(entry, first.err);
    const auth = JSON.parse(entry[1]!).mcpServers.swarm.headers.Authorization as string;
    assert.match(auth, /^Bearer [A-Za-z0-9_-]{43}$/);
    assert.equal((await readFile(join(first.dataDir, "http-token"), "utf8")).trim(), auth.slice(7));
    const again = await run([], { SWARM_DATA_DIR: first.dataDir });
    assert.ok(again.err.includes(auth), "the token file is reused");
  });
});
