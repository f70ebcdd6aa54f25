// A real agent swaps the kind dirs of a registered project it has mounted read-write for links to
// a host dir, and the server's lookups refuse them: save_sandbox_spec wrote <name>.json into (and
// chmod-ed 0700) the link's target, get_type_definition and pipeline read through it. The compiled
// binary, a command agent in a real container.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BinaryServer, binarySkip, startBinary } from "../helpers/binary.ts";
import { AGENT_IMAGE, agentImage, dockerSkip } from "../helpers/docker-env.ts";

const skip = binarySkip || (await dockerSkip());
const KINDS = ["types", "sandboxes", "pipelines"];

describe("a project's kind dirs swapped for links by a real agent", { skip }, () => {
  let server: BinaryServer;
  let root: string;
  let project: string;
  let target: string;
  before(async () => {
    await agentImage();
    root = await mkdtemp(join(tmpdir(), "swarm-e2e-swap-"));
    project = join(root, "project");
    target = join(root, "private");
    await mkdir(join(root, "home"));
    await mkdir(target, { mode: 0o755 });
    await writeFile(join(target, "secret.md"), "TOP SECRET\n");
    await writeFile(join(target, "flow.json"), JSON.stringify({ steps: [{ prompt: "planted" }] }));
    for (const d of ["", ...KINDS]) {
      await mkdir(join(project, d), { recursive: true });
      await chmod(join(project, d), 0o777); // the agent's user may change the project
    }
    server = await startBinary({
      SWARM_IMAGE: AGENT_IMAGE,
      HOME: join(root, "home"),
      SWARM_DATA_DIR: join(root, "data"),
    });
  });
  after(async () => {
    await server?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("the server neither writes nor reads through the links", async () => {
    await server.call("wrap_project", { project_dir: project });
    const swap = KINDS.map((k) => `rm -r /p/${k} && ln -s ${target} /p/${k}`).join(" && ");
    const ref = await server.call("run", {
      agent: "command",
      image: AGENT_IMAGE,
      command: ["sh", "-c", swap],
      prompt: "ignored",
      mounts: [{ host_path: project, container_path: "/p", readonly: false }],
      network: false,
      timeout: 60,
    });
    assert.equal(ref.status, "ok", JSON.stringify(ref));
    for (const k of KINDS) assert.ok((await lstat(join(project, k))).isSymbolicLink(), k);

    const saved = await server.call("save_sandbox_spec", {
      name: "saved",
      spec: { model: "haiku" },
    }, { allowError: true });
    assert.equal(saved.isError, true, JSON.stringify(saved));
    assert.match(
      saved.text,
      /^Cannot save sandbox "saved": .* is not a directory \(a symbolic link\?\)/,
    );
    assert.deepEqual((await readdir(target)).sort(), ["flow.json", "secret.md"]);
    assert.equal((await stat(target)).mode & 0o777, 0o755);
    for (
      const [tool, args] of [
        ["get_type_definition", { name: "secret" }],
        ["pipeline", { definition: "flow" }],
      ] as const
    ) {
      const r = await server.call(tool, args, { allowError: true });
      assert.equal(r.isError, true, `${tool}: ${JSON.stringify(r)}`);
      assert.match(
        r.text,
        /^Cannot (read type|load pipeline) .*not a directory \(a symbolic link\?\)/,
      );
      assert.doesNotMatch(r.text, /TOP SECRET|planted/);
    }
  });
});
