// Spawn's hooks on the fake runtime: plugins' check/prepare/finish run in manifest order around the
// driver and the container; a throwing finish fails the ref, not the run; and every check (the
// core's, a driver's, a plugin's) refuses before the agent waits for a slot.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import type { Core, Plugin, SpawnHooks } from "../../../src/core/types.ts";

/** A plugin whose hooks log what they see into `seen` and do what `make` adds. */
function recorder(name: string, seen: string[], make: (core: Core) => SpawnHooks = () => ({})) {
  return (core: Core): Plugin => {
    const extra = make(core);
    return {
      name,
      stamps: [`${name}_mark`],
      hooks: {
        check: (job) => (seen.push(`${name}.check ${job.tool}`), extra.check?.(job)),
        prepare: (job) => (seen.push(`${name}.prepare`), extra.prepare?.(job)),
        finish: (job, ref) => (seen.push(`${name}.finish ${ref.status}`), extra.finish?.(job, ref)),
      },
    };
  };
}

/** Every agent dir under the data dir (runs hold agent-* dirs next to their run record). */
async function agentDirs(h: Harness): Promise<string[]> {
  const data = join(h.dataDir, "data");
  const out: string[] = [];
  for (const run of await readdir(data).catch(() => [] as string[])) {
    const names = await readdir(join(data, run)).catch(() => [] as string[]);
    out.push(...names.filter((n) => n.startsWith("agent")).map((n) => `${run}/${n}`));
  }
  return out;
}

describe("spawn hooks: order, merging, stamps", () => {
  const seen: string[] = [];
  let h: Harness;
  before(async () => {
    h = await createHarness({
      plugins: {
        alpha: recorder("alpha", seen, () => ({
          prepare: (job) => ({
            env: { SHARED: "alpha", ALPHA: "1" },
            files: { "alpha.txt": `for ${job.agent_id}` },
            preamble: "# Alpha",
          }),
          finish: () => ({ stamps: { alpha_mark: { by: "alpha" } } }),
        })),
        beta: recorder("beta", seen, () => ({
          prepare: () => ({ env: { SHARED: "beta" }, preamble: "# Beta" }),
        })),
      },
    });
  });
  after(() => h?.dispose());

  it("check, prepare and finish run in manifest order around the container", async () => {
    seen.length = 0;
    const r = await h.call("run", { prompt: "hello", agent: "command", command: ["cat"] });
    assert.equal(r.isError, false, r.text);
    assert.deepEqual(seen, [
      "alpha.check run",
      "beta.check run",
      "alpha.prepare",
      "beta.prepare",
      "alpha.finish ok",
      "beta.finish ok",
    ]);
    const call = h.runtime.calls.at(-1)!;
    assert.equal(call.stdin, "# Alpha\n\n# Beta\n\nhello", "preambles in order before the prompt");
    assert.equal(call.opts.env.SHARED, "beta", "a later plugin's env wins");
    assert.equal(call.opts.env.ALPHA, "1");
    const paths = h.core.refs.paths(r.data.run_id, r.data.agent_id);
    assert.equal(
      await readFile(join(paths.workspace, "alpha.txt"), "utf8"),
      `for ${r.data.agent_id}`,
    );
    assert.equal(await readFile(paths.prompt, "utf8"), "# Alpha\n\n# Beta\n\nhello");
    assert.deepEqual(r.data.stamps?.alpha_mark, { by: "alpha" }, JSON.stringify(r.data));
    assert.deepEqual((await h.core.refs.stamps(r.data.ref)).alpha_mark, { by: "alpha" });
  });
});

