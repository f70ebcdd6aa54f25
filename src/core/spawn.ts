// One agent: check the sandbox → agent dir → pools → image → driver → container → ref.
// Bad input throws before anything is created. Once the agent dir exists, every outcome (queue
// timeout, cancellation, crash of the driver) is written as a ref, so it can be inspected later.
import { writeFile } from "node:fs/promises";
import { fail, isToolError, ToolError, writingData } from "./errors.ts";
import { checkEnvNames, checkInputFiles, checkWorkdir } from "./container-policy.ts";
import { fromRuntime } from "./runtime-error.ts";
import { hostname } from "./runtime/platform.ts";
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
  log: Logger;
  /** Containers in flight, so shutdown can stop them. */
  live: Set<AbortController>;
  emit(event: SwarmEvent): void;
}

export const HOME_IN_CONTAINER = "/home/agent";
const trimmed = (p: string) => p.replace(/\/+$/, "");

export function ownerLabels(config: Config): Record<string, string> {
  return {
    "swarm-mcp.owner": config.instanceId,
    "swarm-mcp.pid": String(process.pid),
    "swarm-mcp.host": hostname(config.env),
  };
}

export function createSpawn(deps: SpawnDeps) {
  const { config, refs } = deps;

  return async function spawn(spec: SandboxSpec, prompt: string, opts: SpawnOptions): Promise<Ref> {
    const log = opts.log ?? deps.log;
    const driver = deps.driver(spec.agent);
    // Everything the caller could get wrong is checked before the agent dir exists.
    const workdir = checkWorkdir(spec.workdir);
    checkEnvNames(spec.env_vars);
    checkInputFiles(spec.input_files, workdir);
    const image = spec.image ?? config.image;
    const shadowed = spec.mounts.some((m) => trimmed(m.container_path) === trimmed(workdir));
    if (shadowed && (spec.claude_md || Object.keys(spec.input_files).length)) {
      fail(
        "INVALID_INPUT",
        `Cannot place input_files or claude_md in "${workdir}": a mount covers that workdir; mount the project below it (e.g. ${workdir}/project) or write the files into the mounted directory`,
      );
    }
    const { mounts, network, memory, cpus, gpu } = spec;
    const ask = { image, mounts, network, memory, cpus, gpu, workdir };
    await deps.runtime().then((rt) => rt.check(ask)).catch((e) => Promise.reject(fromRuntime(e)));

    const paths = await refs.create(opts.run_id, opts.agent_id);
    await writingData(
      "the prompt",
      config.dataDir,
      () => writeFile(paths.prompt, prompt, { mode: 0o600 }),
    );
    const started = Date.now();
    const elapsed = () => (Date.now() - started) / 1000;
    const base = {
      duration_seconds: 0,
      parents: opts.parents ?? [],
      model: spec.agent === "claude" ? spec.model : null,
    };
    const failed = (status: Ref["status"], error: string, exit_code = -1) =>
      refs.finish(opts.run_id, opts.agent_id, {
        ...base,
        status,
        error,
        exit_code,
        duration_seconds: elapsed(),
      });

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
    deps.live.add(abort);
    try {
      if (abort.signal.aborted) {
        return await failed("cancelled", "Cancelled before the agent started");
      }
      const runtime = await deps.runtime();
      await deps.ensureImage(image, log);
      const job = {
        run_id: opts.run_id,
        agent_id: opts.agent_id,
        prompt,
        spec,
        paths,
        budget_cap: opts.budget_cap,
        user: runtime.user?.(),
      };
      const plan = await writingData(
        `the files of agent "${opts.agent_id}"`,
        config.dataDir,
        () => driver.prepare(job),
      );
      // The container reads its stdin from a file: prompt.txt when that is what the driver sends.
      const stdinFile = plan.stdin === undefined
        ? undefined
        : plan.stdin === prompt
        ? paths.prompt
        : paths.stdin;
      if (stdinFile === paths.stdin) {
        await writingData(
          "the agent's stdin",
          config.dataDir,
          () => writeFile(paths.stdin, plan.stdin!, { mode: 0o600 }),
        );
      }
      const { run_id, agent_id } = opts;
      deps.emit({
        type: "agent.started",
        ref: `${run_id}/${agent_id}`,
        run_id,
        agent_id,
        image: plan.image ?? image,
      });
      // Runs the container; the runtime judges the mounts again (a path swapped for a link while
      // the agent queued is refused) and says how the dirs reach it.
      const exit: ContainerExit = await runtime.run({
        image: plan.image ?? image,
        cmd: plan.cmd,
        entrypoint: plan.entrypoint,
        env: { HOME: HOME_IN_CONTAINER, ...plan.env, ...spec.env_vars },
        workdir,
        dirs: [
          { host: paths.home, container: HOME_IN_CONTAINER, writable: true },
          { host: paths.out, container: "/output", writable: true },
          ...(shadowed ? [] : [{ host: paths.workspace, container: workdir, writable: true }]),
        ],
        mounts,
        network,
        memory,
        cpus,
        gpu,
        labels: {
          ...ownerLabels(config),
          "swarm-mcp.run": opts.run_id,
          "swarm-mcp.agent": opts.agent_id,
        },
        stdin: stdinFile,
        stdout: paths.stream,
        stderr: paths.stderr,
        timeoutMs: spec.timeout * 1000,
        name: `swarm-${opts.run_id}-${opts.agent_id}`,
      }, abort.signal);
      const outcome = await driver.parse(job, exit);
      const ref = await refs.finish(opts.run_id, opts.agent_id, {
        ...base,
        ...outcome,
        duration_seconds: exit.durationMs / 1000 || elapsed(),
        container_id: exit.containerId,
      });
      log.info(
        `agent ${ref.ref} ${ref.status} in ${ref.duration_seconds}s${
          ref.cost_usd != null ? ` $${ref.cost_usd}` : ""
        }`,
      );
      return ref;
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
      if (!isToolError(e)) {
        log.error(`agent ${opts.run_id}/${opts.agent_id} crashed: ${(e as Error)?.stack ?? e}`);
      }
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
        log.warn(
          `cannot clean agent ${opts.run_id}/${opts.agent_id}: ${(e as Error)?.message ?? e}`,
        )
      );
      opts.signal.removeEventListener("abort", onAbort);
      deps.live.delete(abort);
      slot.release();
    }
  };
}
