// Hostile sandbox fields: every input below must be refused with INVALID_INPUT (or FORBIDDEN /
// TOO_LARGE where that is the reason) naming the field, whichever way it arrives: as a tool
// argument, inside an inline sandbox object, or inside an inline sandbox JSON string. Then the
// spawn boundary: what spawn hands the runtime (capabilities, pids, memory, user, network), and
// the checks that must hold before an agent dir or a container exists.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkNetwork, dockerNetwork } from "../../src/plugins/docker/policy.ts";
import { isToolError } from "../../src/core/errors.ts";
import { fromRuntime } from "../helpers/tool-error.ts";
import { createSandboxes } from "../../src/core/sandbox.ts";
import type { SandboxSpec } from "../../src/core/types.ts";
import { claudeArgs } from "../../src/plugins/claude-code/index.ts";
import { builtinFields } from "../helpers/fields.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

type Case = [category: string, field: string, layer: Record<string, unknown>, codes?: string[]];
const long = (n: number) => "x".repeat(n);

const CASES: Case[] = [
  // Wrong JSON types: once surfaced as INTERNAL, or silently dropped (max_budget as a word).
  ["type", "workdir", { workdir: 123 }],
  ["type", "workdir", { workdir: ["/w"] }],
  ["type", "model", { model: 5 }],
  ["type", "model", { model: true }],
  ["type", "tools", { tools: 7 }],
  ["type", "tools", { tools: [1, 2] }],
  ["type", "tools", { tools: { Read: true } }],
  ["type", "mounts", { mounts: 5 }],
  ["type", "network", { network: 5 }],
  ["type", "network", { network: [] }],
  ["type", "network", { network: { name: "x" } }],
  ["type", "gpu", { gpu: "yes" }],
  ["type", "gpu", { gpu: 1 }],
  ["type", "timeout", { timeout: {} }],
  ["type", "timeout", { timeout: [] }],
  ["type", "effort", { effort: 3 }],
  ["type", "agent", { agent: {} }],
  ["type", "image", { image: 5 }],
  ["type", "claude_md", { claude_md: 5 }],
  ["type", "system_prompt", { system_prompt: [] }],
  ["type", "input_type", { input_type: 1 }],
  ["type", "output_type", { output_type: {} }],
  ["type", "output_schema", { output_schema: 5 }],
  ["type", "output_schema", { output_schema: "[1]" }],
  ["type", "command", { command: 5 }],
  ["type", "command", { command: [1] }],
  ["type", "env_vars", { env_vars: [] }],
  ["type", "env_vars", { env_vars: { A: 1 } }],
  ["type", "env_vars", { env_vars: { A: false } }],
  ["type", "input_files", { input_files: { "a.txt": 1 } }],
  ["type", "input_files", { input_files: [] }],
  ["type", "memory", { memory: 1073741824 }],
  ["type", "resources", { resources: [3] }],
  ["type", "mcps", { mcps: [{}] }],
  // Numbers: words, negatives, hex, non-finite and out-of-range values.
  ["number", "timeout", { timeout: "ten" }],
  ["number", "timeout", { timeout: "" }],
  ["number", "timeout", { timeout: "-5" }],
  ["number", "timeout", { timeout: "0x10" }],
  ["number", "timeout", { timeout: "1e400" }],
  ["number", "timeout", { timeout: "NaN" }],
  ["number", "timeout", { timeout: "Infinity" }],
  ["number", "timeout", { timeout: 0 }],
  ["number", "timeout", { timeout: 1e9 }],
  ["number", "cpus", { cpus: "two" }],
  ["number", "cpus", { cpus: "-1" }],
  ["number", "cpus", { cpus: 0 }],
  ["number", "cpus", { cpus: 1e9 }],
  ["number", "max_budget", { max_budget: "free" }],
  ["number", "max_budget", { max_budget: "-1" }],
  ["number", "max_budget", { max_budget: -0.5 }],
  ["number", "max_budget", { max_budget: [] }],
  ["number", "max_budget", { max_budget: {} }],
  ["number", "max_budget", { max_budget: "1,000" }],
  ["number", "max_budget", { max_budget: 1e12 }],
  ["memory", "memory", { memory: "lots" }],
  ["memory", "memory", { memory: "1" }],
  ["memory", "memory", { memory: "-1g" }],
  ["memory", "memory", { memory: "1.5.5g" }],
  ["memory", "memory", { memory: "--memory=0" }],
  ["memory", "memory", { memory: "2g\n" }],
  // Tool names reach `claude --tools`, which splits on commas and spaces.
  ["tools", "tools", { tools: ["Read --allowedTools Write"] }],
  ["tools", "tools", { tools: ["--dangerously-skip-permissions"] }],
  ["tools", "tools", { tools: ["Read Write"] }],
  ["tools", "tools", { tools: ["Bash(rm -rf /)"] }],
  ["tools", "tools", { tools: ["-Read"] }],
  ["tools", "tools", { tools: ["Read\nWrite"] }],
  ["tools", "tools", { tools: ["Read\0"] }],
  ["tools", "tools", { tools: ["mcp__"] }],
  ["tools", "tools", { tools: ["Wr!te"] }],
  ["tools", "tools", { tools: ["Write;"] }],
  ["tools", "tools", { tools: ["Read", ""] }],
  ["tools", "tools", { tools: [long(100)] }],
  ["tools", "tools", { tools: ["Bäsh"] }],
  ["tools", "tools", { tools: ["${HOME}"] }],
  ["tools", "tools", { tools: Array.from({ length: 300 }, (_, i) => `T${i}`) }],
  ["tools", "tools", { tools: "Read,--tools=Write" }],
  // Grammars of what reaches argv: model, effort, driver, image.
  ["model", "model", { model: "--model" }],
  ["model", "model", { model: "-x" }],
  ["model", "model", { model: "sonnet opus" }],
  ["model", "model", { model: "sonnet\n--tools Write" }],
  ["model", "model", { model: "son\0net" }],
  ["model", "model", { model: long(300) }],
  ["model", "model", { model: "" }],
  ["model", "model", { model: " sonnet" }],
  ["effort", "effort", { effort: "--max" }],
  ["effort", "effort", { effort: "high\n" }],
  ["effort", "effort", { effort: "a b" }],
  ["effort", "effort", { effort: long(20) }],
  ["agent", "agent", { agent: "-claude" }],
  ["agent", "agent", { agent: "claude code" }],
  ["agent", "agent", { agent: "../command" }],
  ["agent", "agent", { agent: "" }],
  ["image", "image", { image: "--privileged" }],
  ["image", "image", { image: "img name" }],
  ["image", "image", { image: "img\n" }],
  ["image", "image", { image: "" }],
  ["argv", "system_prompt", { system_prompt: "a\0b" }],
  ["argv", "system_prompt", { system_prompt: long(100_001) }, ["TOO_LARGE"]],
  ["argv", "command", { command: ["sh", "-c", "a\0b"] }],
  ["argv", "mcps", { mcps: ["--mcp-config=/etc/x"] }],
  ["argv", "resources", { resources: ["a b"] }],
  // Environment variables: names and values.
  ["env", "A=B", { env_vars: { "A=B": "x" } }],
  ["env", "1A", { env_vars: { "1A": "x" } }],
  ["env", "environment variable", { env_vars: { "": "x" } }],
  ["env", "A B", { env_vars: { "A B": "x" } }],
  ["env", "environment variable", { env_vars: { "A\0": "x" } }],
  ["env", "LD-PRELOAD", { env_vars: { "LD-PRELOAD": "x" } }],
  ["env", "environment variable", { env_vars: { [long(200)]: "x" } }],
  ["env", "env_vars.A", { env_vars: { A: "a\0b" } }],
  ["env", "env_vars.A", { env_vars: { A: long(100_001) } }],
  // input_files keys.
  ["input_files", "input_files", { input_files: { "../x": "a" } }],
  ["input_files", "input_files", { input_files: { "a/../../x": "a" } }],
  ["input_files", "input_files", { input_files: { "": "a" } }],
  ["input_files", "input_files", { input_files: { "a\0b": "a" } }],
  ["input_files", "input_files", { input_files: { " ": "a" } }],
  ["input_files", "input_files", { input_files: { [long(5000)]: "a" } }],
  // Reserved container paths as the workdir (issue 18 item 13).
  ...[
    "/home/agent",
    "/home/agent/x",
    "/output",
    "/output/a",
    "/opt/swarm",
    "/opt/swarm/hooks",
    "/run/swarm-io",
    "/run/swarm-io/x",
    "relative",
    "/a/../home/agent",
    "",
    "/workspace/../output",
  ]
    .map((w): Case => ["workdir", "workdir", { workdir: w }]),
  // Keys that are no sandbox field, in an inline object (the reference silently ignored them).
  ["unknown key", "privileged", { privileged: true }],
  ["unknown key", "cap_add", { cap_add: ["SYS_ADMIN"] }],
  ["unknown key", "Tools", { Tools: "Write" }],
  ["unknown key", "network_mode", { network_mode: "host" }],
  ["unknown key", "user", { user: "0" }],
  ["unknown key", "devices", { devices: ["/dev/sda"] }],
  ["unknown key", "sandbox", { sandbox: "other" }],
  ["unknown key", "__proto__", JSON.parse('{"__proto__": {"polluted": 1}}')],
  // Network names (grammar here; host and foreign networks are FORBIDDEN at spawn, below).
  ["network", "network", { network: "bad name" }],
  ["network", "network", { network: "--privileged" }],
  ["network", "network", { network: "container:abc" }],
  ["network", "network", { network: "a/b" }],
  ["network", "network", { network: long(200) }],
  ["network", "network", { network: "-net" }],
  ["network", "network", { network: "net\n" }],
  ["network", "network", { network: "" }],
];