describe("spawn hooks: a finish that throws or fails", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({
      plugins: {
        stamper: recorder("stamper", [], () => ({
          finish: () => ({ stamps: { stamper_mark: 7 } }),
        })),
        breaker: recorder("breaker", [], () => ({
          finish: (job) => {
            if (job.prompt.includes("THROW")) throw new Error("breaker exploded in finish");
            if (job.prompt.includes("FORGE")) return { stamps: { stamper_mark: 666 } };
            if (job.prompt.includes("REJECT")) return { failed: "output does not match" };
          },
        })),
      },
    });
  });
  after(() => h?.dispose());

  it("a throw fails the ref with its message; the stamps others returned stay", async () => {
    const r = await h.call("run", { prompt: "THROW", agent: "command", command: ["cat"] });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.status, "failed");
    assert.match(r.data.error, /breaker exploded in finish/);
    assert.equal((await h.core.refs.get(r.data.ref)).status, "failed", "the stored ref too");
    assert.equal((await h.core.refs.stamps(r.data.ref)).stamper_mark, 7);
    const ok = await h.call("run", { prompt: "fine", agent: "command", command: ["cat"] });
    assert.equal(ok.data.status, "ok", "the server goes on");
  });

  it("a returned reason fails the ref; a stamp of another plugin's key is refused", async () => {
    const rejected = await h.call("run", { prompt: "REJECT", agent: "command", command: ["cat"] });
    assert.equal(rejected.data.status, "failed");
    assert.equal(rejected.data.error, "output does not match");
    const forged = await h.call("run", { prompt: "FORGE", agent: "command", command: ["cat"] });
    assert.equal(forged.data.status, "failed");
    assert.match(forged.data.error, /stamp "stamper_mark", a key it did not declare/);
    assert.equal((await h.core.refs.stamps(forged.data.ref)).stamper_mark, 7, "not forged");
  });
});

describe("spawn: every check refuses before the agent waits for a slot", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({
      env: { SWARM_MAX_CONCURRENT: "1", SWARM_QUEUE_TIMEOUT: "60" },
      plugins: {
        gate: (core: Core): Plugin => ({
          name: "gate",
          hooks: {
            check(job) {
              if (job.prompt.includes("SECRET")) {
                core.fail(
                  "FORBIDDEN",
                  `Cannot start agent "${job.agent_id}": its prompt holds SECRET; remove it`,
                );
              }
            },
          },
        }),
      },
    });
    await mkdir(join(h.dataDir, "home"), { recursive: true });
    await writeFile(
      join(h.dataDir, "home", ".claude.json"),
      JSON.stringify({ mcpServers: { github: { command: "gh" } } }),
    );
    const held = await h.call("run", { prompt: "[[fake hang]]", wait_s: 0, timeout: 120 });
    assert.equal(held.data.status, "running", held.text);
    await h.runtime.until((rt) => rt.running === 1, 5000);
  });
  after(() => h?.dispose());

  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ["a bad mcps name", { mcps: ["jira"] }, "NOT_FOUND", /"jira".*available: github/],
    [
      "a huge output_schema",
      {
        output_schema: { description: "x".repeat(100_001) },
      },
      "TOO_LARGE",
      /output_schema/,
    ],
    ["an empty command", { agent: "command", command: [""] }, "INVALID_INPUT", /"command"/],
    ["a plugin's check", { prompt: "SECRET" }, "FORBIDDEN", /holds SECRET/],
  ];
  for (const [what, args, code, text] of cases) {
    it(`${what} is refused at once, with no agent dir`, async () => {
      const before = await agentDirs(h);
      const t0 = Date.now();
      const r = await Promise.race([
        h.call("run", { prompt: "do it", ...args }),
        new Promise<never>((_, no) =>
          setTimeout(() => no(new Error(`${what}: not refused within 3 s (queued?)`)), 3000)
        ),
      ]);
      assert.equal(r.isError, true, r.text);
      assert.equal(r.data?.code, code, r.text);
      assert.match(r.text, text);
      assert.ok(Date.now() - t0 < 3000);
      assert.deepEqual(await agentDirs(h), before, "no agent dir was created");
      assert.equal(h.runtime.started, 1, "nothing else started");
    });
  }
});
