import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSandboxes } from "../../src/core/sandbox.ts";
import { dockerNetwork, memoryBytes } from "../../src/plugins/docker/policy.ts";
import { checkMounts } from "../../src/plugins/docker/mounts.ts";
import { createHarness } from "../helpers/harness.ts";
import { isCode } from "../helpers/tool-error.ts";
import { builtinFields } from "../helpers/fields.ts";

async function home() {
  const h = await mkdtemp(join(tmpdir(), "home-"));
  await mkdir(join(h, ".claude", "sandboxes"), { recursive: true });
  await writeFile(
    join(h, ".claude", "sandboxes", "reviewer.json"),
    JSON.stringify({ model: "opus", tools: "Read,Grep", network: false, timeout: 60 }),
  );
  return h;
}

describe("sandbox resolution", () => {
  it("defaults < named < inline < arguments, and absent arguments never override", async () => {
    const s = createSandboxes({
      home: await home(),
      fields: builtinFields(),
      defaultAgent: () => "claude", // the core gives its first loaded driver
    });
    // Each field's default, whoever declares it: the core's, then the claude driver's.
    assert.deepEqual(await s.resolve(undefined), {
      agent: "claude",
      mounts: [],
      workdir: "/workspace",
      input_files: {},
      network: true,
      gpu: false,
      resources: [],
      timeout: 1800,
      env_vars: {},
      model: "sonnet",
      tools: ["Read", "Write", "Glob", "Grep", "Bash"],
      mcps: [],
    });
    const named = await s.resolve("reviewer");
    assert.equal(named.model, "opus");
    assert.deepEqual(named.tools, ["Read", "Grep"]);
    assert.equal(
      named.network,
      false,
      "a named spec's network:false is kept (the reference flipped it)",
    );
    const over = await s.resolve("reviewer", {
      model: undefined,
      tools: undefined,
      network: undefined,
      timeout: 30,
    });
    assert.equal(over.model, "opus");
    assert.equal(over.network, false);
    assert.equal(over.timeout, 30);
    const inline = await s.resolve({ model: "haiku", tools: ["Read"] }, { model: "sonnet" });
    assert.equal(inline.model, "sonnet");
    assert.deepEqual(inline.tools, ["Read"]);
  });

  it("accepts natural JSON types and the reference's strings alike", async () => {
    const s = createSandboxes({ fields: builtinFields() });
    const a = await s.resolve('{"tools":["Read","Write"]}', {
      mounts: '[{"host_path":"/tmp","container_path":"/data"}]',
      env_vars: '{"A":"1"}',
      command: "echo hi",
    });
    assert.deepEqual(a.tools, ["Read", "Write"]);
    assert.deepEqual(a.mounts, [{ host_path: "/tmp", container_path: "/data", readonly: true }]);
    assert.deepEqual(a.env_vars, { A: "1" });
    assert.deepEqual(a.command, ["sh", "-c", "echo hi"]);
    assert.deepEqual((await s.resolve(undefined, { tools: "Read, Glob" })).tools, ["Read", "Glob"]);
  });

  it("bad values are INVALID_INPUT naming the field; unknown names are NOT_FOUND", async () => {
    const s = createSandboxes({ home: await home(), fields: builtinFields() });
    await assert.rejects(
      s.resolve("nope"),
      (e) => isCode("NOT_FOUND")(e) && /known: reviewer/.test((e as Error).message),
    );
    await assert.rejects(s.resolve("../../etc/passwd"), isCode("INVALID_INPUT"));
    await assert.rejects(s.resolve("{bad json"), isCode("INVALID_INPUT"));
    await assert.rejects(
      s.resolve(undefined, { mounts: [{ host_path: 1 }] }),
      (e) => isCode("INVALID_INPUT")(e) && /mounts\[0\]/.test((e as Error).message),
    );
    await assert.rejects(
      s.resolve(undefined, { timeout: -1 }),
      (e) => isCode("INVALID_INPUT")(e) && /timeout/.test((e as Error).message),
    );
    await assert.rejects(s.resolve(undefined, { env_vars: { A: 1 } }), isCode("INVALID_INPUT"));
  });

  it("save() refuses path tricks in names and writes nothing", async () => {
    const h = await home();
    const s = createSandboxes({ home: h, fields: builtinFields() });
    await assert.rejects(s.save("../../evil", { model: "x" }), isCode("INVALID_INPUT"));
    assert.deepEqual(await readdir(join(h, ".claude", "sandboxes")), ["reviewer.json"]);
    const path = await s.save("mine", { model: "haiku", tools: "Read" });
    assert.equal(path, join(h, ".claude", "sandboxes", "mine.json"));
    assert.deepEqual((await s.resolve("mine")).tools, ["Read"]);
  });
});