const isRefusal = (codes: string[], field: string) => (thrown: unknown) => {
  const e = fromRuntime(thrown);
  assert.ok(isToolError(e), `a ToolError, not ${e}`);
  assert.ok(codes.includes(e.code), `code ${e.code} in ${codes}: ${e.message}`);
  assert.ok(
    e.message.includes(field),
    `the message names ${JSON.stringify(field)}: ${e.message.slice(0, 300)}`,
  );
  return true;
};

describe("hostile sandbox fields", () => {
  const s = createSandboxes({ fields: builtinFields() });
  const seen = new Set<string>();
  for (const [category, field, layer, codes = ["INVALID_INPUT"]] of CASES) {
    const label = JSON.stringify(layer).slice(0, 80);
    assert.ok(!seen.has(label), `duplicate case ${label}`);
    seen.add(label);
    it(`hostile ${category}: ${label}`, async () => {
      await assert.rejects(s.resolve(undefined, layer), isRefusal(codes, field), "as arguments");
      await assert.rejects(s.resolve(layer), isRefusal(codes, field), "as an inline object");
      await assert.rejects(
        s.resolve(JSON.stringify(layer)),
        isRefusal(codes, field),
        "as an inline JSON string",
      );
    });
  }

  it("hostile huge: an inline sandbox string over 1 MiB", async () => {
    await assert.rejects(
      s.resolve(`{"model":"${long(1024 * 1024 + 10)}"}`),
      isRefusal(["TOO_LARGE"], "sandbox"),
    );
  });

  it("hostile saved file: wrongly typed fields in a saved spec are INVALID_INPUT naming the field; unknown keys are ignored", async () => {
    const home = await mkdtemp(join(tmpdir(), "home-"));
    const dir = join(home, ".claude", "sandboxes");
    await mkdir(dir, { recursive: true });
    const saved = createSandboxes({ home, fields: builtinFields() });
    for (
      const [name, spec, field] of [
        ["a", { workdir: 123 }, "workdir"],
        ["b", { max_budget: "lots" }, "max_budget"],
        ["c", { tools: ["Read --allowedTools Write"] }, "tools"],
        ["d", [1, 2], "sandbox"],
      ] as const
    ) {
      await writeFile(join(dir, `${name}.json`), JSON.stringify(spec));
      await assert.rejects(saved.resolve(name), isRefusal(["INVALID_INPUT"], field), name);
    }
    await writeFile(
      join(dir, "old.json"),
      JSON.stringify({ model: "opus", reference_only_key: 1 }),
    );
    assert.equal((await saved.resolve("old")).model, "opus");
  });

  it("numeric and boolean strings are applied, never dropped", async () => {
    const spec = await s.resolve({
      max_budget: "0.00000001",
      cpus: "1.5",
      timeout: "60",
      gpu: "true",
      network: "false",
    });
    assert.equal(spec.max_budget, 1e-8);
    assert.equal(spec.cpus, 1.5);
    assert.equal(spec.timeout, 60);
    assert.equal(spec.gpu, true);
    assert.equal(spec.network, false);
    const args = claudeArgs({
      run_id: "r",
      agent_id: "a",
      prompt: "p",
      spec,
      paths: {} as never,
    });
    assert.equal(
      args[args.indexOf("--max-budget-usd") + 1],
      "0.000001",
      "the tiny budget reaches the CLI as its smallest cap",
    );
    assert.deepEqual(
      (await s.resolve(undefined, { tools: ["Read", "mcp__my-server__search", "Bash"] })).tools,
      ["Read", "mcp__my-server__search", "Bash"],
    );
  });
});

