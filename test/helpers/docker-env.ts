// What the Docker and end-to-end tests need from the engine: whether it answers, the agent image
// (built from the offline debootstrap base when missing), and the scripted model server running as
// a container on an --internal network the test creates, so agents reach it without leaving the
// machine. Test containers carry the label swarm-test=1, never swarm-mcp.owner.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);
export const ROOT = join(import.meta.dirname, "..", "..");
export const BASE_IMAGE = process.env.SWARM_TEST_BASE_IMAGE ?? "swarm-base:bookworm";
export const AGENT_IMAGE = process.env.SWARM_IMAGE ??
  `swarm-mcp-agent:${JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")).version}`;
const BUN = join(ROOT, "node_modules", "bun", "bin", "bun.exe");

export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await exec("docker", args, { maxBuffer: 64 << 20 });
  return stdout.trim();
}

let engine: Promise<boolean> | undefined;
/** True when a Docker engine answers; tests that need one skip with a reason otherwise. */
export function dockerAvailable(): Promise<boolean> {
  engine ??= docker("info", "--format", "{{.ServerVersion}}").then(() => true, () => false);
  return engine;
}

/** Skip reason for describe()/it(), or false when the engine and the images are there. */
export async function dockerSkip(): Promise<string | false> {
  if (!(await dockerAvailable())) {
    return "no Docker engine answers (CI starts one; locally start dockerd)";
  }
  if (!(await imageExists(AGENT_IMAGE)) && !(await imageExists(BASE_IMAGE))) {
    return `neither ${AGENT_IMAGE} nor ${BASE_IMAGE} exists (run scripts/make-base-image.sh, or .ci/run)`;
  }
  return false;
}

export async function imageExists(tag: string): Promise<boolean> {
  return docker("image", "inspect", tag).then(() => true, () => false);
}

let building: Promise<string> | undefined;
/** The agent image, built once from the offline base with the host CA bundle when missing. */
export function agentImage(): Promise<string> {
  building ??= (async () => {
    if (await imageExists(AGENT_IMAGE)) return AGENT_IMAGE;
    await exec(join(ROOT, "node_modules", ".bin", "bun"), [
      join(ROOT, "src", "main.ts"),
      "build-image",
      "--base",
      BASE_IMAGE,
      "--ca-cert",
      "/etc/ssl/certs/ca-certificates.crt",
      "--tag",
      AGENT_IMAGE,
    ], { maxBuffer: 64 << 20 });
    return AGENT_IMAGE;
  })();
  return building;
}

/** The networks tests create (startModelEnv): a server must be told it may use them. */
export const TEST_NETWORKS = "swarm-test-*";

export interface ModelEnv {
  network: string;
  baseUrl: string;
  scriptsDir: string;
  /** Write scripts/<name>.json; the prompt must contain [[script:<name>]]. */
  script(name: string, script: object): Promise<void>;
  requests(): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

/** The scripted Anthropic API in a container on a fresh --internal network (alias "model"). */
export async function startModelEnv(): Promise<ModelEnv> {
  if (!existsSync(BUN)) throw new Error(`bun binary not found at ${BUN}; run npm install`);
  const id = randomBytes(4).toString("hex");
  const network = `swarm-test-${id}`;
  const scriptsDir = await mkdtemp(join(tmpdir(), "swarm-scripts-"));
  await chmod(scriptsDir, 0o777); // the server runs as root in its container; agents never see this dir
  await docker("network", "create", "--internal", "--label", "swarm-test=1", network);
  const image = (await imageExists(BASE_IMAGE)) ? BASE_IMAGE : await agentImage();
  const name = `swarm-test-model-${id}`;
  await docker(
    "run",
    "-d",
    "--rm",
    "--name",
    name,
    "--label",
    "swarm-test=1",
    "--network",
    network,
    "--network-alias",
    "model",
    "-v",
    `${BUN}:/usr/local/bin/bun:ro`,
    "-v",
    `${join(ROOT, "test", "fixtures", "model-server")}:/srv:ro`,
    "-v",
    `${scriptsDir}:/scripts`,
    "--entrypoint",
    "/usr/local/bin/bun",
    image,
    "/srv/main.ts",
    "--port",
    "8080",
    "--scripts",
    "/scripts",
  );
  for (let i = 0; i < 100; i++) {
    const logs = await docker("logs", name).catch(() => "") +
      (await exec("docker", ["logs", name]).then((r) => r.stderr, () => ""));
    if (/listening/.test(logs)) break;
    if (i === 99) throw new Error(`model server did not start: ${logs}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    network,
    baseUrl: "http://model:8080",
    scriptsDir,
    script: (n, s) => writeFile(join(scriptsDir, `${n}.json`), JSON.stringify(s)),
    async requests() {
      const raw = await readFile(join(scriptsDir, "requests.jsonl"), "utf8").catch(() => "");
      return raw.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    },
    async stop() {
      await docker("rm", "-f", name).catch(() => {});
      await docker("network", "rm", network).catch(() => {});
    },
  };
}

/** Containers this project's servers started (label swarm-mcp.owner), optionally one owner's. */
export async function ownedContainers(filter: Record<string, string> = {}): Promise<string[]> {
  const f = Object.entries({ "swarm-mcp.owner": "", ...filter }).flatMap((
    [k, v],
  ) => ["--filter", v ? `label=${k}=${v}` : `label=${k}`]);
  const out = await docker("ps", "-aq", ...f);
  return out ? out.split("\n") : [];
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString("hex")}`;
}
