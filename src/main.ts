// Entry point: argv/env → config → manifest → server. The only reader of process state.
import pkg from "../package.json" with { type: "json" };
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { HELP, loadConfig, parseArgs } from "./config.ts";
import { createCore } from "./core/core.ts";
import { readManifest, StartupError, type Manifest } from "./core/loader.ts";
import { configureLog, logger } from "./core/log.ts";
import { serveHttp, serveStdio } from "./core/server.ts";
import { builtins, defaultPlugins } from "./plugins/_registry.ts";
import { runBuildImage, runDoctor } from "./cli.ts";

const log = logger("main");
const env = process.env as Record<string, string | undefined>;
configureLog(env.SWARM_LOG_LEVEL, env.SWARM_LOG_FORMAT);

/** --manifest / SWARM_MANIFEST, else swarm-mcp.json beside the binary, else every built-in. */
async function manifestFor(path: string | undefined): Promise<Manifest> {
  if (path) return readManifest(path);
  const beside = join(dirname(process.execPath), "swarm-mcp.json");
  if (!process.execPath.includes("node_modules") && existsSync(beside)) return readManifest(beside);
  return { plugins: defaultPlugins.map((n) => `builtin:${n}`), base: process.cwd(), source: "(built-in)" };
}

async function main(): Promise<void> {
  const cmd = parseArgs(process.argv.slice(2), env);
  if (cmd.kind === "version") return void process.stdout.write(`swarm-mcp ${pkg.version}\n`);
  if (cmd.kind === "help") return void process.stdout.write(HELP + "\n");
  const config = loadConfig(env, pkg.version);
  if (cmd.kind === "build-image") return runBuildImage(config, cmd);
  if (cmd.kind === "doctor") return runDoctor(config);

  const handle = await createCore(config);
  await handle.load(await manifestFor(cmd.manifest), builtins);
  const info = { name: "swarm-mcp", version: pkg.version };
  let stopping = false;
  const stop = (reason: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    handle.shutdown(reason).finally(() => process.exit(code));
    setTimeout(() => process.exit(code), 10_000).unref?.();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  if (cmd.http) {
    await serveHttp(handle.registry, info, cmd.http);
  } else {
    await serveStdio(handle.registry, info, () => stop("stdin closed"));
  }
  log.info(`swarm-mcp ${pkg.version} ready: ${handle.registry.tools.size} tools, data in ${config.dataDir}`);
  // Off the start-up path: the reaper needs the Docker connection, which is loaded lazily.
  setTimeout(() => handle.reap().catch((e) => log.debug(`reaper skipped: ${(e as Error).message}`)), 200);
}

main().catch((e) => {
  if (e instanceof StartupError) process.stderr.write(`swarm-mcp: ${e.message}\n`);
  else process.stderr.write(`swarm-mcp: ${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
