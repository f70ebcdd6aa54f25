// Contracts of one agent run: the job and what a driver stages and reports, and the
// container runtime underneath. Re-exported by types.ts, which is what plugins import.
import type { Json, Logger, RefStatus } from "./types.ts";
import type { Mount, SandboxSpec } from "./sandbox-types.ts";
import type { DriverImage, ImageRecipe } from "./image-types.ts";

/** The small JSON handle that travels on the wire (≤ 1 KB whatever the output size). */
export interface Ref {
  ref: string; // "<run_id>/<agent_id>"
  run_id: string;
  agent_id: string;
  status: RefStatus;
  exit_code: number;
  error: string | null;
  cost_usd: number | null;
  duration_seconds: number;
  model: string | null;
  session_id: string | null;
  num_turns: number | null;
  size: number; // bytes of output text on disk
  content_hash: string | null; // sha256 of the text, first 16 hex
  parents: string[];
  /** The agent's directory on the server's host: output.md, inspect.md, out/, workspace/. */
  output_dir: string;
  stamps?: Record<string, Json>;
  /** The agent's structured output (output_schema), when not encrypted and under 64 KiB as JSON. */
  structured_output?: Json;
}

/** What a driver reports about one finished agent; the core turns it into a Ref. */
export interface AgentOutcome {
  status: RefStatus;
  exit_code: number;
  error: string | null;
  /** Output text, or the name of a file in the agent dir that holds it (for large outputs). */
  text?: string;
  text_file?: string;
  cost_usd?: number | null;
  model?: string | null;
  session_id?: string | null;
  num_turns?: number | null;
  usage?: Json;
  structured_output?: Json;
}

/** Paths of one agent's directory; everything is derived from validated ids. */
export interface AgentPaths {
  dir: string; // <data>/<run_id>/<agent_id>
  home: string; // staged HOME, mounted into the container
  workspace: string; // mounted at spec.workdir
  out: string; // mounted at /output (artifacts.jsonl lands here)
  stream: string; // stream.jsonl: raw container stdout
  stderr: string; // stderr.log
  prompt: string; // prompt.txt
  stdin: string; // stdin.txt: the container's stdin, when a driver asks for other text than the prompt
}

export interface AgentJob {
  run_id: string;
  agent_id: string;
  prompt: string;
  spec: SandboxSpec;
  paths: AgentPaths;
  /** Remaining budget in USD for this agent, when a combinator set one. */
  budget_cap?: number;
  /** The uid:gid the container runs as, when the runtime says. */
  user?: { uid: number; gid: number };
}

/** What a driver asks the runtime to run. Secrets go in `env`, never in `cmd`. */
export interface DriverPlan {
  cmd: string[];
  entrypoint?: string[];
  env: Record<string, string>;
  /** Text written to the container's stdin, then closed. */
  stdin?: string;
  image?: string;
}

export interface AgentDriver {
  name: string;
  /** The image its agents run when the sandbox names none, ensured (built through the runtime
   * from its recipe when missing) before the agent starts. Without it, a sandbox must name one. */
  image?: DriverImage;
  /** Refuse what this driver cannot run (a bad effort, a schema too large, an unknown MCP name, a
   * spent budget): spawn calls it before the agent has a dir, waits for a slot or an image. */
  check?(job: SpawnJob): void | Promise<void>;
  /** Stage files (HOME, settings, credentials) into job.paths and say how to start the container. */
  prepare(job: AgentJob): Promise<DriverPlan>;
  /** Read what the container produced and report the outcome. */
  parse(job: AgentJob, exit: ContainerExit): Promise<AgentOutcome>;
  /** Remove secrets staged in the agent dir once its container is gone: called when the agent ends
   * (any outcome) and, at start-up, for agents of runs that ended with a dead server. */
  cleanup?(paths: AgentPaths): Promise<void>;
}

/**
 * One container as the core asks for it. The contract does not assume the engine sees the server's
 * filesystem: `dirs` are the agent's own directories, content provided at start and collected back
 * after exit (Docker binds them; a remote engine would copy them in and out through its archive
 * endpoint). `mounts` are the caller's, as asked: the runtime judges them in `check` (a runtime
 * that does not share the host's filesystem refuses them unless declared shared). stdin, stdout and
 * stderr are files on the server.
 */
export interface ContainerSpec {
  image: string;
  cmd: string[];
  entrypoint?: string[];
  env: Record<string, string>;
  workdir: string;
  dirs: { host: string; container: string; writable: boolean }[];
  mounts: Mount[];
  network: boolean | string; // true: the runtime's default network, false: none
  memory?: string;
  cpus?: number;
  gpu: boolean;
  labels: Record<string, string>;
  stdin?: string;
  stdout: string;
  stderr: string;
  timeoutMs: number;
  name: string;
}

