// Builds the Core object handed to plugins, loads the manifest's plugins into the tool table, and
// owns shutdown (stop every container this instance started) and the start-up reaper.
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import * as v from "valibot";
import { coreFs } from "./core-fs.ts";
import { fail, isToolError, ToolError } from "./errors.ts";
import { fromRuntime, runtimeError } from "./runtime-error.ts";
import { createEvents } from "./events.ts";
import { loadPlugins, type Manifest, StartupError } from "./loader.ts";
import { logger } from "./log.ts";
import { createPools, poolCapacityFromEnv } from "./pools.ts";
import { AGENT_ID, agentPaths, createRefStore } from "./refs.ts";
import { ToolRegistry } from "./registry.ts";
import type { RunRecord } from "./run-record.ts";
import { createRuns } from "./runs.ts";
import { createSandboxes } from "./sandbox.ts";
import { createSpawn } from "./spawn.ts";
import type { HookEntry } from "./spawn-hooks.ts";
import { hostname, pidAlive, processStart } from "./runtime/platform.ts";
import type {
  AgentDriver,
  Config,
  ContainerRuntime,
  Core,
  Logger,
  Plugin,
  PluginFactory,
  Ref,
  RuntimeProvider,
} from "./types.ts";

const MAX_SWEPT = 20_000;

export interface CoreOptions {
  /** Inject a runtime (tests use a fake); default: Docker through docker-modem, created lazily. */
  runtime?: ContainerRuntime;
  /** Replace image handling (tests with a fake runtime skip image builds). */
  ensureImage?: Core["ensureImage"];
}

export interface CoreHandle {
  core: Core;
  registry: ToolRegistry;
  plugins: Plugin[];
  load(manifest: Manifest, builtins: Record<string, PluginFactory>): Promise<void>;
  /** Finish runs dead earlier instances left "running", let drivers remove secrets from agents that
   * ended, and remove containers left behind by dead earlier instances on this host; returns how many. */
  reap(): Promise<number>;
  shutdown(reason: string): Promise<void>;
}

