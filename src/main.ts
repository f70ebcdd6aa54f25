// Entry point: argv/env → config → manifest → server. The only reader of process state.
import pkg from "../package.json" with { type: "json" };
import { existsSync, lstatSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { HELP, type HttpCommand, loadConfig, parseArgs } from "./config.ts";
import { createCore } from "./core/core.ts";
import { type Manifest, readManifest, StartupError } from "./core/loader.ts";
import { configureLog, logger } from "./core/log.ts";
import { serveHttp } from "./server/http.ts";
import { httpToken } from "./server/http-token.ts";
import { serveStdio } from "./server/mcp.ts";
import type { ToolRegistry } from "./core/registry.ts";
import type { Events } from "./core/types.ts";
import type { RoutedPlugin } from "./server/routes.ts";
import { builtins, defaultPlugins } from "./plugins/_registry.ts";
import { runBuildImage, runDoctor } from "./cli.ts";

const log = logger("main");
const env = process.env as Record<string, string | undefined>;
configureLog(env.SWARM_LOG_LEVEL, env.SWARM_LOG_FORMAT);

/** Whether only we (or root) may change `path`: a manifest names code this process runs. */
function ours(path: string, follow: boolean): boolean {
  const s = (follow ? statSync : lstatSync)(path, { throwIfNoEntry: false });
  const uid = process.getuid?.() ?? 0;
  return !!s && !s.isSymbolicLink() && (s.uid === uid || s.uid === 0) && !(s.mode & 0o022);
}

/** --manifest / SWARM_MANIFEST, else swarm-mcp.json beside the binary, else every built-in. The
 * file beside the binary counts only where no one else may write: in a shared dir (a download
 * left in /tmp) another user could plant it and run code as whoever starts the binary. */
function manifestFor(path: string | undefined): Promise<Manifest> {
  if (path) return readManifest(path);
  const dir = dirname(process.execPath);
  const beside = join(dir, "swarm-mcp.json");
  if (!process.execPath.includes("node_modules") && existsSync(beside)) {
    if (ours(dir, true) && ours(beside, false)) return readManifest(beside);
    log.warn(
      `ignoring ${beside}: it or ${dir} may be changed by other users (or it is a link); move them somewhere only you can write, or pass --manifest`,
    );
  }
  return Promise.resolve({
    plugins: defaultPlugins.map((n) => `builtin:${n}`),
    base: process.cwd(),
    source: "(built-in)",
  });
}

// One bad call must never end the process (and every run with it): a throw from a timer callback
// or a rejection nobody handles is logged with an incident id, and the server keeps serving.
let incidents = 0;
const survive = (kind: string) => (e: unknown) => {
  log.error(
    `${kind} (incident ${process.pid.toString(16)}-p${++incidents}), still serving: ${
      (e as Error)?.stack ?? String(e)
    }`,
  );
};
process.on("uncaughtException", survive("uncaught exception"));
process.on("unhandledRejection", survive("unhandled rejection"));

/** --http: without --token/SWARM_HTTP_TOKEN (and without --no-auth) the token comes from
 * <data>/http-token, and the ready client entry is printed to stderr. */
async function startHttp(
  registry: ToolRegistry,
  info: { name: string; version: string },
  http: HttpCommand,
  dataDir: string,
  plugins: RoutedPlugin[],
  events: Pick<Events, "on">,
): Promise<void> {
  const stored = http.token === undefined && !http.noAuth ? await httpToken(dataDir) : undefined;
  const token = http.token ?? stored?.token;
  const server = await serveHttp(registry, info, {
    ...http,
    token,
    tokenFile: stored?.file,
    plugins,
    events,
  });
  if (server.loginUrl) {
    process.stderr.write(`swarm-mcp: live view, one-time login link: ${server.loginUrl}\n`);
  }
  if (!stored) return;
  const entry = {
    mcpServers: {
      swarm: { type: "http", url: server.url, headers: { Authorization: `Bearer ${token}` } },
    },
  };
  process.stderr.write(
    `swarm-mcp: bearer token in ${stored.file}; client config:\n${JSON.stringify(entry)}\n`,
  );
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
    const { registry, plugins, core } = handle;
    await startHttp(registry, info, cmd.http, config.dataDir, plugins, core.events);
  } else {
    const routed = handle.plugins.filter((p) => p.routes).map((p) => p.name);
    if (routed.length) {
      log.debug(`stdio: routes of ${routed.join(", ")} are served with --http only`);
    }
    await serveStdio(handle.registry, info, () => stop("stdin closed"), handle.core.events);
  }
  log.info(
    `swarm-mcp ${pkg.version} ready: ${handle.registry.tools.size} tools, data in ${config.dataDir}`,
  );
  // Off the start-up path: the reaper needs the Docker connection, which is loaded lazily.
  setTimeout(
    () => handle.reap().catch((e) => log.debug(`reaper skipped: ${(e as Error).message}`)),
    200,
  );
}

main().catch((e) => {
  if (e instanceof StartupError) process.stderr.write(`swarm-mcp: ${e.message}\n`);
  else process.stderr.write(`swarm-mcp: ${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
