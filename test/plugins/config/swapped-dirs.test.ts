// A registered project may be mounted read-write into agents, so an agent can replace its
// sandboxes/, types/ or pipelines/ dir with a link after wrap_project checked it. Every lookup must
// then refuse the dir, not read or write through it: before the fix save_sandbox_spec wrote
// <name>.json into the link's target (and chmod-ed it 0700), get_type_definition returned any .md
// file it named, and pipeline and sandbox names loaded any .json there.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";

describe("config plugin: a project's kind dirs swapped for links after registration", () => {
  let root: string;
  let project: string;
  let target: string;
  let h: Harness;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "swarm-swapped-"));
    project = join(root, "project");
    target = join(root, "private");
    for (const d of ["sandboxes", "types", "pipelines"]) {
      await mkdir(join(project, d), { recursive: true });
    }
    await mkdir(target, { mode: 0o755 });
    await writeFile(join(target, "secret.md"), "TOP SECRET\n");
    await writeFile(join(target, "evil.json"), JSON.stringify({ model: "planted-model" }));
    await writeFile(
      join(target, "flow.json"),
      JSON.stringify({ steps: [{ prompt: "planted [[fake]]" }] }),
    );
    h = await createHarness({});
    const r = await h.call("wrap_project", { project_dir: project });
    assert.equal(r.isError, false, r.text);
    // What an agent with the project mounted at /p does: rm -r /p/types && ln -s <host dir> /p/types.
    for (const d of ["sandboxes", "types", "pipelines"]) {
      await rm(join(project, d), { recursive: true });
      await symlink(target, join(project, d));
    }
  });
  after(async () => {
    await h?.dispose();
    if (h) await rm(h.dataDir, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  });

  const refused = (r: { isError: boolean; text: string; data: { code?: string } }, re: RegExp) => {
    assert.equal(r.isError, true, r.text);
    assert.equal(r.data.code, "FORBIDDEN", r.text);
    assert.match(r.text, re);
    assert.doesNotMatch(r.text, /TOP SECRET|planted/);
  };

  it("save_sandbox_spec neither writes into nor chmods the link's target", async () => {
    const r = await h.call("save_sandbox_spec", { name: "saved", spec: { model: "haiku" } });
    refused(
      r,
      /^Cannot save sandbox "saved": .*sandboxes is not a directory \(a symbolic link\?\); make it a real directory/,
    );
    assert.deepEqual((await readdir(target)).sort(), ["evil.json", "flow.json", "secret.md"]);
    assert.equal((await stat(target)).mode & 0o777, 0o755);
  });

  it("types, pipelines and saved specs are not read through the link", async () => {
    refused(
      await h.call("get_type_definition", { name: "secret" }),
      /^Cannot read type "secret": .*types\/secret\.md is in .*types, which is not a directory \(a symbolic link\?\)/,
    );
    refused(await h.call("resolve_type", { text: "secret" }), /^Cannot read type "secret"/);
    refused(await h.call("pipeline", { definition: "flow" }), /^Cannot load pipeline "flow"/);
    refused(
      await h.call("run", { prompt: "x [[fake]]", sandbox: "evil" }),
      /^Cannot load the sandbox spec .*evil\.json: it is in .*sandboxes, which is not a directory/,
    );
    const listed = await h.call("list_sandbox_specs", {});
    assert.equal(listed.isError, false, listed.text);
    assert.doesNotMatch(listed.text, /evil|planted/);
    const types = await h.call("list_type_registry", {});
    assert.doesNotMatch(types.text, /secret/);
    assert.equal((await h.call("runs", {})).text.includes("planted"), false);
  });
});
