// One agent as a pipeline: check → prepare → run → finish. check refuses bad input (the core's,
// the driver's, the plugins' hooks, the runtime's) before anything is created or queued. Once the
// agent dir exists, every outcome (queue timeout, cancellation, crash of the driver) is written as a
// ref, so it can be inspected later. Plugins take part through Plugin.hooks (spawn-hooks.ts).
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fail, isToolError, ToolError, writingData } from "./errors.ts";
import { checkEnvNames, checkInputFiles, checkWorkdir, within } from "./container-policy.ts";
import { fromRuntime } from "./runtime-error.ts";
import { hostname, processStart } from "./runtime/platform.ts";
import { activeRun } from "./run-scope.ts";
import { finishHooks, type HookEntry, prepareHooks, stageAdditions } from "./spawn-hooks.ts";
import type {
  AgentDriver,
  Config,
  ContainerExit,
  ContainerRuntime,
  Logger,
  Pools,
  Ref,
  RefStore,
  SandboxSpec,
  SpawnJob,
  SpawnOptions,
  SwarmEvent,
} from "./types.ts";

export interface SpawnDeps {
  config: Config;
  refs: RefStore;
  pools: Pools;
  runtime(): Promise<ContainerRuntime>;
  ensureImage(tag: string, log?: Logger): Promise<void>;
  driver(name: string): AgentDriver;
  /** The image of the first loaded driver that declares one. */
  defaultImage(): string | undefined;
  /** The plugins' hooks in manifest order (filled while plugins load). */
  hooks: HookEntry[];
  log: Logger;
  /** Containers in flight by "<run>/<agent>", so shutdown and cancelAgent can stop them. */
  live: Map<string, AbortController>;
  emit(event: SwarmEvent): void;
}

const HOME_IN_CONTAINER = "/home/agent";
const trimmed = (p: string) => p.replace(/\/+$/, "");