describe("hostile sandbox argument over MCP", () => {
  let h: Harness;
  after(() => h?.dispose());
  const ARRAY = /Invalid type: an array is not accepted here/;
  // A valibot record takes an array: [] became {} and the call ran without the field at all.
  const cases: [field: string, value: unknown, reason: RegExp][] = [
    ["sandbox", [], ARRAY],
    ["sandbox", ["fast"], ARRAY],
    ["sandbox", [{ model: "opus" }], ARRAY],
    ["sandbox", [[]], ARRAY],
    ["sandbox", 0, /expected a saved spec name or a spec object/],
    ["sandbox", true, /expected a saved spec name or a spec object/],
    ["env_vars", [], ARRAY],
    ["env_vars", ["A=1"], ARRAY],
    ["input_files", [], ARRAY],
    ["input_files", [{ "a.txt": "x" }], ARRAY],
    ["output_schema", [], ARRAY],
    ["output_schema", [{ type: "object" }], ARRAY],
  ];
  for (const [field, value, reason] of cases) {
    it(`hostile ${field}: ${JSON.stringify(value)} is INVALID_INPUT naming it, and starts nothing`, async () => {
      h ??= await createHarness();
      const started = h.runtime.calls.length;
      for (
        const [tool, args] of [
          ["run", { prompt: "p" }],
          ["par", { tasks: [{ prompt: "p" }] }],
          ["map", { prompt_template: "p {input}", inputs: ["a"] }],
        ] as const
      ) {
        const r = await h.call(tool, { ...args, [field]: value });
        assert.equal(r.isError, true, `${tool} ran: ${r.text.slice(0, 200)}`);
        assert.equal(r.data.code, "INVALID_INPUT", r.text);
        assert.match(r.text, new RegExp(`${field}: ${reason.source}`), tool);
      }
      assert.equal(h.runtime.calls.length, started, "no agent started");
    });
  }
  // Tool arguments that are objects: [] became {} too (a schema that accepts everything, an empty
  // saved spec, an empty pipeline, a validator without its sandbox).
  const toolArgs: [tool: string, args: Record<string, unknown>, field: string][] = [
    ["check_schema", { schema: [], value: 1 }, "schema"],
    ["check_schema", { schema: [{ type: "string" }], value: 1 }, "schema"],
    ["save_sandbox_spec", { name: "empty", spec: [] }, "spec"],
    ["pipeline", { definition: [] }, "definition"],
    ["validate", { artifact: "t", declared_type: "x", sandbox: [] }, "sandbox"],
    ["unwrap", { ref: [] }, "ref"],
  ];
  for (const [tool, args, field] of toolArgs) {
    it(`hostile ${tool} ${field}: ${JSON.stringify(args[field])} is INVALID_INPUT naming it`, async () => {
      h ??= await createHarness();
      const r = await h.call(tool, args);
      assert.equal(r.isError, true, `${tool} accepted it: ${r.text.slice(0, 200)}`);
      assert.equal(r.data.code, "INVALID_INPUT", r.text);
      assert.match(r.text, new RegExp(`${field}: ${ARRAY.source}`));
    });
  }
});

