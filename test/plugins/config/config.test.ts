// The config plugin on a real core (fake runtime): saved specs (save, list, run by name), wrap_project
// (precedence, every kind, persistence across a restart) and wrap (files and directories as refs
// that reduce and guard take), with hostile names and paths refused.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";

const spec = (model: string) => JSON.stringify({ model, tools: ["Read"] });

describe("config plugin: sandbox specs and projects", () => {
  let root: string;
  let envProject: string;
  let project: string;
  let h: Harness;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "swarm-config-"));
    envProject = join(root, "env-project");
    project = join(root, "project");
    for (const d of ["sandboxes", "types", "pipelines"]) {
      await mkdir(join(envProject, d), { recursive: true });
      await mkdir(join(project, d), { recursive: true });
    }
    await writeFile(join(envProject, "sandboxes", "shared.json"), spec("env-model"));
    await writeFile(join(envProject, "sandboxes", "env-only.json"), spec("haiku"));
    await writeFile(join(envProject, "types", "report.md"), "Env report\n");
    await writeFile(join(envProject, "pipelines", "flow.json"), "{}");
    await writeFile(join(project, "sandboxes", "shared.json"), spec("project-model"));
    await writeFile(join(project, "sandboxes", "broken.json"), "{not json");
    await writeFile(join(project, "types", "report.md"), "Project report\n");
    await writeFile(join(project, "types", "memo.md"), "Memo\n");
    await writeFile(
      join(project, "pipelines", "flow.json"),
      JSON.stringify({ steps: [{ id: "a", prompt: 'step a [[fake text="from the project"]]' }] }),
    );
    await writeFile(join(project, "pipelines", "other.json"), "{}");
    h = await createHarness({ env: { SWARM_PROJECT_DIR: envProject } });
  });
  after(async () => {
    await h?.dispose();
    if (h) await rm(h.dataDir, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  });

  it("SWARM_PROJECT_DIR covers sandboxes, types and pipelines, behind ~/.claude's precedence", () => {
    const home = join(h.dataDir, "home", ".claude");
    for (const kind of ["sandboxes", "types", "pipelines"]) {
      assert.deepEqual(h.core.sandboxes.searchPaths(kind), [
        join(envProject, kind),
        join(home, kind),
      ]);
    }
  });

  it("wrap_project registers all three kinds ahead of SWARM_PROJECT_DIR, with counts", async () => {
    const r = await h.call("wrap_project", { project_dir: project + "/" });
    assert.equal(r.isError, false, r.text);
    assert.deepEqual(r.data, {
      project,
      registered: {
        types: { path: join(project, "types"), count: 2 },
        sandboxes: { path: join(project, "sandboxes"), count: 2 },
        pipelines: { path: join(project, "pipelines"), count: 2 },
      },
    });
    for (const kind of ["sandboxes", "types", "pipelines"]) {
      assert.deepEqual(h.core.sandboxes.searchPaths(kind).slice(0, 2), [
        join(project, kind),
        join(envProject, kind),
      ]);
    }
    // Precedence as the other plugins see it: the project's type and spec win over the env dir's.
    const t = await h.call("get_type_definition", { name: "report" });
    assert.equal(t.data.definition, "Project report");
    const env = await h.call("get_type_definition", { name: "memo" });
    assert.equal(env.data.definition, "Memo");
    // The pipeline plugin finds the project's flow.json first (the env dir's "{}" has no steps).
    const p = await h.call("pipeline", { definition: "flow" });
    assert.equal(p.isError, false, p.text);
    assert.equal(p.data.status, "done", p.text);
    assert.equal(await h.core.refs.readText(p.data.final.ref), "from the project");
  });

  it("list_sandbox_specs lists each name once (first path wins) and a broken file with its error", async () => {
    const r = await h.call("list_sandbox_specs", {});
    assert.equal(r.isError, false, r.text);
    const list = r.data.result as Record<string, unknown>[];
    const byName = Object.fromEntries(list.map((s) => [s.name, s]));
    assert.deepEqual(Object.keys(byName).sort(), ["broken", "env-only", "shared"]);
    assert.deepEqual(byName.shared, {
      name: "shared",
      model: "project-model",
      tools: ["Read"],
      mcps: [],
      source: join(project, "sandboxes", "shared.json"),
    });
    assert.equal(byName["env-only"]!.model, "haiku");
    assert.equal(byName.broken!.source, join(project, "sandboxes", "broken.json"));
    assert.match(String(byName.broken!.error), /failed to load/);
    assert.equal("model" in byName.broken!, false);
  });

  it("save_sandbox_spec writes 0600 into the first search path; run uses it by name", async () => {
    const r = await h.call("save_sandbox_spec", {
      name: "saved-one",
      spec: JSON.stringify({ model: "opus", tools: "Read,Grep", timeout: 30 }),
    });
    assert.equal(r.isError, false, r.text);
    const path = join(project, "sandboxes", "saved-one.json");
    assert.deepEqual(r.data, { saved: true, name: "saved-one", path });
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const obj = await h.call("save_sandbox_spec", { name: "as-object", spec: { model: "haiku" } });
    assert.equal(obj.isError, false, obj.text);
    const listed = (await h.call("list_sandbox_specs", {})).data.result as { name: string }[];
    const saved = listed.find((s) => s.name === "saved-one") as Record<string, unknown>;
    assert.deepEqual([saved.model, saved.tools], ["opus", ["Read", "Grep"]]);
    const run = await h.call("run", { prompt: "hi", sandbox: "saved-one" });
    assert.equal(run.isError, false, run.text);
    assert.equal(run.data.status, "ok");
    const cmd = h.runtime.calls.at(-1)!.opts.cmd.join(" ");
    assert.match(cmd, /--model opus/);
    assert.match(cmd, /--tools Read,Grep/);
  });

  it("save_sandbox_spec refuses hostile names and specs an inline sandbox would refuse", async () => {
    const before = await readdir(join(project, "sandboxes"));
    const cases: [Record<string, unknown>, string][] = [
      [{ name: "../evil", spec: {} }, "INVALID_INPUT"],
      [{ name: "a/b", spec: {} }, "INVALID_INPUT"],
      [{ name: ".hidden", spec: {} }, "INVALID_INPUT"],
      [{ name: "nul\0x", spec: {} }, "INVALID_INPUT"],
      [{ name: "x".repeat(65), spec: {} }, "INVALID_INPUT"],
      [{ name: "ok", spec: { no_such_field: 1 } }, "INVALID_INPUT"],
      [{ name: "ok", spec: { timeout: "soon" } }, "INVALID_INPUT"],
      [{ name: "ok", spec: "{not json" }, "INVALID_INPUT"],
      [{ name: "ok", spec: "[1, 2]" }, "INVALID_INPUT"],
      [{ name: "ok", spec: " ".repeat((1 << 20) + 1) }, "TOO_LARGE"],
    ];
    for (const [args, code] of cases) {
      const r = await h.call("save_sandbox_spec", args);
      assert.equal(r.isError, true, JSON.stringify(args).slice(0, 80));
      assert.equal(r.data.code, code, r.text);
      assert.match(r.text, /^Cannot /);
    }
    assert.deepEqual(await readdir(join(project, "sandboxes")), before);
    assert.deepEqual(await readdir(root), ["env-project", "project"]);
  });

  it("wrap_project refuses hostile paths, and projects without any of the three dirs", async () => {
    await mkdir(join(h.dataDir, "home", ".ssh"), { recursive: true });
    const linked = join(root, "linked");
    await symlink(project, linked);
    const bare = join(root, "bare");
    await mkdir(bare);
    const linkedSub = join(root, "linked-sub");
    await mkdir(linkedSub);
    await symlink(join(project, "types"), join(linkedSub, "types"));
    const cases: [string, string, RegExp][] = [
      ["relative/dir", "INVALID_INPUT", /not absolute/],
      ["/etc", "FORBIDDEN", /system directory/],
      ["/", "FORBIDDEN", /host root/],
      [join(h.dataDir, "data"), "FORBIDDEN", /data directory/],
      [join(h.dataDir, "home"), "FORBIDDEN", /home directory/],
      ["~", "FORBIDDEN", /home directory/],
      ["~/.ssh", "FORBIDDEN", /"\.ssh"/],
      [join(project, "a\0b"), "INVALID_INPUT", /NUL/],
      ["/" + "x".repeat(5000), "INVALID_INPUT", /at most/],
      [join(root, "missing"), "INVALID_INPUT", /does not exist/],
      [project + "/../../../../../../../etc", "FORBIDDEN", /system/],
      [linked, "FORBIDDEN", /symbolic link/],
      [linkedSub, "FORBIDDEN", /types\/ is a symbolic link/],
      [bare, "NOT_FOUND", /none of types\/, sandboxes\/, pipelines\//],
      [join(project, "types", "memo.md"), "INVALID_INPUT", /not a directory/],
    ];
    const paths = h.core.sandboxes.searchPaths("types");
    for (const [project_dir, code, re] of cases) {
      const r = await h.call("wrap_project", { project_dir });
      assert.equal(r.isError, true, project_dir.slice(0, 80));
      assert.equal(r.data.code, code, r.text);
      assert.match(r.text, re);
      assert.match(r.text, /^Cannot register the project /);
    }
    assert.deepEqual(h.core.sandboxes.searchPaths("types"), paths);
  });

  it("the registration survives a restart, and the newest project comes first", async () => {
    const second = join(root, "second");
    await mkdir(join(second, "types"), { recursive: true });
    await writeFile(join(second, "types", "memo.md"), "Second memo\n");
    assert.equal((await h.call("wrap_project", { project_dir: second })).isError, false);
    await h.dispose({ keep: true });
    h = await createHarness({ dataDir: h.dataDir, env: { SWARM_PROJECT_DIR: envProject } });
    assert.deepEqual(h.core.sandboxes.searchPaths("pipelines").slice(0, 3), [
      join(second, "pipelines"),
      join(project, "pipelines"),
      join(envProject, "pipelines"),
    ]);
    assert.equal(
      (await h.call("get_type_definition", { name: "memo" })).data.definition,
      "Second memo",
    );
    assert.equal(
      (await h.call("get_type_definition", { name: "report" })).data.definition,
      "Project report",
    );
    const listed = (await h.call("list_sandbox_specs", {})).data.result as { name: string }[];
    assert.ok(listed.some((s) => s.name === "saved-one"), JSON.stringify(listed));
    // Registering an old project again moves it to the front, after a restart too.
    assert.equal((await h.call("wrap_project", { project_dir: project })).isError, false);
    await h.dispose({ keep: true });
    h = await createHarness({ dataDir: h.dataDir, env: { SWARM_PROJECT_DIR: envProject } });
    assert.equal((await h.call("get_type_definition", { name: "memo" })).data.definition, "Memo");
  });

  it("a registered project that became a link is not searched after a restart", async () => {
    const moved = join(root, "moved");
    await mkdir(join(moved, "types"), { recursive: true });
    await writeFile(join(moved, "types", "memo.md"), "Moved memo\n");
    assert.equal((await h.call("wrap_project", { project_dir: moved })).isError, false);
    await h.dispose({ keep: true });
    await rm(moved, { recursive: true });
    await mkdir(join(root, "elsewhere", "types"), { recursive: true });
    await writeFile(join(root, "elsewhere", "types", "memo.md"), "Planted memo\n");
    await symlink(join(root, "elsewhere"), moved);
    h = await createHarness({ dataDir: h.dataDir, env: { SWARM_PROJECT_DIR: envProject } });
    assert.equal(h.core.sandboxes.searchPaths("types")[0], join(project, "types"));
    assert.equal((await h.call("get_type_definition", { name: "memo" })).data.definition, "Memo");
  });

  it("a damaged or planted projects file is ignored, never fatal", async () => {
    const file = join(h.dataDir, "data", "projects.json");
    for (const plant of ["{broken", JSON.stringify({ projects: ["relative", 3, "/ok\0x"] })]) {
      await h.dispose({ keep: true });
      await writeFile(file, plant);
      h = await createHarness({ dataDir: h.dataDir, env: { SWARM_PROJECT_DIR: envProject } });
      assert.deepEqual(h.core.sandboxes.searchPaths("types")[0], join(envProject, "types"));
    }
    await h.dispose({ keep: true });
    await rm(file);
    await symlink(join(root, "nowhere"), file);
    h = await createHarness({ dataDir: h.dataDir, env: { SWARM_PROJECT_DIR: envProject } });
    assert.deepEqual(h.core.sandboxes.searchPaths("types")[0], join(envProject, "types"));
  });
});
