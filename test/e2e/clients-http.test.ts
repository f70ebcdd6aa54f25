// --http answers a real remote client can act on: 401 says a bearer token is needed and where it
// is (body and WWW-Authenticate), 403 for a Host name names --allowed-host, a name given with
// --allowed-host (or SWARM_HTTP_ALLOWED_HOSTS) is accepted, and so is any name when bound to
// 0.0.0.0 (`--host 0.0.0.0 --token T`: the token guards it). Host headers go over a raw socket.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, binarySkip } from "../helpers/binary.ts";
import { post, rawHttp } from "../helpers/raw-http.ts";
import { until } from "../helpers/wait.ts";

const TOKEN = "clients-http-test-token-0123456789";
const init = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "t", version: "0" },
  },
});

async function start(args: string[], env: Record<string, string> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), "swarm-clients-http-"));
  const child = spawn(BINARY, ["--http", "--port", "0", ...args], {
    env: { ...process.env, SWARM_DATA_DIR: dataDir, SWARM_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  let exited = false;
  child.stderr!.on("data", (d) => (log += d));
  child.on("exit", () => (exited = true));
  await until("the server listens or exits", () => exited || /listening on/.test(log), 10_000);
  const port = Number(/listening on http:\/\/[^/]*:(\d+)\/mcp/.exec(log)?.[1] ?? 0);
  return { child, port, log: () => log, exited: () => exited };
}

describe("--http answers for remote clients", { skip: binarySkip }, () => {
  let s: Awaited<ReturnType<typeof start>>;
  before(async () => {
    s = await start(["--token", TOKEN, "--allowed-host", "swarm.example.test"], {
      SWARM_HTTP_ALLOWED_HOSTS: "10.9.8.7, lan-box",
    });
  });
  after(() => void s?.child.kill("SIGTERM"));

  const status = async (host: string, auth = true) =>
    await rawHttp(
      s.port,
      post([`host: ${host}`, ...(auth ? [`authorization: Bearer ${TOKEN}`] : [])], init),
    );

  it("accepts the names given with --allowed-host and SWARM_HTTP_ALLOWED_HOSTS", async () => {
    for (
      const host of ["swarm.example.test", "SWARM.example.test:443", "10.9.8.7:8765", "lan-box"]
    ) {
      assert.equal((await status(host)).status, 200, `Host: ${host}`);
    }
  });

  it("refuses other names with a 403 that names --allowed-host", async () => {
    const res = await status("other.example.test:8765");
    assert.equal(res.status, 403);
    assert.match(res.body, /Host \\"other\.example\.test\\" refused/);
    assert.match(
      res.body,
      /--allowed-host \\"other\.example\.test\\" \(or SWARM_HTTP_ALLOWED_HOSTS\)/,
    );
  });

  it("answers 401 saying a bearer token is needed, in the body and WWW-Authenticate", async () => {
    const res = await status("127.0.0.1", false);
    assert.equal(res.status, 401);
    assert.match(res.body, /a bearer token is required.*--token or SWARM_HTTP_TOKEN/);
    const header = /www-authenticate: (.*)/i.exec(res.headers)?.[1] ?? "";
    assert.match(header, /^Bearer realm="swarm-mcp", error_description="[^"]*bearer token/);
    assert.ok(
      !res.body.includes(TOKEN) && !res.headers.includes(TOKEN),
      "the token is never echoed",
    );
  });

  it("bound to 0.0.0.0 with a token, accepts any Host a remote client sends", async () => {
    const wide = await start(["--host", "0.0.0.0", "--token", TOKEN]);
    try {
      for (const host of ["203.0.113.5:8765", "build-box.lan", "[2001:db8::1]:8765"]) {
        const res = await rawHttp(
          wide.port,
          post([`host: ${host}`, `authorization: Bearer ${TOKEN}`], init),
        );
        assert.equal(res.status, 200, `Host: ${host}: ${res.body}`);
      }
      const anonymous = await rawHttp(wide.port, post(["host: 203.0.113.5:8765"], init));
      assert.equal(anonymous.status, 401, "the token still guards it");
    } finally {
      wide.child.kill("SIGTERM");
    }
  });

  it("refuses an --allowed-host that is not a bare host name at start-up", async () => {
    const bad = await start(["--token", TOKEN, "--allowed-host", "http://x.test/"]);
    await until("the server exits", bad.exited, 5000);
    assert.match(
      bad.log(),
      /Cannot allow host "http:\/\/x\.test\/": give a host name or IP address/,
    );
  });
});
