// The README's two commands on a fresh Debian machine, played in a throwaway container of the
// debootstrap base (apt, no Docker): the shared set-up (scripts/ensure-docker.ts, run by .ci/run,
// npm run demo and npm test) prints the exact commands to a non-root user and fails; as root it
// installs docker.io with apt from Debian's mirror and starts dockerd, which answers (dockerd runs
// in the container with SYS_ADMIN and NET_ADMIN, on vfs, since --privileged is refused here); with
// dockerd installed but stopped it starts it again; when the package's install already started the
// engine (systemd does; played by stand-ins) it starts no second dockerd. `swarm-mcp doctor` prints
// the same commands for the system its os-release names.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BASE_IMAGE, docker, dockerSkip, ROOT, uniqueName } from "../helpers/docker-env.ts";
import { BINARY, binarySkip } from "../helpers/binary.ts";
import { until } from "../helpers/wait.ts";

const BUN = join(ROOT, "node_modules", "bun", "bin", "bun.exe");
const CA = "/etc/ssl/certs/ca-certificates.crt";
const USER = "1000:1000";
const skip = (await dockerSkip()) ||
  (await docker("image", "inspect", BASE_IMAGE).then(
    () => false,
    () => `${BASE_IMAGE} is missing (scripts/make-base-image.sh)`,
  ));

interface Result {
  code: number;
  out: string;
  err: string;
}

/** docker <args>, never throwing: the exit code and both streams, killed after `ms`. */
function run(args: string[], ms: number): Promise<Result> {
  return new Promise((resolve) => {
    execFile("docker", args, { timeout: ms, maxBuffer: 16 << 20 }, (e, out, err) => {
      const code = e ? (typeof e.code === "number" ? e.code : -1) : 0;
      resolve({
        code,
        out: String(out),
        err: String(err) + (e?.killed ? `\n[killed after ${ms} ms]` : ""),
      });
    });
  });
}