export async function createCore(config: Config, opts: CoreOptions = {}): Promise<CoreHandle> {
  const log = logger("core");
  const events = createEvents(logger("events"));
  const refs = await createRefStore(config.dataDir);
  const pools = createPools({
    maxConcurrent: config.maxConcurrent,
    queueTimeoutS: config.queueTimeoutS,
    capacity: poolCapacityFromEnv(config.env),
  });
  const runs = createRuns(refs, logger("runs"), {
    instance: config.instanceId,
    pid: process.pid,
    host: hostname(config.env),
    started: processStart(),
  }, events.emit);
  const sandboxes = createSandboxes({
    home: config.env.HOME,
    projectDir: config.projectDir,
    defaultAgent: () => drivers.keys().next().value, // the first loaded driver
  });
  const drivers = new Map<string, AgentDriver>();
  const registry = new ToolRegistry((as) => sandboxes.inputs(as));
  const plugins: Plugin[] = [];
  const live = new Map<string, AbortController>(); // "<run>/<agent>" → its container's abort
  const hooks: HookEntry[] = [];

  const runtimes = new Map<string, RuntimeProvider>();
  let runtimePromise: Promise<ContainerRuntime> | undefined;
  /** The runtime SWARM_RUNTIME names (default "docker"), created on first use; a failed creation
   * is not kept, so the next call tries again. */
  const runtime = () => {
    if (opts.runtime) return Promise.resolve(opts.runtime);
    const name = config.env.SWARM_RUNTIME || "docker";
    const provider = runtimes.get(name);
    if (!provider) {
      return Promise.reject(
        new ToolError(
          "DOCKER_UNAVAILABLE",
          `Cannot use runtime "${name}": no loaded plugin provides it; available: ${
            [...runtimes.keys()].join(", ") || "none"
          }; set SWARM_RUNTIME to one of them or add its plugin to the manifest`,
        ),
      );
    }
    return runtimePromise ??= provider.create().catch((e) => {
      runtimePromise = undefined;
      throw fromRuntime(e);
    });
  };
  // A tag some driver declares is built from its recipe when missing; any other must exist.
  const recipe = (tag: string) => {
    const image = [...drivers.values()].find((d) => d.image?.tag === tag)?.image;
    return image?.recipe && (() => image.recipe!());
  };
  const imageLog = logger("image");
  const ensureImage = opts.ensureImage ??
    ((tag: string, l?: Logger) =>
      runtime().then((rt) => rt.ensureImage(tag, recipe(tag), l ?? imageLog)));

  const driver = (name: string) => {
    const d = drivers.get(name);
    if (!d) {
      fail(
        "INVALID_INPUT",
        `Cannot use agent "${name}": no such driver; available: ${
          [...drivers.keys()].join(", ") || "none (check the manifest)"
        }`,
      );
    }
    // A driver without an image of its own (command) runs in the first loaded driver's.
    return d.image ? d : { ...d, image: [...drivers.values()].find((x) => x.image)?.image };
  };

  /** One agent of a run of this server: its container is stopped, its ref written as cancelled;
   * the rest of the run goes on. A foreign run's agents are refused (cancel that whole run). */
  async function cancelAgent(ref: string): Promise<Ref> {
    const { run_id, agent_id } = refs.parse(ref);
    const id = `${run_id}/${agent_id}`;
    let off = () => {};
    const ended = new Promise<Ref>((ok) => {
      off = events.on("agent.finished", (e) => void (e.ref.ref === id && ok(e.ref)));
    });
    // Listening first: an agent that ends after this look is still heard of.
    const c = live.get(id), done = await refs.get(id).catch(() => null);
    if (!c || done) {
      off();
      const r = await runs.status(run_id);
      const why = done
        ? `it ended ${done.status}`
        : r.status !== "running"
        ? `run ${run_id} is ${r.status}`
        : (r as RunRecord).owner?.instance === config.instanceId
        ? "it is queued or ended already"
        : "another swarm-mcp server runs it; cancel the whole run instead";
      fail("NOT_FOUND", `Cannot cancel agent "${id}": it is not running here (${why})`);
    }
    c.abort(new DOMException(`Agent "${id}" was cancelled`, "AbortError"));
    return ended.finally(off);
  }

  const core: Core = {
    v,
    ajv: () => import("ajv").then((m) => m.Ajv),
    cipher: () => import("@noble/ciphers/chacha.js").then((m) => m.xchacha20poly1305),
    events: { on: events.on },
    get sandboxFields() {
      return sandboxes.inputs("check");
    },
    config,
    refs,
    pools,
    runs: { ...runs, cancelAgent },
    sandboxes,
    runtime,
    runtimeError,
    ensureImage,
    driver,
    spawn: createSpawn({
      config,
      refs,
      pools,
      runtime,
      ensureImage,
      driver,
      defaultImage: () => [...drivers.values()].find((d) => d.image)?.image?.tag,
      hooks,
      log: logger("spawn"),
      live,
      emit: events.emit,
    }),
    fail,
    isToolError,
    log,
    logger,
    tools: { has: (name) => registry.tools.has(name) },
    fs: coreFs,
  };

  /** Bounded: at most MAX_SWEPT agent dirs a start; only real directories are entered, never links. */
  async function sweepAgents(): Promise<void> {
    const cleaners = [...drivers.values()].filter((d) => d.cleanup);
    let budget = MAX_SWEPT;
    for (const id of await runs.sweep()) {
      if (!cleaners.length || budget <= 0) return;
      for (const name of await readdir(refs.runDir(id)).catch(() => [] as string[])) {
        const dir = join(refs.runDir(id), name);
        if (
          --budget < 0 || !AGENT_ID.test(name) ||
          !(await lstat(dir).catch(() => null))?.isDirectory()
        ) continue;
        for (const d of cleaners) {
          await d.cleanup!(agentPaths(dir)).catch((e) =>
            log.warn(`cannot clean ${id}/${name}: ${(e as Error)?.message ?? e}`)
          );
        }
      }
    }
  }

  return {
    core,
    registry,
    plugins,
    async load(manifest, builtins) {
      // The built-in runtime is there whatever the manifest lists (SWARM_RUNTIME picks another).
      const withDocker = builtins.docker && !manifest.plugins.includes("builtin:docker")
        ? { ...manifest, plugins: ["builtin:docker", ...manifest.plugins] }
        : manifest;
      for (const { entry, plugin } of await loadPlugins(withDocker, builtins, core)) {
        try {
          for (const t of plugin.tools ?? []) registry.add(plugin.name, t);
          sandboxes.addFields(plugin.name, plugin.fields ?? []);
        } catch (e) {
          throw new StartupError(`Cannot load plugin "${entry}": ${(e as Error).message}`);
        }
        for (const a of plugin.agents ?? []) {
          if (drivers.has(a.name)) {
            throw new StartupError(
              `Cannot load plugin "${entry}": agent driver "${a.name}" is already provided`,
            );
          }
          drivers.set(a.name, a);
        }
        for (const r of plugin.runtimes ?? []) {
          if (runtimes.has(r.name)) {
            throw new StartupError(
              `Cannot load plugin "${entry}": runtime "${r.name}" is already provided`,
            );
          }
          runtimes.set(r.name, r);
        }
        if (plugin.hooks) {
          hooks.push({ plugin: plugin.name, stamps: new Set(plugin.stamps), hooks: plugin.hooks });
        }
        plugins.push(plugin);
      }
    },
    async reap() {
      await sweepAgents().catch((e) =>
        log.warn(`cannot sweep the data dir: ${(e as Error)?.message ?? e}`)
      );
      const rt = await runtime();
      const here = hostname(config.env);
      let n = 0;
      for (const c of await rt.listOwned()) {
        const l = c.labels;
        const dead = l["swarm-mcp.host"] === here && l["swarm-mcp.owner"] !== config.instanceId &&
          !pidAlive(Number(l["swarm-mcp.pid"]), l["swarm-mcp.started"]);
        if (!dead) continue; // another live instance's, or another host's: never ours to touch
        await rt.remove(c.id).then(
          () => n++,
          (e) => log.warn(`cannot remove leftover container ${c.id.slice(0, 12)}: ${e}`),
        );
      }
      if (n) log.info(`removed ${n} container(s) left by a dead earlier instance`);
      return n;
    },
    async shutdown(reason) {
      log.info(`shutting down: ${reason}`);
      for (const c of live.values()) c.abort(new DOMException(reason, "AbortError"));
      await Promise.race([runs.abortAll(reason), new Promise((r) => setTimeout(r, 5000))]);
      if (runtimePromise || opts.runtime) {
        const rt = await runtime().catch(() => null);
        await rt?.removeByLabels({ "swarm-mcp.owner": config.instanceId }).catch((e) => {
          if (!isToolError(e)) log.warn(`cannot remove containers at shutdown: ${e}`);
        });
      }
      for (const p of plugins) await Promise.resolve(p.dispose?.()).catch(() => {});
    },
  };
}