describe("mount and limit checks", () => {
  it("expands ~, resolves symlinks and keeps readonly by default", async () => {
    const h = await home();
    await mkdir(join(h, "project"));
    const out = await checkMounts([{ host_path: "~/project", container_path: "/cfg" }], {
      home: h,
      dataDir: "/nonexistent-data",
      allow: [],
    });
    assert.deepEqual(out, [{ host: join(h, "project"), container: "/cfg", readonly: true }]);
  });

  it("refuses relative, missing, root, docker socket, data-dir and reserved paths", async () => {
    const h = await home();
    const data = await mkdtemp(join(tmpdir(), "data-"));
    const policy = { home: h, dataDir: data, allow: [] };
    const project = await mkdtemp(join(tmpdir(), "project-")); // not the home dir, which is refused itself
    await assert.rejects(
      checkMounts([{ host_path: "rel/path", container_path: "/x" }], policy),
      isCode("INVALID_INPUT"),
    );
    await assert.rejects(
      checkMounts([{ host_path: "/no/such/dir", container_path: "/x" }], policy),
      isCode("INVALID_INPUT"),
    );
    await assert.rejects(
      checkMounts([{ host_path: "/", container_path: "/x" }], policy),
      isCode("FORBIDDEN"),
    );
    await assert.rejects(
      checkMounts([{ host_path: data, container_path: "/x" }], policy),
      isCode("FORBIDDEN"),
    );
    await assert.rejects(
      checkMounts([{ host_path: project, container_path: "/output" }], policy),
      isCode("INVALID_INPUT"),
    );
    // Where the container writes its stdout and stderr: a mount there would hide them.
    await assert.rejects(
      checkMounts([{ host_path: project, container_path: "/run/swarm-io" }], policy),
      isCode("INVALID_INPUT"),
    );
    await assert.rejects(
      checkMounts([{ host_path: project, container_path: "/run" }], policy),
      isCode("INVALID_INPUT"),
    );
    await assert.rejects(
      checkMounts([{ host_path: project, container_path: "/a/../etc" }], policy),
      isCode("INVALID_INPUT"),
    );
    const sock = "/var/run/docker.sock";
    await assert.rejects(
      checkMounts([{ host_path: sock, container_path: "/s" }], policy),
      (e) => isCode("FORBIDDEN")(e) || isCode("INVALID_INPUT")(e),
    );
    assert.equal(
      (await checkMounts([{ host_path: "/", container_path: "/host" }], {
        ...policy,
        allow: ["/"],
      }))[0]!.host,
      "/",
    );
  });

  it("networks, memory sizes", () => {
    assert.equal(dockerNetwork(true, {}), "swarm-mcp-agents");
    assert.equal(dockerNetwork(false, {}), "none");
    assert.equal(dockerNetwork("my-net", {}), "my-net");
    assert.equal(dockerNetwork("host", { SWARM_ALLOW_HOST_NETWORK: "1" }), "host");
    // Only the documented "1" allows the host network (issue 18 item 2).
    for (const value of [undefined, "0", "false", "no", "", "true", "yes", " 1"]) {
      assert.throws(
        () => dockerNetwork("host", { SWARM_ALLOW_HOST_NETWORK: value }),
        isCode("FORBIDDEN"),
        `SWARM_ALLOW_HOST_NETWORK=${value}`,
      );
    }
    assert.throws(() => dockerNetwork("bad name;", {}), isCode("INVALID_INPUT"));
    assert.equal(memoryBytes("2g"), 2 * 1024 ** 3);
    assert.equal(memoryBytes("512m"), 512 * 1024 ** 2);
    assert.throws(() => memoryBytes("lots"), isCode("INVALID_INPUT"));
  });
});

describe("the default agent", () => {
  it("is the first loaded driver: the core names none", async () => {
    for (
      const [plugins, agent] of [[["claude-code", "command"], "claude"], [["command"], "command"]]
    ) {
      const h = await createHarness({ builtins: plugins as string[] });
      try {
        assert.equal((await h.core.sandboxes.resolve(undefined)).agent, agent, String(plugins));
      } finally {
        await h.dispose();
      }
    }
  });
});
