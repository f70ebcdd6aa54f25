// Hostile host paths for `mounts`: each must be refused with the right code and reason (or, for a
// few look-alikes that are plain project directories, accepted exactly as they are). $T is a temp
// dir holding a fake HOME, a data dir, planted symlinks, a socket and a device node.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkMounts, type MountPolicy } from "../../src/plugins/docker/mounts.ts";
import { isToolError } from "../../src/core/errors.ts";
import { fromRuntime, isCode } from "../helpers/tool-error.ts";

type Expect =
  | "system"
  | "root"
  | "socket"
  | "engine"
  | "data"
  | "home"
  | "dot"
  | "contains"
  | "device"
  | "holds socket"
  | "shared"
  | "missing"
  | "relative"
  | "colon"
  | "refused"
  | "container"
  | "ok";
const REASON: Record<Expect, [string, RegExp]> = {
  system: ["FORBIDDEN", /system directory/],
  root: ["FORBIDDEN", /host root/],
  socket: ["FORBIDDEN", /Unix socket/],
  engine: ["FORBIDDEN", /Docker engine socket/],
  data: ["FORBIDDEN", /inside the swarm-mcp data directory/],
  home: ["FORBIDDEN", /home directory, with every credential/],
  dot: ["FORBIDDEN", /home directory's "\.[a-z]+"/],
  contains: ["FORBIDDEN", /it contains the/],
  device: ["FORBIDDEN", /device file/],
  "holds socket": ["FORBIDDEN", /it holds the Unix socket "[^"]+": an agent could drive/],
  shared: ["FORBIDDEN", /every user shares \(sticky and world-writable/],
  missing: ["INVALID_INPUT", /does not exist on the host or cannot be resolved/],
  relative: ["INVALID_INPUT", /must be absolute/],
  colon: ["INVALID_INPUT", /":" are not supported/],
  refused: ["ANY", /^Cannot mount/], // depends on the host (a tree that may not exist here)
  container: ["INVALID_INPUT", /container path|used by swarm-mcp/],
  ok: ["OK", /./],
};

const TABLE: [category: string, input: string, expect: Expect][] = [
  ["host root", "/", "root"],
  ["host root", "//", "root"],
  ["host root", "/.", "root"],
  ["host root", "/..", "root"],
  ["host root", "/../../..", "root"],
  ["system tree", "/etc", "system"],
  ["system tree", "/proc", "system"],
  ["system tree", "/sys", "system"],
  ["system tree", "/dev", "system"],
  ["system tree", "/usr", "system"],
  ["system tree", "/bin", "system"],
  ["system tree", "/sbin", "system"],
  ["system tree", "/lib", "system"],
  ["system tree", "/var", "system"],
  ["system tree", "/run", "system"],
  ["system tree", "/root", "system"],
  ["system tree", "/boot", "system"],
  ["system tree", "/lib64", "refused"],
  ["system tree", "/lib32", "refused"],
  ["system tree", "/libx32", "refused"],
  ["system child", "/etc/passwd", "system"],
  ["system child", "/etc/shadow", "system"],
  ["system child", "/etc/ssl", "system"],
  ["system child", "/proc/self", "system"],
  ["system child", "/proc/1", "system"],
  ["system child", "/proc/self/environ", "system"],
  ["system child", "/proc/self/root", "root"],
  ["system child", "/proc/1/root", "refused"],
  ["system child", "/proc/self/fd/0", "refused"],
  ["system child", "/sys/fs/cgroup", "system"],
  ["system child", "/sys/kernel", "system"],
  ["system child", "/dev/null", "device"],
  ["system child", "/dev/shm", "system"],
  ["system child", "/usr/bin", "system"],
  ["system child", "/usr/local", "system"],
  ["system child", "/var/lib", "system"],
  ["system child", "/var/log", "system"],
  ["system child", "/var/run", "system"],
  ["system child", "/var/lib/docker", "refused"],
  ["system child", "/run/user", "refused"],
  ["engine socket", "/var/run/docker.sock", "engine"],
  ["engine socket", "/run/docker.sock", "engine"],
  ["engine socket", "/var/run/../run/docker.sock", "engine"],
  ["socket", "$T/socks/build-cache.tar", "socket"],
  ["socket", "$T/home/projects/sockets/agent.sock", "socket"],
  ["socket", "$T/links/sock-link", "socket"],
  ["device", "$T/devnode", "device"],
  // A directory holding a host program's socket (tmux-<uid>/default, ssh-*/agent.<pid>), or one
  // every user shares like /tmp (X11's socket, other users' files): a way out of the container.
  ["socket dir", "$T/home/projects/sockets", "holds socket"],
  ["socket dir", "$T/socks", "holds socket"],
  ["socket dir", "$T/home/projects/sockets/", "holds socket"],
  ["socket dir", "$T/links/sockets-link", "holds socket"],
  ["shared dir", "$T/shared", "shared"],
  ["shared dir", "$T/shared/.", "shared"],
  ["shared dir", "$T/links/shared-link", "shared"],
  ["symlink", "$T/links/root", "root"],
  ["symlink", "$T/links/etc", "system"],
  ["symlink", "$T/links/var-run", "system"],
  ["symlink", "$T/links/docker-sock", "engine"],
  ["symlink", "$T/links/proc-self-root", "root"],
  ["symlink", "$T/links/home", "home"],
  ["symlink", "$T/links/ssh", "dot"],
  ["symlink", "$T/links/data", "data"],
  ["symlink", "$T/links/up", "contains"],
  ["symlink", "$T/links/chain", "system"],
  ["symlink", "$T/links/relative-etc", "system"],
  ["symlink", "$T/links/loop", "missing"],
  ["symlink", "$T/home/projects/app/escape", "dot"],
  ["symlink", "$T/links/dangling", "missing"],
  ["dot-dot", "/tmp/../etc", "system"],
  ["dot-dot", "/./etc", "system"],
  ["dot-dot", "//etc//", "system"],
  ["dot-dot", "/usr/local/../../var/run/docker.sock", "engine"],
  ["dot-dot", "$T/home/projects/../.ssh", "dot"],
  ["dot-dot", "$T/home/projects/app/../../../state/data", "data"],
  ["dot-dot", "$T/home/projects/..", "home"],
  ["dot-dot", "$T/home/projects/app/../../..", "contains"],
  ["dot-dot", "$T/links/../../../etc/passwd", "system"],
  ["tilde", "~", "home"],
  ["tilde", "~/", "home"],
  ["tilde", "~/.", "home"],
  ["tilde", "~/..", "contains"],
  ["tilde", "~/../..", "contains"],
  ["tilde", "~/.ssh", "dot"],
  ["tilde", "~/.claude", "dot"],
  ["tilde", "~/.claude/.credentials.json", "dot"],
  ["tilde", "~/.aws", "dot"],
  ["tilde", "~/.docker", "dot"],
  ["tilde", "~/.config", "dot"],
  ["tilde", "~/.gnupg", "dot"],
  ["tilde", "~//.ssh", "dot"],
  ["tilde", "~/./.ssh", "dot"],
  ["tilde", "~/projects/../.config", "dot"],
  ["tilde", "~root", "relative"],
  ["tilde", "~/../../../../etc", "system"],
  ["tilde", "~/projects/app/../../.gnupg", "dot"],
  ["ancestor", "/tmp", "contains"],
  ["ancestor", "$T", "contains"],
  ["ancestor", "$T/home/..", "contains"],
  ["ancestor", "$T/home/projects/app/../../../state", "contains"],
  ["ancestor", "$T/state", "contains"],
  ["data dir", "$T/state/data", "data"],
  ["data dir", "$T/state/data/.keys", "data"],
  ["data dir", "$T/state/data/0123456789ab", "data"],
  ["odd name", "/etc\n", "missing"],
  ["odd name", "/etc\u0000", "missing"],
  ["odd name", "$T/home/projects/app\u0000/../../../.ssh", "missing"],
  ["odd name", "/ｅｔｃ", "missing"],
  ["odd name", "/etc\u200b", "missing"],
  ["odd name", "$T/\u202eetc", "missing"],
  ["odd name", "/%65tc", "missing"],
  ["odd name", "$T/colon:dir", "colon"],
  ["odd name", "/" + "a".repeat(5000), "missing"],
  ["odd name", "$T/" + "b".repeat(300), "missing"],
  ["odd name", "/" + "x/".repeat(3000), "missing"],
  ["odd name", "$T/home/projects/ünï cödé\nline", "ok"],
  ["odd name", "$T/home/projects/-v", "ok"],
  ["relative", "etc", "relative"],
  ["relative", "./etc", "relative"],
  ["relative", "../etc", "relative"],
  ["relative", "", "relative"],
  ["relative", " /etc", "relative"],
  ["relative", ".", "relative"],
  ["relative", "..", "relative"],
  ["relative", "\\etc", "relative"],
  ["relative", "C:\\Windows", "relative"],
  ["relative", "file:///etc", "relative"],
];

const CONTAINER: string[] = [
  "/output",
  "/output/x",
  "/home/agent",
  "/home/agent/.claude",
  "/home",
  "/run/swarm-io",
  "/run",
  "/opt/swarm",
  "/opt",
  "/",
  "relative",
  "/a/../output",
  "/mnt/../home/agent",
  "/mnt/x:rw",
  "/mnt/./x",
  "",
];

let t: string;
let policy: MountPolicy;
let server: Server;
let server2: Server;
const fill = (s: string) => s.replaceAll("$T", t);
const label = (s: string) =>
  JSON.stringify(s.length > 60 ? s.slice(0, 40) + `…(${s.length} chars)` : s);

describe("hostile mounts", () => {
  before(async () => {
    t = await mkdtemp(join(tmpdir(), "swarm-hostile-mounts-"));
    for (
      const d of [
        "home/.ssh",
        "home/.claude",
        "home/.aws",
        "home/.docker",
        "home/.config",
        "home/.gnupg",
        "home/projects/app",
        "home/projects/ünï cödé\nline",
        "home/projects/-v",
        "state/data/.keys",
        "state/data/0123456789ab",
        "links",
        "socks",
        "colon:dir",
        "home/projects/sockets",
        "shared",
      ]
    ) {
      await mkdir(join(t, d), { recursive: true });
    }
    await writeFile(join(t, "home/.claude/.credentials.json"), "{}");
    const links: [string, string][] = [
      ["root", "/"],
      ["etc", "/etc"],
      ["var-run", "/var/run"],
      ["docker-sock", "/var/run/docker.sock"],
      ["proc-self-root", "/proc/self/root"],
      ["home", join(t, "home")],
      ["ssh", join(t, "home/.ssh")],
      ["data", join(t, "state/data")],
      ["up", ".."],
      ["chain", "etc"],
      ["relative-etc", "../../../../../../../../etc"],
      ["loop", "loop"],
      ["sock-link", join(t, "socks/build-cache.tar")],
      ["dangling", join(t, "nothing")],
      ["sockets-link", join(t, "home/projects/sockets")],
      ["shared-link", join(t, "shared")],
    ];
    for (const [name, target] of links) await symlink(target, join(t, "links", name));
    await symlink("../../.ssh", join(t, "home/projects/app/escape"));
    execFileSync("mknod", [join(t, "devnode"), "c", "1", "3"]); // a copy of /dev/null where nothing looks like /dev
    server = createServer();
    server2 = createServer();
    await new Promise<void>((ok, ko) =>
      server.once("error", ko).listen(join(t, "socks/build-cache.tar"), ok)
    );
    await new Promise<void>((ok, ko) =>
      server2.once("error", ko).listen(join(t, "home/projects/sockets/agent.sock"), ok)
    );
    await chmod(join(t, "shared"), 0o1777);
    policy = {
      home: join(t, "home"),
      dataDir: join(t, "state/data"),
      allow: [],
      engineSocket: "/var/run/docker.sock",
    };
  });
  after(async () => {
    await new Promise((ok) => server.close(ok));
    await new Promise((ok) => server2.close(ok));
    await rm(t, { recursive: true, force: true });
  });

  it("the table holds at least 60 distinct host paths", () => {
    assert.ok(new Set(TABLE.map(([, p]) => p)).size >= 60);
    assert.equal(new Set(TABLE.map(([, p]) => p)).size, TABLE.length, "duplicate entries");
  });

  for (const [category, input, expect] of TABLE) {
    it(`hostile ${category}: ${label(input)}`, async () => {
      const [code, reason] = REASON[expect];
      const host = fill(input);
      let err: unknown;
      const out = await checkMounts([{ host_path: host, container_path: "/mnt/x" }], policy).catch((
        e,
      ) => (err = fromRuntime(e), null));
      if (code === "OK") {
        assert.equal(err, undefined, String((err as Error)?.message));
        assert.equal(out![0]!.host, host);
        return;
      }
      assert.ok(
        isToolError(err),
        `accepted ${JSON.stringify(host.slice(0, 80))} as ${out?.[0]?.host}`,
      );
      if (code !== "ANY") assert.equal(err.code, code, err.message);
      else assert.ok(["FORBIDDEN", "INVALID_INPUT"].includes(err.code), err.message);
      assert.match(err.message, reason);
      assert.ok(
        err.message.length < 800 && !err.message.includes("\u0000") && !/\n/.test(err.message),
        "the message is one bounded line",
      );
    });
  }

  for (const container of CONTAINER) {
    it(`hostile container path: ${label(container)}`, async () => {
      const err = await checkMounts([{
        host_path: join(t, "home/projects/app"),
        container_path: container,
      }], policy).then(() => null, fromRuntime);
      assert.ok(isToolError(err), `accepted container path ${container}`);
      assert.equal(err.code, "INVALID_INPUT", err.message);
    });
  }

  it("hostile list: one bad entry among good ones refuses the whole list", async () => {
    const good = { host_path: join(t, "home/projects/app"), container_path: "/a" };
    await assert.rejects(
      checkMounts([good, { host_path: "/etc", container_path: "/b" }, good], policy),
      (e) => isCode("FORBIDDEN")(e) && /mounts|system directory/.test((e as Error).message),
    );
  });
});