export function createSpawn(deps: SpawnDeps) {
  const { config, refs, hooks } = deps;
  const announce = (ref: Ref) => (deps.emit({ type: "agent.finished", ref }), ref);
  const dataDirOnly = (host: string) =>
    within(resolve(host), config.dataDir)
      ? { host, writable: true }
      : fail("INTERNAL", `Cannot bind "${host}": a hook's dirs must lie in the data dir`);
  const write = (what: string, file: string, text: string) =>
    writingData(what, config.dataDir, () => writeFile(file, text, { mode: 0o600 }));

  /** Everything the caller, the driver or a plugin could refuse, before the agent dir exists. */
  async function check(job: SpawnJob, driver: AgentDriver) {
    const { spec } = job;
    const workdir = checkWorkdir(spec.workdir);
    checkEnvNames(spec.env_vars);
    checkInputFiles(spec.input_files, workdir);
    const shadowed = spec.mounts.some((m) => trimmed(m.container_path) === trimmed(workdir));
    if (shadowed && Object.keys(spec.input_files).length) {
      fail(
        "INVALID_INPUT",
        `Cannot place input_files in "${workdir}": a mount covers that workdir; mount the project below it (e.g. ${workdir}/project) or write the files into the mounted directory`,
      );
    }
    await driver.check?.(job);
    for (const h of hooks) await h.hooks.check?.(job);
    const { mounts, network, memory, cpus, gpu } = spec;
    // A driver without an image of its own (command) runs in the image of the first driver that has one.
    const image = spec.image ?? driver.image?.tag ?? deps.defaultImage() ??
      fail(
        "INVALID_INPUT",
        `Cannot start agent "${spec.agent}": no loaded driver declares an image; give the sandbox an image`,
      );
    const ask = { image, mounts, network, memory, cpus, gpu, workdir };
    await deps.runtime().then((rt) => rt.check(ask)).catch((e) => Promise.reject(fromRuntime(e)));
    return { workdir, shadowed, image: ask.image };
  }

  return async function spawn(spec: SandboxSpec, prompt: string, opts: SpawnOptions): Promise<Ref> {
    const log = opts.log ?? deps.log;
    const driver = deps.driver(spec.agent);
    const { run_id, agent_id, budget_cap } = opts;
    const parents = opts.parents ?? [];
    const id = `${run_id}/${agent_id}`;
    const tool = activeRun()?.info().tool;
    const job: SpawnJob = { run_id, agent_id, tool, spec, prompt, parents, budget_cap };
    const { workdir, shadowed, image } = await check(job, driver);

    const paths = await refs.create(run_id, agent_id);
    await write("the prompt", paths.prompt, prompt);
    const started = Date.now();
    const elapsed = () => (Date.now() - started) / 1000;
    const failed = (status: Ref["status"], error: string, exit_code = -1) =>
      refs.finish(run_id, agent_id, {
        parents,
        status,
        error,
        exit_code,
        duration_seconds: elapsed(),
      }).then(announce);

    const pools = [...spec.resources, ...(spec.gpu ? ["gpu"] : [])];
    let slot: { release(): void };
    try {
      slot = await deps.pools.acquire(pools, { signal: opts.signal });
    } catch (e) {
      if (isToolError(e) && e.code === "QUEUE_TIMEOUT") return failed("failed", e.message);
      if (opts.signal.aborted) return failed("cancelled", "Cancelled before the agent started");
      const ref = await failed("failed", isToolError(e) ? e.message : String(e));
      if (isToolError(e)) throw new ToolError(e.code, e.message, { ...e.data, ref: ref.ref });
      throw e;
    }
    const abort = new AbortController();
    const onAbort = () => abort.abort(opts.signal.reason);
    opts.signal.addEventListener("abort", onAbort, { once: true });
    deps.live.set(id, abort);
    try {
      if (abort.signal.aborted) {
        return await failed("cancelled", "Cancelled before the agent started");
      }
      const runtime = await deps.runtime();
      await deps.ensureImage(image, log);
      const prepared = { ...job, paths };
      const add = hooks.length ? await prepareHooks(hooks, prepared) : undefined;
      const told = add?.preamble ? `${add.preamble}\n\n${prompt}` : prompt;
      if (told !== prompt) await write("the prompt", paths.prompt, told);
      const plan = await writingData(
        `the files of agent "${agent_id}"`,
        config.dataDir,
        async () => {
          const plan = await driver.prepare({ ...prepared, prompt: told, user: runtime.user?.() });
          if (add) await stageAdditions(add, paths, workdir, HOME_IN_CONTAINER, shadowed);
          return plan;
        },
      );
      // The container reads its stdin from a file: prompt.txt when that is what the driver sends.
      const stdin = plan.stdin === undefined
        ? undefined
        : plan.stdin === told
        ? paths.prompt
        : paths.stdin;
      if (stdin === paths.stdin) await write("the agent's stdin", paths.stdin, plan.stdin!);
      deps.emit({ type: "agent.started", ref: id, run_id, agent_id, image: plan.image ?? image });
      const { network, memory, cpus, gpu } = spec;
      // Runs the container; the runtime judges the mounts again (a path swapped for a link while
      // the agent queued is refused) and says how the dirs reach it.
      const exit: ContainerExit = await runtime.run({
        image: plan.image ?? image,
        cmd: plan.cmd,
        entrypoint: plan.entrypoint,
        // The operator's plugins have the last word over the caller's env_vars.
        env: { HOME: HOME_IN_CONTAINER, ...plan.env, ...spec.env_vars, ...add?.env },
        workdir,
        dirs: [
          { host: paths.home, container: HOME_IN_CONTAINER, writable: true },
          { host: paths.out, container: "/output", writable: true },
          ...(shadowed ? [] : [{ host: paths.workspace, container: workdir, writable: true }]),
          ...(add?.dirs ?? []).map((d) => ({ ...dataDirOnly(d.host), container: d.container })),
        ],
        mounts: add?.mounts.length ? [...spec.mounts, ...add.mounts] : spec.mounts,
        network,
        memory,
        cpus,
        gpu,
        labels: {
          "swarm-mcp.owner": config.instanceId,
          "swarm-mcp.pid": String(process.pid),
          "swarm-mcp.started": processStart(),
          "swarm-mcp.host": hostname(config.env),
          "swarm-mcp.run": run_id,
          "swarm-mcp.agent": agent_id,
        },
        stdin,
        stdout: paths.stream,
        stderr: paths.stderr,
        timeoutMs: spec.timeout * 1000,
        name: `swarm-${run_id}-${agent_id}`,
      }, abort.signal);
      const outcome = await driver.parse({ ...prepared, prompt: told }, exit);
      let ref = await refs.finish(run_id, agent_id, {
        parents,
        ...outcome,
        duration_seconds: exit.durationMs / 1000 || elapsed(),
        container_id: exit.containerId,
      });
      if (hooks.length) ref = await finishHooks(hooks, prepared, ref, refs, log);
      const cost = ref.cost_usd != null ? ` $${ref.cost_usd}` : "";
      log.info(`agent ${ref.ref} ${ref.status} in ${ref.duration_seconds}s${cost}`);
      return announce(ref);
    } catch (thrown) {
      const e = fromRuntime(thrown);
      if (abort.signal.aborted) return failed("cancelled", "Cancelled");
      if (isToolError(e) && (e.code === "DOCKER_UNAVAILABLE" || e.code === "IMAGE_UNAVAILABLE")) {
        await failed("failed", e.message);
        throw e; // the environment is broken: the whole call should say so
      }
      const message = isToolError(e)
        ? e.message
        : `Internal error while running the agent: ${(e as Error)?.message ?? e}`;
      if (!isToolError(e)) log.error(`agent ${id} crashed: ${(e as Error)?.stack ?? e}`);
      const ref = await failed("failed", message);
      if (
        isToolError(e) &&
        (e.code === "INVALID_INPUT" || e.code === "NOT_FOUND" || e.code === "FORBIDDEN")
      ) {
        throw new ToolError(e.code, e.message, { ...e.data, ref: ref.ref });
      }
      return ref;
    } finally {
      // The container is gone (run removes it): secrets the driver staged go too, whatever the outcome.
      await driver.cleanup?.(paths).catch((e) =>
        log.warn(`cannot clean agent ${id}: ${(e as Error)?.message ?? e}`)
      );
      opts.signal.removeEventListener("abort", onAbort);
      deps.live.delete(id);
      slot.release();
    }
  };
}
