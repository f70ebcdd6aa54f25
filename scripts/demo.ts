// `npm run demo`: make sure the Docker engine is there (installing and starting it where we may, as
// .ci/run does), build the binary and the agent image, then drive the binary over MCP like a client
// would: par of three agents, then reduce their refs.
// Real credentials (ANTHROPIC_API_KEY / CLAUDE_CODE_OAUTH_TOKEN) are used when set; otherwise the
// project's scripted model server runs in a container on an internal network, so the real claude
// CLI runs in real containers without an account.
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  AGENT_IMAGE,
  BASE_IMAGE,
  imageExists,
  ROOT,
  startModelEnv,
} from "../test/helpers/docker-env.ts";
import { ensureDocker, ensureImagesOffline } from "./ensure-docker.ts";

const bun = join(ROOT, "node_modules", ".bin", "bun");
const binary = join(ROOT, "dist", "swarm-mcp");
const say = (s: string) => process.stdout.write(s + "\n");
const step = (s: string) => process.stderr.write(`\n== ${s}\n`);
const sh = (cmd: string, args: string[]) =>
  spawnSync(cmd, args, { stdio: ["ignore", 2, 2], cwd: ROOT }).status === 0;

// The engine first: on a machine without one the user learns what to do before any build.
step("checking the Docker engine");
if (!(await ensureDocker("npm run demo"))) process.exit(1);

step("building dist/swarm-mcp");
if (!sh(bun, ["scripts/gen-registry.ts"]) || !sh(bun, ["scripts/build.ts"])) process.exit(1);

step(`making sure the agent image ${AGENT_IMAGE} exists`);
if (!(await imageExists(AGENT_IMAGE))) {
  // A normal machine pulls the default base (debian:bookworm-slim); one without an image registry
  // (like CI here) builds a base with debootstrap and trusts the host's CA bundle inside it.
  const pulled = !(await imageExists(BASE_IMAGE)) && sh(binary, ["build-image"]);
  if (!pulled && !ensureImagesOffline()) process.exit(1);
}

const real = Boolean(process.env.ANTHROPIC_API_KEY || process.env.CLAUDE_CODE_OAUTH_TOKEN);
const topics = ["TypeScript's type system", "Docker containers", "the Model Context Protocol"];
const env: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
let sandbox: Record<string, unknown> = { model: "haiku", tools: "Read", timeout: 300 };
let stop = async () => {};
let mark = (_name: string) => "";
if (!real) {
  step("no ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN: starting the scripted model server");
  const model = await startModelEnv();
  stop = model.stop;
  const answers = [
    "Structural types catch mistakes before the code runs.",
    "Each process gets its own filesystem, network and limits.",
    "One protocol lets any client use any tool server.",
  ];
  for (const [i, a] of answers.entries()) {
    await model.script(`demo-${i}`, {
      turns: [{ text: a, usage: { input_tokens: 1200, output_tokens: 40 } }],
    });
  }
  await model.script("demo-reduce", {
    turns: [{
      text: `Three strengths, one theme: isolation and contracts.\n- ${answers.join("\n- ")}`,
      usage: { input_tokens: 2000, output_tokens: 60 },
    }],
  });
  Object.assign(env, {
    ANTHROPIC_BASE_URL: model.baseUrl,
    ANTHROPIC_API_KEY: "sk-demo-scripted",
    SWARM_ALLOW_NETWORKS: model.network,
  });
  sandbox = { ...sandbox, model: "claude-haiku-4-5", network: model.network };
  mark = (name) => `[[script:${name}]] `;
}

try {
  step(`starting ${binary} over stdio (${real ? "real model" : "scripted model"})`);
  const client = new Client({ name: "swarm-demo", version: "0" });
  await client.connect(new StdioClientTransport({ command: binary, env, stderr: "inherit" }));
  // wait_s only where the tool takes it (par, reduce): unwrap refuses an argument it does not know.
  const call = async (name: string, args: Record<string, unknown>) => {
    const res = await client.callTool({ name, arguments: args }, undefined, { timeout: 900_000 });
    if (res.isError) throw new Error(`${name}: ${(res.content as { text: string }[])[0]?.text}`);
    return res.structuredContent as any;
  };
  const text = async (ref: string) => readFile((await call("unwrap", { ref })).file, "utf8");

  step("par: three agents, each in its own container");
  const par = await call("par", {
    ...sandbox,
    wait_s: 600,
    tasks: topics.map((t, i) => ({
      prompt: `${mark(`demo-${i}`)}In one sentence, name the main strength of ${t}.`,
    })),
  });
  for (const r of par.results) {
    say(`ref ${r.ref}  ${r.status}  $${(r.cost_usd ?? 0).toFixed(4)}  ${r.duration_seconds}s`);
    say(`   ${(await text(r.ref)).trim()}`);
  }
  step("reduce: one agent synthesises the three refs");
  const red = await call("reduce", {
    ...sandbox,
    wait_s: 600,
    inputs: par.results.map((r: { ref: string }) => ({ ref: r.ref })),
    synthesis_prompt: `${mark("demo-reduce")}Combine these into one short paragraph.`,
  });
  say(`ref ${red.result.ref}  parents ${red.result.parents.join(", ")}`);
  say((await text(red.result.ref)).trim());
  const cost = par.totals.cost_usd + red.totals.cost_usd;
  say(
    `\ntotal: ${par.total + 1} agents, $${cost.toFixed(4)}${
      real ? "" : " (scripted model: the CLI's own cost arithmetic on scripted token counts)"
    }`,
  );
  await client.close();
} finally {
  await stop();
}
