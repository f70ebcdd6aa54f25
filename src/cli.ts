// The non-server commands: build-image and doctor. They talk to a person, so they print to stdout.
import { constants } from "node:fs";
import { access, mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "./config.ts";
import { logger } from "./core/log.ts";
import { agentRecipe, claudeImage } from "./plugins/claude-code/image.ts";
import { createDockerRuntime } from "./plugins/docker/docker.ts";
import { dockerEndpoint } from "./plugins/docker/context.ts";
import { buildFromRecipe, imageState } from "./plugins/docker/image.ts";
import { git } from "./plugins/repo/git.ts";
import { detectSystem, dockerHelp, readOsRelease, which } from "./install-help.ts";
import type { Config } from "./core/types.ts";

const say = (line: string) => void process.stdout.write(line + "\n");
/** The claude driver's image, as the server would ensure it. */
const agentImage = (config: Config) => claudeImage(config);

/** The engine the server would use: DOCKER_HOST with its TLS files, or the current Docker context. */
function engineRuntime(config: Config) {
  try {
    return createDockerRuntime({ ...dockerEndpoint(config.env), log: logger("docker") });
  } catch (e) {
    process.stderr.write(`swarm-mcp: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

export async function runBuildImage(
  config: Config,
  cmd: Extract<Command, { kind: "build-image" }>,
): Promise<void> {
  const runtime = engineRuntime(config);
  const tag = cmd.tag ?? agentImage(config).tag;
  const started = Date.now();
  try {
    await runtime.ping();
    const recipe = await agentRecipe({
      baseImage: cmd.base ?? config.env.SWARM_BASE_IMAGE,
      caCertFile: cmd.caCert ?? config.env.SWARM_CA_CERT,
    });
    if ((await imageState(runtime, tag, recipe)) === "current") return say(`${tag} is up to date`);
    await buildFromRecipe(runtime, tag, recipe, logger("build-image"));
  } catch (e) {
    process.stderr.write(`swarm-mcp: ${(e as Error).message}\n`);
    process.exit(1);
  }
  say(`built ${tag} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

interface Check {
  name: string;
  ok: boolean | "warn";
  detail: string;
}

export async function runDoctor(config: Config): Promise<void> {
  const checks: Check[] = [];
  const runtime = engineRuntime(config);
  let engine = false;
  try {
    await runtime.ping();
    engine = true;
    checks.push({ name: "docker engine", ok: true, detail: `reachable at ${runtime.endpoint}` });
  } catch (e) {
    checks.push({
      name: "docker engine",
      ok: false,
      detail: (e as Error)?.message ?? String(e), // a runtime error: its sentence
    });
  }
  if (engine) {
    const { tag, recipe } = agentImage(config);
    const present = await runtime.imageExists(tag);
    const fresh = present && recipe &&
      (await recipe().then((r) => imageState(runtime, tag, r)).catch(() => "")) === "current";
    checks.push({
      name: "agent image",
      ok: present ? (fresh || config.env.SWARM_IMAGE ? true : "warn") : "warn",
      detail: present
        ? `${tag} present${
          fresh
            ? ""
            : config.env.SWARM_IMAGE
            ? ""
            : " (built from another Dockerfile or with other --base/--ca-cert options; swarm-mcp build-image refreshes it)"
        }`
        : `${tag} missing: it is built on first use, or now with: swarm-mcp build-image`,
    });
  }
  const env = config.env;
  const creds = [
    env.ANTHROPIC_API_KEY && "ANTHROPIC_API_KEY",
    env.CLAUDE_CODE_OAUTH_TOKEN && "CLAUDE_CODE_OAUTH_TOKEN",
    env.ANTHROPIC_AUTH_TOKEN && "ANTHROPIC_AUTH_TOKEN",
  ].filter(Boolean);
  const credFile = env.HOME ? join(env.HOME, ".claude", ".credentials.json") : "";
  const hasFile = credFile ? await stat(credFile).then(() => true, () => false) : false;
  checks.push({
    name: "credentials",
    ok: creds.length || hasFile ? true : false,
    detail: creds.length
      ? `from the environment: ${creds.join(", ")}${
        env.ANTHROPIC_BASE_URL ? ` (base URL ${env.ANTHROPIC_BASE_URL})` : ""
      }`
      : hasFile
      ? `from ${credFile}`
      : "none: set ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN, or run `claude login` on this machine",
  });
  try {
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
    await access(config.dataDir, constants.W_OK);
    const mode = (await stat(config.dataDir)).mode & 0o777;
    checks.push({
      name: "data dir",
      ok: mode === 0o700 ? true : "warn",
      detail: `${config.dataDir} (mode ${mode.toString(8)}${
        mode === 0o700 ? "" : `: run chmod 700 ${config.dataDir}`
      })`,
    });
  } catch (e) {
    checks.push({
      name: "data dir",
      ok: false,
      detail: `${config.dataDir} is not writable: ${(e as Error).message}; set SWARM_DATA_DIR`,
    });
  }
  // Only sandboxes with `repo` need it (the host commits agents' changes): a warning, not a failure.
  const gitVersion = await git(["--version"]).then((r) => r.stdout.trim(), () => "");
  checks.push({
    name: "git",
    ok: gitVersion ? true : "warn",
    detail: gitVersion || "not found on PATH: sandboxes with repo need the host's git; install git",
  });
  for (const c of checks) {
    say(
      `${c.ok === true ? "ok  " : c.ok === "warn" ? "warn" : "FAIL"}  ${
        c.name.padEnd(14)
      } ${c.detail}`,
    );
  }
  if (!engine) {
    say(
      "\n" +
        dockerHelp(
          detectSystem(process.platform, await readOsRelease()),
          which("dockerd") ? "stopped" : "absent",
          "swarm-mcp doctor",
        ),
    );
  }
  if (checks.some((c) => c.ok === false)) process.exit(1);
}
