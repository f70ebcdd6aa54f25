// Encryption and classification end to end: the compiled binary, real containers, the real claude
// CLI against the scripted model server. The model writes a marker; after encrypt no byte of it is
// left under the data dir; a classified output is reduced by an allowed agent and refused, before
// any container starts, for one with a denied MCP server.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BinaryServer, binarySkip, startBinary } from "../helpers/binary.ts";
import {
  agentImage,
  dockerSkip,
  type ModelEnv,
  ownedContainers,
  startModelEnv,
} from "../helpers/docker-env.ts";
import { filesHolding } from "../plugins/security/scan.ts";

const skip = binarySkip || (await dockerSkip());
const MARKER = "OCELOT-PARSNIP-4419";

describe("security on real claude agents", { skip }, () => {
  let model: ModelEnv;
  let server: BinaryServer;
  let home: string;
  let base: Record<string, unknown>;
  const say = (name: string, text: string) => model.script(name, { turns: [{ text }] });

  before(async () => {
    await agentImage();
    model = await startModelEnv();
    // The host's MCP servers as ~/.claude.json lists them: the refused agent asks for "slack".
    home = await mkdtemp(join(tmpdir(), "swarm-e2e-home-"));
    const mcpServers = { slack: { type: "stdio", command: "/bin/false", args: [] } };
    await writeFile(join(home, ".claude.json"), JSON.stringify({ mcpServers }));
    server = await startBinary({
      HOME: home,
      ANTHROPIC_BASE_URL: model.baseUrl,
      ANTHROPIC_API_KEY: "sk-test-not-a-real-key",
    });
    base = { network: model.network, model: "claude-sonnet-4-5", tools: "Read" };
  });
  after(async () => {
    await server?.close();
    await model?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it("encrypt leaves no byte of the model's output under the data dir, decrypt restores it", async () => {
    await say("secret", `${MARKER} in the output`);
    await say("after", "a summary");
    const c = await server.call("chain", {
      ...base,
      stages: [{ prompt: "[[script:secret]] produce" }, { prompt: "[[script:after]] summarise" }],
    });
    const ref = c.intermediates[0].ref;
    const held = await filesHolding(server.dataDir, MARKER);
    assert.ok(held.some((f) => f.endsWith("stream.jsonl")), `no plaintext in the stream: ${held}`);
    assert.ok(held.some((f) => f.endsWith("stage-1/prompt.txt")), `no downstream prompt: ${held}`);
    const e = await server.call("encrypt", { ref });
    assert.deepEqual(await filesHolding(server.dataDir, MARKER), []);
    const d = await server.call("decrypt", { ref, key_id: e.key_id });
    assert.equal(await readFile(d.file, "utf8"), `${MARKER} in the output`);
  });

  it("a classified output is reduced by an allowed agent and refused for a denied one", async () => {
    await say("data", "quarterly figures");
    const r = await server.call("run", { ...base, prompt: "[[script:data]] report" });
    await server.call("classify", { ref: r.ref, level: "confidential", denied_mcps: ["slack"] });
    await say("sum", "the figures, summarised");
    const ok = await server.call("reduce", {
      ...base,
      inputs: [{ ref: r.ref }],
      synthesis_prompt: "[[script:sum]] merge",
    });
    assert.equal(ok.result.status, "ok");
    assert.equal(ok.result.stamps.classification.level, "confidential");
    const asked = (await model.requests()).length;
    assert.ok(asked > 0, "the model server logs no requests: the check below would prove nothing");
    const refused = await server.call("reduce", {
      ...base,
      mcps: ["slack"],
      inputs: [{ ref: r.ref }],
      synthesis_prompt: "[[script:sum]] merge",
    }, { allowError: true });
    assert.equal(refused.isError, true);
    assert.equal(refused.error?.code ?? refused.code, "FORBIDDEN", refused.text);
    assert.match(refused.text, /classified "confidential" and MCP server "slack" is denied/);
    assert.equal((await model.requests()).length, asked, "the refused reducer reached the model");
    // The error names the run the refused reducer would have joined: no container carries it.
    const runId = refused.error?.run_id;
    assert.match(String(runId), /^[0-9a-f]{12}$/, refused.text);
    assert.deepEqual(await ownedContainers({ "swarm-mcp.run": runId }), []);
  });
});