/** What `check` judges before the agent has a dir, a slot or a command. */
export type ContainerAsk = Pick<
  ContainerSpec,
  "image" | "mounts" | "network" | "memory" | "cpus" | "gpu" | "workdir"
>;

/** How a runtime fails; spawn maps these to tool errors in one place. Make one with
 * `core.runtimeError(kind, message)` (plugin files cannot import the core's classes). */
export type RuntimeErrorKind =
  | "unavailable"
  | "image"
  | "invalid"
  | "forbidden"
  | "conflict"
  | "start";

export interface RuntimeProvider {
  name: string;
  /** Called on first use, so start-up stays fast. */
  create(): Promise<ContainerRuntime>;
}

export interface ContainerExit {
  exitCode: number;
  timedOut: boolean;
  cancelled: boolean;
  containerId: string;
  durationMs: number;
}

export interface ContainerRuntime {
  endpoint: string;
  /** Throws an "unavailable" runtime error naming the endpoint when the engine is unreachable. */
  ping(): Promise<void>;
  /** Refuse what this runtime cannot run (image name, mounts, network, limits): spawn calls it
   * before the agent dir exists or a slot is waited for; `run` judges again right before start. */
  check(ask: ContainerAsk): Promise<void>;
  /** The uid:gid agents run as, when the runtime decides one (drivers may need to know). */
  user?(): { uid: number; gid: number };
  /** The address at which a container on `network` reaches the host (a bridge's gateway), or null
   * when it cannot: how a plugin rewrites a loopback URL of the host for an agent. */
  hostAddress?(network: boolean | string): Promise<string | null>;
  /** Create, start, stdout/stderr to the files, wait, and always remove. Never throws for exit codes. */
  run(spec: ContainerSpec, signal: AbortSignal): Promise<ContainerExit>;
  /** Make sure `tag` can run. With a recipe (a driver's own image): build it when missing, once
   * however many agents ask at the same moment. Without one: an "image" runtime error when the
   * runtime lacks it. */
  ensureImage(
    tag: string,
    recipe: (() => Promise<ImageRecipe>) | undefined,
    log: Logger,
  ): Promise<void>;
  /** Kill and remove every container carrying all these labels; returns how many. */
  removeByLabels(labels: Record<string, string>): Promise<number>;
  /** Containers with the owner label, for the start-up reaper. */
  listOwned(): Promise<{ id: string; labels: Record<string, string> }[]>;
  remove(id: string): Promise<void>;
}

/** One agent as spawn's hooks see it: the resolved spec, the prompt and the refs its input came
 * from. `tool` is the outermost tool of the run ("par", "run"…) when spawned inside one. */
export interface SpawnJob {
  readonly run_id: string;
  readonly agent_id: string;
  readonly tool?: string;
  readonly spec: SandboxSpec;
  readonly prompt: string;
  readonly parents: readonly string[];
  readonly budget_cap?: number;
}

/** The job once its agent dir exists and its slot is taken. */
export interface PreparedJob extends SpawnJob {
  readonly paths: AgentPaths;
}

/** What a prepare hook adds to an agent; the core merges every plugin's in manifest order (a later
 * plugin's env wins, and every plugin's env wins over the caller's env_vars). */
export interface SpawnAdditions {
  mounts?: Mount[];
  env?: Record<string, string>;
  /** Files written into the workspace, named relative to the workdir (as input_files). */
  files?: Record<string, string>;
  /** Files written into the agent's HOME, named relative to it (e.g. ".config/x.json"). */
  home_files?: Record<string, string>;
  /** A block put before the prompt (e.g. "# Output Type …"); blocks join with a blank line. */
  preamble?: string;
  /** Server-held directories inside the data dir (a pipeline's /shared), bound read-write like
   * the agent's own dirs: the mount policy refuses the data dir for `mounts`. */
  dirs?: { host: string; container: string }[];
}

/** What a finish hook reports: stamps of keys its plugin declared, or why the ref failed (an ok
 * ref turns failed with this reason). The core writes both; a hook never writes files itself. */
export interface FinishResult {
  stamps?: Record<string, Json>;
  failed?: string;
}

/** How a plugin takes part in spawning every agent (check → prepare → run → finish). */
export interface SpawnHooks {
  /** Before anything is created or queued: throw a ToolError (core.fail) to refuse the agent. */
  check?(job: SpawnJob): void | Promise<void>;
  /** After the agent dir exists and its slot is taken, before the driver stages its files. */
  prepare?(job: PreparedJob): SpawnAdditions | void | Promise<SpawnAdditions | void>;
  /** After the agent ended and its ref is written; a throw fails the ref with its message. */
  finish?(job: PreparedJob, ref: Ref): FinishResult | void | Promise<FinishResult | void>;
}
