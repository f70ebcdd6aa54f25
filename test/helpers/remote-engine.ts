// A second Docker engine for tests: dockerd (Debian's docker.io on the offline debootstrap base)
// in a container on a network the test creates, serving the Engine API on TCP with TLS
// certificates generated here (openssl). It shares no filesystem with this machine, so what works
// against it works against any remote engine; engineer S2 also joins it to a Swarm as a second node.
// `--privileged` is refused on this machine (the engine lacks CAP_SYS_RESOURCE): the container gets
// every other capability, a private cgroup namespace whose cgroup mounts entry.sh redoes, and no
// seccomp/AppArmor profile. Everything carries swarm-test=1 and stop() removes it; the image is kept
// as a cache (its tag names a hash of its recipe).
import { execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { BASE_IMAGE, docker, imageExists } from "./docker-env.ts";

const exec = promisify(execFile);

const DOCKERFILE = `FROM ${BASE_IMAGE}
RUN set -eu; export DEBIAN_FRONTEND=noninteractive; apt-get update; \\
    apt-get install -y --no-install-recommends docker.io iptables procps; rm -rf /var/lib/apt/lists/*
COPY entry.sh /entry.sh
ENTRYPOINT ["/bin/sh", "/entry.sh"]
`;

// Waits for the certificates (they name the address the container gets at start), mounts the
// cgroup v1 hierarchies (or keeps cgroup2) in the private namespace, then runs dockerd.
const ENTRY = `set -eu
for i in $(seq 1 300); do [ -f /certs/server-cert.pem ] && break; sleep 0.1; done
mount -o remount,rw /sys 2>/dev/null || true
if [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
  umount -l /sys/fs/cgroup 2>/dev/null || true
  mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
  for c in $(awk 'NR>1 && $4==1 {print $1}' /proc/cgroups); do
    mkdir -p /sys/fs/cgroup/$c; mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c 2>/dev/null || rmdir /sys/fs/cgroup/$c
  done
fi
exec dockerd -H unix:///var/run/docker.sock -H tcp://0.0.0.0:2376 --tlsverify \\
  --tlscacert /certs/ca.pem --tlscert /certs/server-cert.pem --tlskey /certs/server-key.pem
`;

export const ENGINE_IMAGE = `swarm-test-engine:${
  createHash("sha256").update(DOCKERFILE + ENTRY).digest("hex").slice(0, 12)
}`;

export interface RemoteEngine {
  /** The engine's container (on the outer engine) and the network it is on. */
  name: string;
  network: string;
  /** Its address on `network`. */
  ip: string;
  /** What a client needs: DOCKER_HOST=tcp://ip:2376, DOCKER_TLS_VERIFY=1, DOCKER_CERT_PATH. */
  env: { DOCKER_HOST: string; DOCKER_TLS_VERIFY: string; DOCKER_CERT_PATH: string };
  /** The docker CLI inside the engine's container, against the inner engine. */
  docker(...args: string[]): Promise<string>;
  /** Copy an image of the outer engine into the inner one (docker save | docker load, no registry). */
  loadImage(tag: string): Promise<void>;
  stop(): Promise<void>;
}

let building: Promise<void> | undefined;
/** The engine image, built once (offline: Debian's mirror through apt, as the agent image is). */
export function engineImage(): Promise<void> {
  building ??= (async () => {
    if (await imageExists(ENGINE_IMAGE)) return;
    const ctx = await mkdtemp(join(tmpdir(), "swarm-engine-ctx-"));
    try {
      await writeFile(join(ctx, "Dockerfile"), DOCKERFILE);
      await writeFile(join(ctx, "entry.sh"), ENTRY);
      await exec("docker", ["build", "-q", "--label", "swarm-test=1", "-t", ENGINE_IMAGE, ctx], {
        maxBuffer: 64 << 20,
      });
    } finally {
      await rm(ctx, { recursive: true, force: true });
    }
  })();
  return building;
}

/** Start the engine; `network` joins an existing network instead of creating an --internal one. */
export async function startRemoteEngine(opts: { network?: string } = {}): Promise<RemoteEngine> {
  await engineImage();
  const id = randomBytes(4).toString("hex");
  const name = `swarm-test-engine-${id}`;
  const network = opts.network ?? `swarm-test-${id}`;
  const certs = await mkdtemp(join(tmpdir(), "swarm-engine-certs-"));
  const ownNetwork = !opts.network;
  const stop = async () => {
    await docker("rm", "-f", "-v", name).catch(() => {});
    if (ownNetwork) await docker("network", "rm", network).catch(() => {});
    await rm(certs, { recursive: true, force: true });
  };
  try {
    if (ownNetwork) {
      await docker("network", "create", "--internal", "--label", "swarm-test=1", network);
    }
    await docker(
      "run",
      ...["-d", "--name", name, "--label", "swarm-test=1", "--network", network],
      ...["--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE", "--cgroupns", "private"],
      ...["--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined"],
      // The inner engine's storage: an anonymous volume (overlay on overlay does not work), removed with -v.
      ...["-v", "/var/lib/docker", "-v", `${certs}:/certs:ro`],
      ENGINE_IMAGE,
    );
    const ip = await docker(
      "inspect",
      "-f",
      `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`,
      name,
    );
    await makeCerts(certs, ip);
    const inner = (...args: string[]) => docker("exec", name, "docker", ...args);
    await waitFor(() => inner("version", "--format", "{{.Server.Version}}"), 60_000, name);
    return {
      name,
      network,
      ip,
      env: { DOCKER_HOST: `tcp://${ip}:2376`, DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: certs },
      docker: inner,
      loadImage: (tag) => pipeImage(tag, name),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** A CA, a server certificate for `ip`, a client certificate; the names Docker's clients expect. */
async function makeCerts(dir: string, ip: string): Promise<void> {
  const ssl = (...args: string[]) => exec("openssl", args, { cwd: dir });
  const ext = (name: string, body: string) => writeFile(join(dir, name), body);
  await ssl(
    ...[
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=swarm-test-ca",
    ],
    ...["-keyout", "ca-key.pem", "-out", "ca.pem"],
  );
  await ext("server.ext", `subjectAltName=IP:${ip},DNS:localhost\nextendedKeyUsage=serverAuth\n`);
  await ext("client.ext", "extendedKeyUsage=clientAuth\n");
  for (const [who, cn] of [["server", ip], ["client", "swarm-test-client"]] as const) {
    const key = who === "server" ? "server-key.pem" : "key.pem";
    const cert = who === "server" ? "server-cert.pem.tmp" : "cert.pem";
    await ssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      `/CN=${cn}`,
      "-keyout",
      key,
      "-out",
      `${who}.csr`,
    );
    await ssl(
      ...["x509", "-req", "-in", `${who}.csr`, "-CA", "ca.pem", "-CAkey", "ca-key.pem"],
      ...["-CAcreateserial", "-days", "2", "-extfile", `${who}.ext`, "-out", cert],
    );
  }
  // The entry script starts dockerd when this name appears: last, whole.
  await exec("mv", [join(dir, "server-cert.pem.tmp"), join(dir, "server-cert.pem")]);
  await exec("chmod", ["-R", "a+r", dir]);
}

function pipeImage(tag: string, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const save = spawn("docker", ["save", tag], { stdio: ["ignore", "pipe", "inherit"] });
    const load = spawn("docker", ["exec", "-i", name, "docker", "load", "-q"], {
      stdio: ["pipe", "ignore", "inherit"],
    });
    save.stdout.pipe(load.stdin);
    let failed = false;
    const fail = (why: string) => (failed = true, reject(new Error(`Cannot load ${tag}: ${why}`)));
    const timer = setTimeout(() => (save.kill(), load.kill(), fail("over 300 s")), 300_000);
    save.on("exit", (c) => c !== 0 && !failed && fail(`docker save exited ${c}`));
    load.on("exit", (c) => {
      clearTimeout(timer);
      if (!failed) c === 0 ? resolve() : fail(`docker load exited ${c}`);
    });
  });
}

async function waitFor(f: () => Promise<unknown>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      await f();
      return;
    } catch (e) {
      if (Date.now() > end) {
        const logs = await docker("logs", "--tail", "20", what).catch(() => "");
        throw new Error(`${what} did not answer within ${ms / 1000} s: ${e}\n${logs}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** A docker CLI config dir (DOCKER_CONFIG) whose current context `name` is `host`, with the TLS
 * files from `certs` when given: what `docker context create` leaves. */
export async function contextDir(name: string, host: string, certs?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "swarm-docker-config-"));
  const id = createHash("sha256").update(name).digest("hex");
  await mkdir(join(dir, "contexts", "meta", id), { recursive: true });
  await writeFile(join(dir, "config.json"), JSON.stringify({ currentContext: name }));
  const meta = { Name: name, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } };
  await writeFile(join(dir, "contexts", "meta", id, "meta.json"), JSON.stringify(meta));
  if (certs) {
    const tls = join(dir, "contexts", "tls", id, "docker");
    await mkdir(tls, { recursive: true });
    for (const f of ["ca.pem", "cert.pem", "key.pem"]) {
      await writeFile(join(tls, f), await readFile(join(certs, f)));
    }
  }
  return dir;
}
