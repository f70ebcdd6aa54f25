// Door 4 in the compiled binary: a plugin FILE declares the sandbox field `ticket` and a driver
// that reads it; loaded after the combinators, the field is still in run's tools/list, a bad value
// is INVALID_INPUT naming it, a good one reaches the driver. Every call refuses an unknown
// argument by name, at the top level too. tools/list of the default build stays under 24 KB.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type BinaryServer, binarySkip, startBinary } from "../helpers/binary.ts";
import { ROOT } from "../helpers/docker-env.ts";

const manifest = join(ROOT, "test", "fixtures", "fields-manifest.json");
const NO_ENGINE = { SWARM_RUNTIME: "echo", DOCKER_HOST: "unix:///nonexistent/docker.sock" };
const agent = { agent: "ticketed", prompt: "ignored", timeout: 30 };
const AGENT_TOOLS = ["run", "par", "map", "chain", "reduce", "map_reduce", "race", "retry"];
type Schema = { properties: Record<string, { type?: unknown; description?: string }> };

describe("fields door: a plugin file's sandbox field", { skip: binarySkip }, () => {
  let server: BinaryServer;
  before(async () => {
    server = await startBinary(NO_ENGINE, ["--manifest", manifest]);
  });
  after(() => server?.close());

  it("is published on run, the tool that describes every sandbox field", async () => {
    const { tools } = await server.client.listTools();
    const schema = (name: string) => tools.find((t) => t.name === name)!.inputSchema as Schema;
    assert.deepEqual(schema("run").properties.ticket, {
      type: "string",
      description: 'Issue ticket, e.g. "ABC-123"',
    });
    assert.equal(schema("unwrap").properties.ticket, undefined, "unwrap starts no agent");
  });

  it("a good value reaches the plugin's driver", async () => {
    const ref = await server.call("run", { ...agent, ticket: "ABC-123" });
    assert.equal(ref.status, "ok", JSON.stringify(ref));
    const out = await server.call("unwrap", { ref: ref.ref });
    assert.equal(await readFile(out.file, "utf8"), "echo runtime ran: ticket ABC-123\n");
    const inline = await server.call("run", { ...agent, sandbox: { ticket: "XY-9" } });
    const text = await readFile((await server.call("unwrap", { ref: inline.ref })).file, "utf8");
    assert.equal(text, "echo runtime ran: ticket XY-9\n", "through an inline sandbox too");
  });

  it("a bad value is INVALID_INPUT naming the field, at the top level, inline and in a task", async () => {
    for (const args of [{ ticket: "abc" }, { sandbox: { ticket: "ABC-1 --x" } }, { ticket: 5 }]) {
      const r = await server.call("run", { ...agent, ...args }, { allowError: true });
      assert.equal(r.isError, true, JSON.stringify(args));
      assert.equal(r.error?.code, "INVALID_INPUT", r.text);
      assert.match(r.text, /"ticket"|ticket:/, r.text);
    }
    const par = await server.call("par", {
      tasks: [{ prompt: "a", ticket: "nope" }, { prompt: "b", ticket: "OK-1" }],
      agent: "ticketed",
    });
    assert.equal(par.results[0].status, "failed");
    assert.match(par.results[0].error, /sandbox field "ticket": expected a ticket like/);
    assert.equal(par.results[1].status, "ok");
  });

  it("an unknown argument is refused by name, with the valid ones, before anything runs", async () => {
    const runs = async () => (await server.call("runs", { limit: 200 })).runs.length;
    const before = await runs();
    const r = await server.call("par", {
      tasks: [{ ...agent, prompt: "x" }],
      max_concurency: 2,
    }, { allowError: true });
    assert.equal(r.isError, true, "a typo is never silently dropped");
    assert.equal(r.error?.code, "INVALID_INPUT");
    assert.match(r.text, /Cannot call par with "max_concurency": there is no such argument/);
    assert.match(r.text, /valid arguments: .*max_concurrency/);
    assert.equal(await runs(), before, "no run was started");
    const t = await server.call("run", { ...agent, tiket: "ABC-1" }, { allowError: true });
    assert.match(t.text, /Cannot call run with "tiket".*valid arguments: .*ticket/);
    const u = await server.call("unwrap", { ref: "r/a", offset: 3 }, { allowError: true });
    assert.match(u.text, /Cannot call unwrap with "offset"/, "non-agent tools too");
  });
});

describe("tools/list of the default build", { skip: binarySkip }, () => {
  // Every client pays for tools/list in its context on every session. It was 24 KB for 24 tools
  // once the sandbox fields were described once (in run) instead of in every agent tool; tools
  // added since keep to that rate: 1.1 KB a tool on average, none but run over 2 KB.
  it("costs at most 1.1 KB a tool; run describes every sandbox field, the other agent tools point there", async () => {
    const server = await startBinary(NO_ENGINE);
    try {
      const listed = await server.client.listTools();
      const size = JSON.stringify(listed).length;
      const n = listed.tools.length;
      console.log(`tools/list: ${size} bytes (${n} tools, ${Math.round(size / n)} bytes a tool)`);
      assert.ok(size <= n * 1100, `tools/list is ${size} bytes for ${n} tools, over 1.1 KB a tool`);
      const big = listed.tools.filter((t) => t.name !== "run" && JSON.stringify(t).length > 2048);
      assert.deepEqual(big.map((t) => t.name), [], "tools over 2 KB in tools/list");
      const schema = (name: string) =>
        listed.tools.find((t) => t.name === name)!.inputSchema as Schema & {
          additionalProperties?: boolean;
        };
      const run = schema("run");
      for (const field of ["model", "tools", "mounts", "timeout", "command", "effort", "sandbox"]) {
        assert.ok(run.properties[field]?.description, `run describes "${field}"`);
      }
      assert.equal(run.additionalProperties, false, "run lists every argument it takes");
      for (const name of AGENT_TOOLS.slice(1)) {
        assert.match(schema(name).properties.sandbox!.description!, /run lists the fields/);
        // The fields are taken at the top level but not listed: the listing must not refuse them.
        assert.equal(schema(name).additionalProperties, undefined, name);
      }
    } finally {
      await server.close();
    }
  });
});
