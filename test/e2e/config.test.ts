// Projects and sandbox specs end to end: the compiled binary, real containers, the real claude CLI
// against the scripted model server. save → list → run by the saved name; wrap a file and a
// directory and reduce them with a real agent; wrap_project, restart, and find it all again.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BinaryServer, binarySkip, startBinary } from "../helpers/binary.ts";
import { agentImage, dockerSkip, type ModelEnv, startModelEnv } from "../helpers/docker-env.ts";

const skip = binarySkip || (await dockerSkip());

describe("config tools on real claude agents", { skip }, () => {
  let model: ModelEnv;
  let server: BinaryServer;
  let root: string;
  let env: Record<string, string>;
  const project = () => join(root, "project");
  const text = async (ref: string) => readFile((await server.call("unwrap", { ref })).file, "utf8");

  before(async () => {
    await agentImage();
    model = await startModelEnv();
    root = await mkdtemp(join(tmpdir(), "swarm-e2e-config-"));
    for (const kind of ["types", "sandboxes", "pipelines"]) {
      await mkdir(join(project(), kind), { recursive: true });
      await mkdir(join(root, "env-project", kind), { recursive: true });
    }
    await writeFile(join(project(), "types", "memo.md"), "A memo from the project\n");
    await writeFile(join(root, "env-project", "types", "memo.md"), "A memo from the env dir\n");
    await writeFile(
      join(project(), "sandboxes", "project-spec.json"),
      JSON.stringify({ model: "claude-haiku-4-5", tools: ["Read"], network: model.network }),
    );
    await writeFile(
      join(project(), "pipelines", "flow.json"),
      JSON.stringify({
        sandbox: "project-spec",
        steps: [{ id: "a", prompt: "[[script:flow]] go" }],
      }),
    );
    await mkdir(join(root, "home"));
    await mkdir(join(root, "docs", "sub"), { recursive: true });
    await writeFile(join(root, "notes.md"), "alpha notes from a file\n");
    await writeFile(join(root, "docs", "a.md"), "beta text from a directory\n");
    await writeFile(join(root, "docs", "sub", "b.md"), "gamma text one level down\n");
    env = {
      ANTHROPIC_BASE_URL: model.baseUrl,
      ANTHROPIC_API_KEY: "sk-test-not-a-real-key",
      HOME: join(root, "home"), // ~/.claude is searched too: never the real home
      SWARM_PROJECT_DIR: join(root, "env-project"),
      SWARM_DATA_DIR: join(root, "data"),
    };
    server = await startBinary(env);
  });
  after(async () => {
    await server?.close();
    await model?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("save_sandbox_spec → list_sandbox_specs → run with the saved name", async () => {
    const saved = await server.call("save_sandbox_spec", {
      name: "e2e-spec",
      spec: JSON.stringify({ model: "claude-sonnet-4-5", tools: "Read", network: model.network }),
    });
    const path = join(root, "env-project", "sandboxes", "e2e-spec.json"); // the first search path
    assert.deepEqual(saved, { saved: true, name: "e2e-spec", path });
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const listed = (await server.call("list_sandbox_specs", {})).result;
    assert.deepEqual(listed.find((s: { name: string }) => s.name === "e2e-spec"), {
      name: "e2e-spec",
      model: "claude-sonnet-4-5",
      tools: ["Read"],
      mcps: [],
      source: path,
    });
    await model.script("saved", { turns: [{ text: "ran in the saved sandbox" }] });
    const ref = await server.call("run", { prompt: "[[script:saved]] go", sandbox: "e2e-spec" });
    assert.equal(ref.status, "ok", ref.error);
    assert.equal(await text(ref.ref), "ran in the saved sandbox");
    const asked = (await model.requests()).filter((r) => r.marker === "saved");
    assert.ok(asked.length > 0, "the agent asked the model");
    for (const r of asked) {
      assert.deepEqual([r.model, r.tool_names], ["claude-sonnet-4-5", ["Read"]]);
    }
  });

  it("wrap a file and a directory, and reduce them with a real agent", async () => {
    const file = await server.call("wrap", { path: join(root, "notes.md") });
    assert.equal(file.model, "wrapped");
    assert.equal(file.cost_usd, 0);
    assert.equal(file.source_path, join(root, "notes.md"));
    const dir = await server.call("wrap", { path: join(root, "docs") });
    assert.equal(dir.stamps.wrapped.kind, "directory");
    await model.script("wr", { turns: [{ text: "alpha+beta+gamma" }] });
    const red = await server.call("reduce", {
      network: model.network,
      model: "claude-sonnet-4-5",
      tools: "Read",
      inputs: [{ ref: file.ref }, { ref: dir.ref }],
      synthesis_prompt: "[[script:wr]] merge",
    });
    assert.equal(red.result.status, "ok", red.result.error);
    assert.equal(await text(red.result.ref), "alpha+beta+gamma");
    assert.deepEqual(red.result.parents, [file.ref, dir.ref]);
    const prompt = await readFile(
      join(server.dataDir, red.run_id, "reducer", "prompt.txt"),
      "utf8",
    );
    assert.match(prompt, /## Input 1\nalpha notes from a file/);
    assert.match(prompt, /## Input 2\nDirectory wrapped: [\s\S]*beta text[\s\S]*gamma text/);
    const refused = await server.call("wrap", { path: "/etc/passwd" }, { allowError: true });
    assert.equal(refused.isError, true);
    assert.match(refused.text, /^Cannot wrap "\/etc\/passwd": it is in the system directory/);
  });

  it("wrap_project registers all three kinds, and they are found again after a restart", async () => {
    const reg = await server.call("wrap_project", { project_dir: project() });
    assert.deepEqual(reg, {
      project: project(),
      registered: {
        types: { path: join(project(), "types"), count: 1 },
        sandboxes: { path: join(project(), "sandboxes"), count: 1 },
        pipelines: { path: join(project(), "pipelines"), count: 1 },
      },
    });
    await server.close();
    server = await startBinary(env);
    const memo = await server.call("get_type_definition", { name: "memo" });
    assert.equal(memo.definition, "A memo from the project"); // ahead of SWARM_PROJECT_DIR
    const specs = (await server.call("list_sandbox_specs", {})).result;
    const spec = specs.find((s: { name: string }) => s.name === "project-spec");
    assert.equal(spec?.source, join(project(), "sandboxes", "project-spec.json"));
    assert.ok(specs.some((s: { name: string }) => s.name === "e2e-spec")); // SWARM_PROJECT_DIR still searched
    await model.script("proj", { turns: [{ text: "ran in the project's sandbox" }] });
    const ref = await server.call("run", { prompt: "[[script:proj]] go", sandbox: "project-spec" });
    assert.equal(await text(ref.ref), "ran in the project's sandbox");
    await model.script("flow", { turns: [{ text: "ran the project's pipeline" }] });
    const flow = await server.call("pipeline", { definition: "flow" });
    assert.equal(flow.status, "done", JSON.stringify(flow).slice(0, 400));
    assert.equal(await text(flow.final.ref), "ran the project's pipeline");
  });
});
