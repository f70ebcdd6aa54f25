// The one engine set-up behind .ci/run, `npm run demo` and `npm test`: when no Docker engine
// answers, install Debian's docker.io (root on Debian/Ubuntu with apt) and start dockerd (root),
// saying each step on stderr; otherwise print the exact commands for this system and fail.
// `ensureImagesOffline` builds the images the suite needs without any image registry, as CI does.
//   usage: bun scripts/ensure-docker.ts [--images] [--rerun "npm test"]
import { spawn, spawnSync } from "node:child_process";
import { existsSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { detectSystem, dockerHelp, readOsRelease, which } from "../src/install-help.ts";

const ROOT = join(import.meta.dirname, "..");
const DOCKERD_LOG = "/tmp/dockerd.log";
const START_TIMEOUT_S = Number(process.env.SWARM_DOCKERD_START_TIMEOUT ?? 60);
const CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

const say = (s: string) => process.stderr.write(`[setup] ${s}\n`);
const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: "ignore" }).status === 0;
/** Runs a step with its output on stderr (stdout stays clean for callers that read it). */
const step = (cmd: string, args: string[], env?: Record<string, string>) =>
  spawnSync(cmd, args, { stdio: ["ignore", 2, 2], cwd: ROOT, env: { ...process.env, ...env } })
    .status === 0;
const isRoot = () => process.getuid?.() === 0;

export const engineAnswers = () => ok("docker", ["info", "--format", "{{.ServerVersion}}"]);

/** Installs Debian packages when we may (root, apt-get present); false otherwise or on failure. */
export function aptInstall(packages: string[]): boolean {
  if (!isRoot() || !which("apt-get")) return false;
  say(`installing ${packages.join(" ")} with apt-get`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  return step("apt-get", ["update", "-qq"], env) &&
    step("apt-get", ["install", "-y", "-qq", ...packages], env);
}

async function startDockerd(dockerd: string): Promise<boolean> {
  say(`starting dockerd in the background (log: ${DOCKERD_LOG})`);
  const log = openSync(DOCKERD_LOG, "a");
  const child = spawn(dockerd, [], { stdio: ["ignore", log, log], detached: true });
  child.on("error", () => {});
  child.unref();
  let exited = false;
  child.on("exit", () => (exited = true));
  for (let i = 0; i < START_TIMEOUT_S && !exited; i++) {
    if (engineAnswers()) return true;
    await new Promise((r) => setTimeout(r, 1000));
  }
  if (engineAnswers()) return true;
  const tail = readFileSync(DOCKERD_LOG, "utf8").split("\n").slice(-15).join("\n");
  say(
    `dockerd did not start ${
      exited ? "(it exited)" : `within ${START_TIMEOUT_S} s`
    }; the end of ${DOCKERD_LOG}:\n${tail}`,
  );
  return false;
}

/** True when an engine answers, after installing and starting one where we may. */
export async function ensureDocker(rerun: string): Promise<boolean> {
  if (engineAnswers()) return true;
  const system = detectSystem(process.platform, await readOsRelease());
  if (!which("dockerd") && isRoot() && system === "debian") {
    if (!aptInstall(["docker.io"])) return (say("installing docker.io failed (see above)"), false);
    // Under systemd the package starts the engine itself; a second dockerd would only fail.
    if (engineAnswers()) return (say("the docker.io package started the engine"), true);
  }
  const dockerd = which("dockerd");
  if (dockerd && isRoot()) return startDockerd(dockerd);
  process.stderr.write(dockerHelp(system, dockerd ? "stopped" : "absent", rerun) + "\n");
  return false;
}

const BASE_IMAGE = process.env.SWARM_TEST_BASE_IMAGE ?? "swarm-base:bookworm";
const imageExists = (tag: string) => ok("docker", ["image", "inspect", tag]);

/**
 * The images the suite uses: the base (debootstrap from Debian's mirror, so no image registry is
 * needed; a pulled debian:bookworm-slim where debootstrap cannot run) and the agent image from it,
 * rebuilt when its Dockerfile changed.
 */
export function ensureImagesOffline(): boolean {
  const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
  const agent = process.env.SWARM_IMAGE ?? `swarm-mcp-agent:${version}`;
  if (!imageExists(BASE_IMAGE)) {
    if (which("debootstrap") || aptInstall(["debootstrap"])) {
      if (!step(join(ROOT, "scripts", "make-base-image.sh"), [BASE_IMAGE])) return false;
    } else {
      say(`debootstrap is not available: pulling debian:bookworm-slim as ${BASE_IMAGE}`);
      if (
        !step("docker", ["pull", "debian:bookworm-slim"]) ||
        !step("docker", ["tag", "debian:bookworm-slim", BASE_IMAGE])
      ) return false;
    }
  }
  // build-image itself says "up to date" in a second, and rebuilds an image of an older Dockerfile.
  say(`making sure the agent image ${agent} is built from ${BASE_IMAGE}`);
  const ca = existsSync(CA_BUNDLE) ? ["--ca-cert", CA_BUNDLE] : [];
  return step(join(ROOT, "node_modules", ".bin", "bun"), [
    "src/main.ts",
    "build-image",
    "--base",
    BASE_IMAGE,
    ...ca,
    "--tag",
    agent,
  ]);
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const rerun = args.includes("--rerun")
    ? args[args.indexOf("--rerun") + 1] ?? "this command"
    : "this command";
  const ready = (await ensureDocker(rerun)) &&
    (!args.includes("--images") || ensureImagesOffline());
  process.exit(ready ? 0 : 1);
}