describe("hostile network: host and foreign networks", () => {
  for (const value of [undefined, "0", "false", "no", "", "yes", "true", "on", "1 "]) {
    it(`hostile network: host with SWARM_ALLOW_HOST_NETWORK=${JSON.stringify(value)}`, () => {
      assert.throws(
        () => dockerNetwork("host", { SWARM_ALLOW_HOST_NETWORK: value }),
        isRefusal(["FORBIDDEN"], "SWARM_ALLOW_HOST_NETWORK"),
      );
    });
  }
  const labels = (name: string) =>
    Promise.resolve<Record<string, string> | null>(
      name === "ours"
        ? { "swarm-mcp.network": "1" }
        : name === "missing"
        ? null
        : { "com.example.project": "other" },
    );
  for (
    const [name, allow] of [
      ["other-project", undefined],
      ["other-project", "other"],
      ["other-project", "other-project-*"],
      ["bridge", ""],
      ["default", "x*,y"],
    ] as const
  ) {
    it(`hostile network: ${name} with SWARM_ALLOW_NETWORKS=${JSON.stringify(allow)}`, async () => {
      await assert.rejects(
        checkNetwork(name, { SWARM_ALLOW_NETWORKS: allow }, labels),
        isRefusal(["FORBIDDEN"], "SWARM_ALLOW_NETWORKS"),
      );
    });
  }
  it("labelled, listed and prefixed networks pass; a missing one says how to create it", async () => {
    await checkNetwork("ours", {}, labels);
    await checkNetwork("other-project", { SWARM_ALLOW_NETWORKS: "a, other-project" }, labels);
    await checkNetwork("other-project", { SWARM_ALLOW_NETWORKS: "other-*" }, labels);
    await assert.rejects(
      checkNetwork("missing", {}, labels),
      isRefusal(["INVALID_INPUT"], "docker network create"),
    );
  });
});

