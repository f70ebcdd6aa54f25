// The host-mount policy on real paths: each refusal with its own reason, the escape hatch, and the
// engine socket recognised by what it is (a socket), not by its name.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkMounts, engineSocket, type MountPolicy } from "../../src/plugins/docker/mounts.ts";
import { isToolError } from "../../src/core/errors.ts";
import { fromRuntime } from "../helpers/tool-error.ts";

let t: string;
let policy: MountPolicy;
let server: Server;
const mount = (host_path: string, p: Partial<MountPolicy> = {}) =>
  checkMounts([{ host_path, container_path: "/mnt/x" }], { ...policy, ...p });
const refused = (reason: RegExp) => (thrown: unknown) => {
  const e = fromRuntime(thrown);
  assert.ok(isToolError(e), String(e));
  assert.equal(e.code, "FORBIDDEN", e.message);
  assert.match(e.message, reason);
  assert.match(e.message, /SWARM_ALLOW_MOUNTS=/); // says how the operator opens it up
  return true;
};

describe("mount policy", () => {
  before(async () => {
    t = await mkdtemp(join(tmpdir(), "swarm-mounts-"));
    for (const d of ["home/.ssh", "home/projects/x", "state/data", "engine", "socks"]) {
      await mkdir(join(t, d), { recursive: true });
    }
    server = createServer();
    await new Promise<void>((ok, ko) =>
      server.once("error", ko).listen(join(t, "socks", "notes.txt"), ok)
    );
    policy = {
      home: join(t, "home"),
      dataDir: join(t, "state", "data"),
      allow: [],
      engineSocket: join(t, "engine", "engine.sock"),
    };
  });
  after(async () => {
    await new Promise((ok) => server.close(ok));
    await rm(t, { recursive: true, force: true });
  });

  it("refuses / with its own reason, and allows it when the operator lists it", async () => {
    await assert.rejects(mount("/"), refused(/host root/));
    assert.equal((await mount("/", { allow: ["/"] }))[0]!.host, "/");
  });

  it("refuses system trees and what lies inside them, through symlinks too", async () => {
    for (
      const p of [
        "/etc",
        "/proc",
        "/proc/self",
        "/sys",
        "/usr/bin",
        "/var",
        "/var/lib",
        "/bin",
        "/run",
        "/var/run",
      ]
    ) {
      await assert.rejects(mount(p), refused(/system directory/), p);
    }
    await symlink("/var/run", join(t, "innocent"));
    await assert.rejects(
      mount(join(t, "innocent")),
      refused(/resolves to "\/run".*system directory \/run/),
    );
  });

  it("refuses a parent of the data dir, the data dir and anything inside it", async () => {
    await assert.rejects(mount(join(t, "state")), refused(/contains the swarm-mcp data directory/));
    await assert.rejects(mount(policy.dataDir), refused(/inside the swarm-mcp data directory/));
  });

  it("refuses HOME, its dot-entries and its parents; a project in HOME is fine", async () => {
    await assert.rejects(mount("~"), refused(/home directory, with every credential/));
    await assert.rejects(mount("~/.ssh"), refused(/home directory's "\.ssh"/));
    await assert.rejects(
      mount(join(t, "home"), { home: join(t, "home", "projects") }),
      refused(/contains the home directory/),
    );
    assert.deepEqual(await mount("~/projects/x"), [{
      host: join(t, "home", "projects", "x"),
      container: "/mnt/x",
      readonly: true,
    }]);
  });

  it('"~" in a container path is the host\'s home, as in the MCP-access recipe', async () => {
    const home = join(t, "home");
    const same = { host_path: "~/projects/x", container_path: "~/projects/x" };
    assert.deepEqual(await checkMounts([same], policy), [{
      host: join(home, "projects", "x"),
      container: join(home, "projects", "x"),
      readonly: true,
    }]);
    const homeless = { host_path: join(home, "projects", "x"), container_path: "~/x" };
    await assert.rejects(checkMounts([homeless], { ...policy, home: undefined }), (e: unknown) => {
      const err = fromRuntime(e);
      assert.ok(isToolError(err), String(err));
      assert.equal(err.code, "INVALID_INPUT");
      assert.match(err.message, /HOME is not set, so "~" means nothing; give an absolute path/);
      return true;
    });
  });

  it("recognises a socket by what it is, whatever its name; the engine's by its path", async () => {
    const neutral = join(t, "socks", "notes.txt");
    await assert.rejects(mount(neutral), refused(/Unix socket/));
    await assert.rejects(
      mount(neutral, { engineSocket: neutral }),
      refused(/Docker engine socket/),
    );
    await assert.rejects(
      mount(join(t, "socks"), { engineSocket: neutral }),
      refused(/contains the Docker engine socket/),
    );
  });

  it("refuses the real Docker socket at its default path", {
    skip: existsSync("/var/run/docker.sock") ? false : "no /var/run/docker.sock here",
  }, async () => {
    await assert.rejects(
      mount("/var/run/docker.sock", { engineSocket: engineSocket(undefined) }),
      refused(/Docker engine socket/),
    );
  });

  it("/root is a system tree, unless it is HOME: then the home rules apply", {
    skip: existsSync("/root") ? false : "no /root here",
  }, async () => {
    await assert.rejects(mount("/root"), refused(/system directory \/root/));
    await assert.rejects(mount("/root", { home: "/root" }), refused(/home directory/));
  });

  it("SWARM_ALLOW_MOUNTS opens an entry and everything below it (realpath-resolved)", async () => {
    await symlink("/etc", join(t, "etc-link"));
    assert.equal((await mount("/etc/ssl", { allow: [join(t, "etc-link")] }))[0]!.host, "/etc/ssl");
    await assert.rejects(mount("/etc/ssl", { allow: ["/etc/ss"] }), refused(/system directory/));
  });

  it("engineSocket() reads DOCKER_HOST", () => {
    assert.equal(engineSocket(undefined), "/var/run/docker.sock");
    assert.equal(engineSocket("unix:///tmp/d.sock"), "/tmp/d.sock");
    assert.equal(engineSocket("/tmp/e.sock"), "/tmp/e.sock");
    assert.equal(engineSocket("tcp://127.0.0.1:2375"), undefined);
    assert.equal(engineSocket("ssh://x"), undefined);
  });
});
