// Container hardening on the real engine: what a sleeping agent's container really carries
// (capabilities, pids and memory limits, a non-root user, the agents' network), a fork bomb held
// by the pids limit, agents on the default network unable to reach each other, and named
// networks refused unless swarm-mcp made them or the operator listed them.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config.ts";
import { type CoreHandle, createCore } from "../../src/core/core.ts";
import { isToolError } from "../../src/core/errors.ts";
import { configureLog } from "../../src/core/log.ts";
import type { Ref } from "../../src/core/types.ts";
import { builtins } from "../../src/plugins/_registry.ts";
import {
  agentImage,
  docker,
  dockerSkip,
  ownedContainers,
  ROOT,
  uniqueName,
} from "../helpers/docker-env.ts";
import { until } from "../helpers/wait.ts";

const skip = await dockerSkip();
configureLog(process.env.SWARM_LOG_LEVEL ?? "error", undefined);
const BUN = join(ROOT, "node_modules", "bun", "bin", "bun.exe");
const root = process.getuid?.() === 0;

describe("hardened agent containers", { skip }, () => {
  const dirs: string[] = [];
  const networks: string[] = [];
  const cores: CoreHandle[] = [];

  async function core(env: Record<string, string> = {}): Promise<CoreHandle> {
    const dir = await mkdtemp(join(tmpdir(), "swarm-hardening-"));
    dirs.push(dir);
    const image = await agentImage();
    const handle = await createCore(
      loadConfig({
        HOME: join(dir, "home"),
        PATH: process.env.PATH,
        SWARM_DATA_DIR: join(dir, "data"),
        SWARM_IMAGE: image,
        SWARM_LOG_LEVEL: "error",
        // Its own host identity: no other server's reaper on this engine may touch its containers.
        SWARM_HOST_ID: uniqueName("swarm-test-host"),
        ...env,
      }, "test"),
      { ensureImage: async () => {} },
    );
    await handle.load({ plugins: ["builtin:command"], base: ROOT, source: "test" }, builtins);
    cores.push(handle);
    return handle;
  }

  /** Start a command agent; returns its ref promise, its run id and an abort handle. */
  async function agent(h: CoreHandle, fields: Record<string, unknown>) {
    // Only the command driver is loaded, which has no image of its own: the spec names one.
    const image = await agentImage();
    const spec = await h.core.sandboxes.resolve({
      agent: "command",
      image,
      timeout: 60,
      ...fields,
    });
    const run_id = h.core.refs.newRunId();
    const ctl = new AbortController();
    const done: Promise<Ref> = h.core.spawn(spec, "go", {
      run_id,
      agent_id: "agent-0",
      signal: ctl.signal,
    });
    done.catch(() => {});
    return { done, run_id, ctl };
  }

  async function running(run: string): Promise<Record<string, any>> {
    let id = "";
    await until(
      `container of run ${run}`,
      async () => ((id = (await ownedContainers({ "swarm-mcp.run": run }))[0] ?? ""), id !== ""),
      30000,
      200,
    );
    return JSON.parse(await docker("inspect", id))[0];
  }

  before(async () => void (await agentImage()));
  after(async () => {
    for (const h of cores) await h.shutdown("test done").catch(() => {});
    for (const n of networks) await docker("network", "rm", n).catch(() => {});
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("drops every capability, limits pids and memory, runs as a non-root user on the agents' network", async () => {
    const h = await core();
    const a = await agent(h, { command: ["sleep", "30"] });
    const c = await running(a.run_id);
    assert.deepEqual(c.HostConfig.CapDrop, ["ALL"]);
    assert.equal(c.HostConfig.PidsLimit, 512);
    assert.equal(c.HostConfig.Memory, 4 * 1024 ** 3);
    assert.equal(c.HostConfig.NetworkMode, "swarm-mcp-agents");
    assert.equal(c.Config.User, root ? "10001:10001" : `${process.getuid!()}:${process.getgid!()}`);
    assert.ok(!c.Config.Env.includes("IS_SANDBOX=1"), "IS_SANDBOX only for a root container user");
    const net = JSON.parse(await docker("network", "inspect", "swarm-mcp-agents"))[0];
    assert.equal(net.Labels["swarm-mcp.network"], "1");
    assert.equal(net.Options["com.docker.network.bridge.enable_icc"], "false");
    a.ctl.abort();
    assert.equal((await a.done).status, "cancelled");
  });

  it("a sandbox's memory and the operator's SWARM_PIDS_LIMIT win over the defaults", async () => {
    const h = await core({ SWARM_PIDS_LIMIT: "100", SWARM_DEFAULT_MEMORY: "1g" });
    const a = await agent(h, { command: ["sleep", "30"], memory: "256m", network: false });
    const c = await running(a.run_id);
    assert.equal(c.HostConfig.PidsLimit, 100);
    assert.equal(c.HostConfig.Memory, 256 * 1024 ** 2);
    a.ctl.abort();
    await a.done;
  });

  it("a fork bomb stops at the pids limit", async () => {
    const h = await core({ SWARM_PIDS_LIMIT: "40" });
    // Each process that really started leaves a line; dash gives up with "Cannot fork" at the limit.
    const bomb =
      "i=0; while [ $i -lt 200 ]; do (echo s >> /output/count; exec sleep 30) & i=$((i+1)); done; echo all-started";
    const a = await agent(h, { command: ["sh", "-c", bomb], network: false, timeout: 40 });
    const ref = await a.done;
    const dir = h.core.refs.paths(ref.run_id, ref.agent_id);
    const count =
      (await readFile(join(dir.out, "count"), "utf8")).split("\n").filter(Boolean).length;
    const out = await readFile(dir.stream, "utf8");
    assert.ok(count < 40, `only ${count} processes could start`);
    assert.doesNotMatch(out, /all-started/);
    assert.notEqual(ref.status, "ok");
  });

  it("files the agent wrote are the caller's afterwards, in its dirs and on a read-write mount", {
    skip: root ? false : "only a root server changes the container user",
  }, async () => {
    const h = await core();
    const mount = await mkdtemp(join(tmpdir(), "swarm-rw-"));
    dirs.push(mount);
    await chmod(mount, 0o777); // as root, a read-write mount must be writable by SWARM_AGENT_UID
    const a = await agent(h, {
      command: [
        "sh",
        "-c",
        "id -u > /output/uid; mkdir /work/d; echo x > /work/d/f; ln -s /etc/passwd /work/link",
      ],
      network: false,
      mounts: [{ host_path: mount, container_path: "/work", readonly: false }],
    });
    const ref = await a.done;
    assert.equal(ref.status, "ok", ref.error ?? "");
    const dir = h.core.refs.paths(ref.run_id, ref.agent_id);
    assert.equal((await readFile(join(dir.out, "uid"), "utf8")).trim(), "10001");
    for (
      const f of [
        join(dir.out, "uid"),
        join(mount, "d"),
        join(mount, "d", "f"),
        dir.home,
        dir.stream,
      ]
    ) assert.equal((await stat(f)).uid, 0, f);
    assert.equal((await stat("/etc/passwd")).uid, 0);
  });

  it("agents on the default network cannot reach each other; on a shared named network they can", async () => {
    const h = await core();
    const shared = uniqueName("swarm-test-shared");
    await docker(
      "network",
      "create",
      "--label",
      "swarm-test=1",
      "--label",
      "swarm-mcp.network=1",
      shared,
    );
    networks.push(shared);
    const serve = [
      "/tools/bun",
      "-e",
      "Bun.serve({ port: 8080, hostname: '0.0.0.0', fetch: () => new Response('hi') }); console.log('listening')",
    ];
    const probe =
      'timeout 5 bash -c "exec 3<>/dev/tcp/$TARGET/8080" && echo CONNECTED || echo BLOCKED';
    for (const [network, expected] of [[true, "BLOCKED"], [shared, "CONNECTED"]] as const) {
      const server = await agent(h, {
        command: serve,
        network,
        mounts: [{ host_path: BUN, container_path: "/tools/bun" }],
      });
      try {
        const c = await running(server.run_id);
        const ip =
          Object.values(c.NetworkSettings.Networks as Record<string, { IPAddress: string }>)[0]!
            .IPAddress;
        assert.ok(ip, "the listener has an address");
        const dir = h.core.refs.paths(server.run_id, "agent-0");
        await until(
          "listener up",
          async () => /listening/.test(await readFile(dir.stream, "utf8").catch(() => "")),
          20000,
          200,
        );
        const client = await agent(h, {
          command: ["sh", "-c", probe],
          network,
          env_vars: { TARGET: ip },
        });
        const ref = await client.done;
        const said = (await readFile(h.core.refs.paths(ref.run_id, "agent-0").stream, "utf8"))
          .trim();
        assert.equal(said, expected, `network ${network}`);
      } finally {
        server.ctl.abort();
        await server.done;
      }
    }
  });

  it("a named network swarm-mcp did not create is refused unless SWARM_ALLOW_NETWORKS lists it", async () => {
    const foreign = uniqueName("swarm-test-foreign");
    await docker("network", "create", "--internal", "--label", "swarm-test=1", foreign);
    networks.push(foreign);
    const h = await core();
    const before = await ownedContainers({ "swarm-mcp.owner": h.core.config.instanceId });
    await assert.rejects(
      (await agent(h, { command: ["true"], network: foreign })).done,
      (e) => isToolError(e) && e.code === "FORBIDDEN" && /SWARM_ALLOW_NETWORKS/.test(e.message),
    );
    assert.deepEqual(
      await ownedContainers({ "swarm-mcp.owner": h.core.config.instanceId }),
      before,
    );
    const allowed = await core({ SWARM_ALLOW_NETWORKS: "other, swarm-test-foreign*" });
    assert.equal(
      (await (await agent(allowed, { command: ["true"], network: foreign })).done).status,
      "ok",
    );
  });
});