describe("spawn boundary: what the runtime is handed", () => {
  const harnesses: Harness[] = [];
  const harness = async (env: Record<string, string> = {}) => {
    const h = await createHarness({ env });
    harnesses.push(h);
    return h;
  };
  after(async () => {
    for (const h of harnesses) await h.dispose();
  });
  const root = process.getuid?.() === 0;
  const cmd = { agent: "command", command: ["true"], prompt: "go" };

  it("drops every capability, limits pids and memory, never runs as root, uses the agents' own network", async () => {
    const h = await harness();
    const r = await h.call("run", cmd);
    assert.equal(r.isError, false, r.text);
    const o = h.runtime.calls[0]!.opts;
    assert.deepEqual(o.capDrop, ["ALL"]);
    assert.equal(o.pidsLimit, 512);
    assert.equal(o.memoryBytes, 4 * 1024 ** 3);
    assert.equal(o.user, root ? "10001:10001" : `${process.getuid!()}:${process.getgid!()}`);
    assert.equal(o.env.IS_SANDBOX, undefined);
    assert.equal(o.network, "swarm-mcp-agents");
    assert.deepEqual(h.runtime.networks.get("swarm-mcp-agents"), { "swarm-mcp.network": "1" });
  });

  it("the operator's SWARM_PIDS_LIMIT, SWARM_DEFAULT_MEMORY and SWARM_AGENT_UID apply; a sandbox's memory wins", async () => {
    const h = await harness({
      SWARM_PIDS_LIMIT: "99",
      SWARM_DEFAULT_MEMORY: "1g",
      SWARM_AGENT_UID: "12345",
    });
    await h.call("run", cmd);
    await h.call("run", { ...cmd, memory: "512m" });
    const [a, b] = h.runtime.calls.map((c) => c.opts);
    assert.equal(a!.pidsLimit, 99);
    assert.equal(a!.memoryBytes, 1024 ** 3);
    assert.equal(b!.memoryBytes, 512 * 1024 ** 2);
    if (root) assert.equal(a!.user, "12345:12345");
  });

  it("a default network of that name that swarm-mcp did not create is refused", async () => {
    const h = await harness();
    h.runtime.networks.set("swarm-mcp-agents", { "com.example": "squatter" });
    const r = await h.call("run", cmd);
    assert.equal(r.isError || r.data?.status === "failed", true);
    assert.match(r.text, /swarm-mcp did not create/);
    assert.equal(h.runtime.started, 0);
  });

  it("a named network must be labelled or listed; nothing starts otherwise", async () => {
    const h = await harness({ SWARM_ALLOW_NETWORKS: "team-*" });
    h.runtime.networks.set("foreign", {});
    h.runtime.networks.set("ours", { "swarm-mcp.network": "1" });
    const refused = await h.call("run", { ...cmd, network: "foreign" });
    assert.equal(refused.isError, true);
    assert.equal(refused.data.code, "FORBIDDEN");
    assert.match(refused.text, /SWARM_ALLOW_NETWORKS/);
    assert.equal(h.runtime.started, 0);
    for (const network of ["ours", "team-a"]) {
      assert.equal((await h.call("run", { ...cmd, network })).isError, false, network);
    }
    assert.deepEqual(h.runtime.calls.map((c) => c.opts.network), ["ours", "team-a"]);
  });

  for (const value of ["", "0", "false", "no"]) {
    it(`hostile network: run with network "host" and SWARM_ALLOW_HOST_NETWORK=${JSON.stringify(value)} starts nothing`, async () => {
      const h = await harness({ SWARM_ALLOW_HOST_NETWORK: value });
      const r = await h.call("run", { ...cmd, network: "host" });
      assert.equal(r.data.code, "FORBIDDEN");
      assert.equal(h.runtime.started, 0);
    });
  }

  it("network host runs only with SWARM_ALLOW_HOST_NETWORK=1", async () => {
    const h = await harness({ SWARM_ALLOW_HOST_NETWORK: "1" });
    assert.equal((await h.call("run", { ...cmd, network: "host" })).isError, false);
    assert.equal(h.runtime.calls[0]!.opts.network, "host");
  });

  // Issue 18 item 13: spawn itself checks (a spec may be built without resolve), before any agent dir.
  const direct: [string, Partial<SandboxSpec>, RegExp][] = [
    ["a reserved workdir", { workdir: "/home/agent/w" }, /workdir/],
    ["a workdir under /run/swarm-io", { workdir: "/run/swarm-io" }, /workdir/],
    ["an environment variable name with =", { env_vars: { "A=B": "x" } }, /environment variable/],
    [
      "an environment variable name with a space",
      { env_vars: { "A B": "x" } },
      /environment variable/,
    ],
    [
      "an absolute input file climbing out of the workdir",
      { input_files: { "/etc/cron.d/../../../x": "x" } },
      /input file/,
    ],
    ["an image reference that is a flag", { image: "--privileged" }, /image/],
    ["an image reference with a query", { image: "alpine?fromImage=evil" }, /image/],
  ];
  for (const [what, fields, message] of direct) {
    it(`hostile spawn: ${what} is refused before the agent dir or a container exists`, async () => {
      const h = await harness();
      const run_id = h.core.refs.newRunId();
      const spec = {
        ...await h.core.sandboxes.resolve(undefined),
        agent: "command",
        command: ["true"],
        ...fields,
      } as SandboxSpec;
      await assert.rejects(
        h.core.spawn(spec, "go", {
          run_id,
          agent_id: "agent-0",
          signal: new AbortController().signal,
        }),
        (e) => isToolError(e) && e.code === "INVALID_INPUT" && message.test(e.message),
      );
      assert.equal(existsSync(h.core.refs.runDir(run_id)), false, "no agent dir");
      assert.equal(h.runtime.started, 0);
    });
  }
});