describe("fresh machine: the engine set-up of demo, test and CI", { skip }, () => {
  const name = uniqueName("swarm-test-fresh");
  const exec = (user: string, cmd: string[], ms = 30_000) =>
    run(["exec", "-u", user, "-e", "HOME=/tmp", name, ...cmd], ms);
  const setup = (user: string, rerun: string, ms?: number) =>
    exec(user, ["bun", "/repo/scripts/ensure-docker.ts", "--rerun", rerun], ms);
  const explain = (r: Result) => `exit ${r.code}\n--- stdout\n${r.out}\n--- stderr\n${r.err}`;

  before(async () => {
    await docker(
      "run",
      "-d",
      "--name",
      name,
      "--label",
      "swarm-test=1",
      // What dockerd needs to start inside a container without --privileged.
      "--cap-add",
      "SYS_ADMIN",
      "--cap-add",
      "NET_ADMIN",
      "--security-opt",
      "apparmor=unconfined",
      "--security-opt",
      "seccomp=unconfined",
      "-v",
      `${ROOT}:/repo:ro`,
      "-v",
      `${BUN}:/usr/local/bin/bun:ro`,
      "-v",
      `${CA}:${CA}:ro`,
      BASE_IMAGE,
      "sleep",
      "600",
    );
  });
  after(async () => {
    await docker("rm", "-f", name).catch(() => {});
  });

  it("without Docker, a non-root user gets the Debian commands and exit 1; nothing is installed", async () => {
    const r = await setup(USER, "npm run demo");
    assert.equal(r.code, 1, explain(r));
    assert.match(r.err, /No Docker engine answers\. To install one on Debian\/Ubuntu:/, explain(r));
    assert.match(r.err, /^ {2}sudo apt-get update && sudo apt-get install -y docker\.io$/m);
    assert.match(r.err, /^ {2}sudo systemctl enable --now docker /m);
    assert.match(r.err, /curl -fsSL https:\/\/get\.docker\.com\/rootless \| sh/);
    assert.match(r.err, /Then run npm run demo again\.$/m);
    assert.doesNotMatch(r.err, /installing/);
    assert.equal(
      (await exec("0", ["test", "-e", "/usr/sbin/dockerd"])).code,
      1,
      "dockerd must not be installed by a non-root run",
    );
  });

  it("npm run demo stops before building, with the same commands, for a non-root user", async () => {
    const r = await exec(USER, ["bun", "/repo/scripts/demo.ts"], 60_000);
    assert.equal(r.code, 1, explain(r));
    assert.match(
      r.err,
      /^ {2}sudo apt-get update && sudo apt-get install -y docker\.io$/m,
      explain(r),
    );
    assert.match(r.err, /Then run npm run demo again\./);
    assert.doesNotMatch(r.err, /building dist\/swarm-mcp/);
  });

  it(
    "swarm-mcp doctor fails on the engine and prints the commands for the system in /etc/os-release",
    { skip: binarySkip },
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "swarm-osrel-"));
      try {
        await writeFile(join(dir, "fedora"), 'NAME="Fedora Linux"\nID=fedora\nVERSION_ID=40\n');
        const doctor = (osRelease: string[]) =>
          run([
            "run",
            "--rm",
            "--label",
            "swarm-test=1",
            "--network",
            "none",
            "-u",
            USER,
            "-e",
            "HOME=/tmp",
            "-v",
            `${BINARY}:/usr/local/bin/swarm-mcp:ro`,
            ...osRelease,
            BASE_IMAGE,
            "swarm-mcp",
            "doctor",
          ], 30_000);
        const debian = await doctor([]);
        assert.equal(debian.code, 1, explain(debian));
        assert.match(debian.out, /^FAIL {2}docker engine/m, explain(debian));
        assert.match(
          debian.out,
          /^ {2}sudo apt-get update && sudo apt-get install -y docker\.io$/m,
        );
        assert.match(debian.out, /Then run swarm-mcp doctor again\./);
        const fedora = await doctor(["-v", `${join(dir, "fedora")}:/etc/os-release:ro`]);
        assert.equal(fedora.code, 1, explain(fedora));
        assert.match(
          fedora.out,
          /To install one on Fedora:\n {2}sudo dnf install -y moby-engine$/m,
          explain(fedora),
        );
        assert.doesNotMatch(fedora.out, /apt-get/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it("as root without Docker: installs docker.io with apt, starts dockerd, and the engine answers", async () => {
    const r = await setup("0", "npm test", 240_000);
    assert.equal(r.code, 0, explain(r));
    assert.match(r.err, /\[setup\] installing docker\.io with apt-get/);
    assert.match(
      r.err,
      /\[setup\] starting dockerd in the background \(log: \/tmp\/dockerd\.log\)/,
    );
    const status = await exec("0", ["dpkg-query", "-W", "-f", "${Status}", "docker.io"]);
    assert.equal(status.out, "install ok installed", explain(status));
    const info = await exec("0", ["docker", "info", "--format", "{{.ServerVersion}}"]);
    assert.equal(info.code, 0, explain(info));
  });

  it("with dockerd installed but stopped: a non-root user is told how to start it, root starts it", async () => {
    await exec("0", ["sh", "-c", 'kill "$(cat /var/run/docker.pid)"']);
    // Gone once it removed its pid file: a dockerd still shutting down makes a new one refuse to start.
    await until(
      "the container's dockerd to stop",
      async () => (await exec("0", ["test", "-e", "/var/run/docker.pid"], 5000)).code === 1,
      30_000,
      300,
    );
    assert.notEqual(
      (await exec("0", ["docker", "info"], 5000)).code,
      0,
      "the engine still answers after dockerd stopped",
    );
    const user = await setup(USER, "npm test");
    assert.equal(user.code, 1, explain(user));
    assert.match(
      user.err,
      /Docker is installed but its engine does not answer\. Start it:\n {2}sudo systemctl enable --now docker/,
      explain(user),
    );
    const root = await setup("0", "npm test", 90_000);
    assert.equal(root.code, 0, explain(root));
    assert.match(root.err, /starting dockerd/);
    assert.doesNotMatch(root.err, /installing/);
    assert.equal((await exec("0", ["docker", "info"])).code, 0);
  });
});

describe("fresh machine with systemd: the package starts the engine itself", { skip }, () => {
  // What apt-get install docker.io does on a host with systemd (the postinst starts the service),
  // played by stand-ins on PATH: the install leaves a dockerd and an engine that answers.
  const name = uniqueName("swarm-test-fresh-systemd");
  const FAKE_APT = [
    "#!/bin/sh",
    'if [ "$1" = install ]; then',
    "  mkdir -p /usr/local/sbin",
    "  printf '#!/bin/sh\\necho started >> /tmp/dockerd-runs\\nexec sleep 600\\n' > /usr/local/sbin/dockerd",
    "  chmod +x /usr/local/sbin/dockerd",
    "  touch /tmp/engine-up",
    "fi",
  ].join("\n");
  const FAKE_DOCKER = "#!/bin/sh\n[ -e /tmp/engine-up ]\n";
  before(async () => {
    await docker(
      "run",
      "-d",
      "--name",
      name,
      "--label",
      "swarm-test=1",
      "--network",
      "none",
      "-v",
      `${ROOT}:/repo:ro`,
      "-v",
      `${BUN}:/usr/local/bin/bun:ro`,
      BASE_IMAGE,
      "sleep",
      "600",
    );
    for (const [file, text] of [["apt-get", FAKE_APT], ["docker", FAKE_DOCKER]]) {
      await docker(
        "exec",
        name,
        "sh",
        "-c",
        `mkdir -p /fake && printf '%s\\n' "$0" > /fake/${file} && chmod +x /fake/${file}`,
        text!,
      );
    }
  });
  after(async () => {
    await docker("rm", "-f", name).catch(() => {});
  });

  it("as root: installs docker.io, sees the engine answer, and starts no second dockerd", async () => {
    const r = await run([
      "exec",
      "-e",
      "HOME=/tmp",
      "-e",
      "PATH=/fake:/usr/local/bin:/usr/bin:/bin",
      name,
      "bun",
      "/repo/scripts/ensure-docker.ts",
      "--rerun",
      "npm test",
    ], 30_000);
    const explain = `exit ${r.code}\n--- stderr\n${r.err}`;
    assert.equal(r.code, 0, explain);
    assert.match(r.err, /\[setup\] installing docker\.io with apt-get/, explain);
    assert.match(r.err, /\[setup\] the docker\.io package started the engine/, explain);
    assert.doesNotMatch(r.err, /starting dockerd/, explain);
    const runs = await run(["exec", name, "sh", "-c", "cat /tmp/dockerd-runs 2>/dev/null"], 5000);
    assert.equal(runs.out, "", "a second dockerd was started");
  });
});
