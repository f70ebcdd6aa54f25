// Loopback URLs from the host (an MCP server's url, ANTHROPIC_BASE_URL) as an agent reaches them:
// rewritten to the host's address on the agent's network when something answers there, refused
// before the agent starts otherwise. The runtime's hostAddress is a stub here (127.0.0.2 plays the
// gateway: on Linux the whole of 127/8 is this host); test/e2e/mcp-access.test.ts uses Docker's.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as v from "valibot";
import { fail, isToolError } from "../../../src/core/errors.ts";
import type { Core, SpawnJob } from "../../../src/core/types.ts";
import { baseUrlHooks, hostUrl, isLoopback } from "../../../src/plugins/mcp-access/loopback.ts";
import { spec } from "../command/fake-core.ts";

const GATEWAY = "127.0.0.2";

function stubCore(env: Record<string, string> = {}, gateway: string | null = GATEWAY): Core {
  return {
    v,
    fail,
    isToolError,
    config: { env },
    runtime: () => Promise.resolve({ hostAddress: () => Promise.resolve(gateway) }),
  } as unknown as Core;
}

const listen = (host: string) =>
  new Promise<Server>((resolve) => {
    const s = createServer((_, res) => res.end("ok"));
    s.listen(0, host, () => resolve(s));
  });
const portOf = (s: Server) => (s.address() as AddressInfo).port;

const code = (p: Promise<unknown>) => p.then(() => "resolved", (e) => e.code ?? String(e));

describe("loopback URLs for agents", () => {
  let onGateway: Server;
  let loopbackOnly: Server;
  before(async () => {
    onGateway = await listen(GATEWAY);
    loopbackOnly = await listen("127.0.0.1");
  });
  after(() => {
    onGateway.close();
    loopbackOnly.close();
  });
  const o = { cannot: 'Cannot give the agent MCP server "x"', allowed: true, allowHow: "allow" };

  it("recognises loopback hosts only", () => {
    for (
      const u of [
        "http://localhost:1/",
        "http://127.0.0.1",
        "https://127.9.9.9:8/x",
        "http://[::1]:3/",
      ]
    ) {
      assert.ok(isLoopback(u), u);
    }
    for (
      const u of ["http://model:8080", "http://10.0.0.1/", "https://api.anthropic.com", "nonsense"]
    ) {
      assert.ok(!isLoopback(u), u);
    }
  });

  it("a loopback URL with something answering on the gateway is rewritten, path and query kept", async () => {
    const p = portOf(onGateway);
    const core = stubCore();
    assert.equal(
      await hostUrl(core, true, `http://localhost:${p}/mcp?x=1`, o),
      `http://${GATEWAY}:${p}/mcp?x=1`,
    );
    assert.equal(await hostUrl(core, true, `http://127.0.0.1:${p}`, o), `http://${GATEWAY}:${p}`);
    assert.equal(await hostUrl(core, true, "http://model:8080", o), "http://model:8080");
    // On the host's own network, loopback is the host: nothing to change.
    assert.equal(
      await hostUrl(stubCore({}, "127.0.0.1"), "host", "http://127.0.0.1:9/x", o),
      "http://127.0.0.1:9/x",
    );
  });

  it("refuses: not allowed, no network, nothing answering on the gateway", async () => {
    const p = portOf(onGateway);
    const core = stubCore();
    const url = `http://127.0.0.1:${p}/mcp`;
    assert.equal(await code(hostUrl(core, true, url, { ...o, allowed: false })), "FORBIDDEN");
    await assert.rejects(
      hostUrl(core, true, url, { ...o, allowed: false, allowHow: "set X=1" }),
      /MCP server "x": http:\/\/127\.0\.0\.1:\d+ is this host's loopback, which a container cannot reach; set X=1/,
    );
    assert.equal(await code(hostUrl(stubCore({}, null), false, url, o)), "INVALID_INPUT");
    // The runtime refusing the network (a plain runtime error) is a tool error naming the URL's use.
    const refusing = {
      ...core,
      runtime: () =>
        Promise.resolve({
          hostAddress: () => Promise.reject(new Error('Cannot use network "host"')),
        }),
    } as unknown as Core;
    await assert.rejects(
      hostUrl(refusing, "host", url, o),
      (e: Error & { code?: string }) =>
        e.code === "INVALID_INPUT" && /MCP server "x": Cannot use network "host"/.test(e.message),
    );
    // A server bound to 127.0.0.1 only is out of the containers' reach: said, not retried for minutes.
    await assert.rejects(
      hostUrl(core, true, `http://localhost:${portOf(loopbackOnly)}/`, o),
      new RegExp(`nothing answers at ${GATEWAY.replaceAll(".", "\\.")}:${portOf(loopbackOnly)}`),
    );
  });

  it("ANTHROPIC_BASE_URL: the caller's or the server's, rewritten in env, or the agent is refused", async () => {
    const job = (over = {}) => ({ spec: spec(over) }) as unknown as SpawnJob & { paths: never };
    const p = portOf(onGateway);
    const hooks = baseUrlHooks(stubCore({ ANTHROPIC_BASE_URL: `http://127.0.0.1:${p}` }));
    await hooks.check(job());
    assert.deepEqual(await hooks.prepare(job()), {
      env: { ANTHROPIC_BASE_URL: `http://${GATEWAY}:${p}` },
    });
    // A caller's non-loopback URL is left alone (and wins over the server's).
    const own = job({ env_vars: { ANTHROPIC_BASE_URL: "http://model:8080" } });
    assert.equal(await hooks.prepare(own), undefined);
    assert.equal(
      await baseUrlHooks(stubCore({ ANTHROPIC_BASE_URL: "http://model:8080" })).prepare(job()),
      undefined,
    );
    const dead = baseUrlHooks(
      stubCore({ ANTHROPIC_BASE_URL: `http://127.0.0.1:${portOf(loopbackOnly)}` }),
    );
    await assert.rejects(
      Promise.resolve(dead.check(job())),
      /Cannot start the agent with ANTHROPIC_BASE_URL: http:\/\/127\.0\.0\.1:\d+ is this host's loopback, and nothing answers/,
    );
  });
});
