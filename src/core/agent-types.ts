// Contracts of one agent run: the sandbox spec, what a driver stages and reports, and the
// container runtime underneath. Re-exported by types.ts, which is what plugins import.
import type { Json, RefStatus } from "./types.ts";

/** A mount as callers give it; `host_path` may start with `~`. */
export interface Mount {
  host_path: string;
  container_path: string;
  readonly?: boolean;
}

/** Everything that describes how one agent runs. Fields and defaults follow the reference. */
export interface SandboxSpec {
  agent: string; // driver name: "claude" (default) or "command"
  image?: string;
  command?: string[]; // for the command driver
  model: string;
  tools: string[];
  mcps: string[];
  system_prompt?: string;
  claude_md?: string;
  output_schema?: Record<string, Json>;
  effort?: string;
  max_budget?: number;
  input_type?: string;
  output_type?: string;
  mounts: Mount[];
  workdir: string;
  input_files: Record<string, string>;
  network: boolean | string; // true → default bridge, false → none, string → that Docker network
  memory?: string; // "2g", "512m"
  cpus?: number;
  gpu: boolean;
  resources: string[];
  timeout: number; // seconds
  env_vars: Record<string, string>;
}

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
  stamps?: Record<string, Json>;
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
}

/** What a driver asks the runtime to run. Secrets go in `env`, never in `cmd`. */
export interface DriverPlan {
  cmd: string[];
  entrypoint?: string[];
  env: Record<string, string>;
  /** Text written to the container's stdin, then closed. */
  stdin?: string;
  binds?: Mount[];
  image?: string;
}

export interface AgentDriver {
  name: string;
  /** Stage files (HOME, settings, credentials) into job.paths and say how to start the container. */
  prepare(job: AgentJob): Promise<DriverPlan>;
  /** Read what the container produced and report the outcome. */
  parse(job: AgentJob, exit: ContainerExit): Promise<AgentOutcome>;
  /** Remove secrets staged in the agent dir once its container is gone: called when the agent ends
   * (any outcome) and, at start-up, for agents of runs that ended with a dead server. */
  cleanup?(paths: AgentPaths): Promise<void>;
}

export interface ContainerRunOptions {
  image: string;
  cmd: string[];
  entrypoint?: string[];
  env: Record<string, string>;
  user?: string;
  workdir?: string;
  binds: { host: string; container: string; readonly: boolean }[];
  network: string; // "none", "bridge" or a network name
  memoryBytes?: number;
  nanoCpus?: number;
  /** Most processes (and threads) the container may have: a fork bomb stops there. */
  pidsLimit?: number;
  /** Linux capabilities to drop (default ["ALL"]: agents need none). */
  capDrop?: string[];
  gpu?: boolean;
  labels: Record<string, string>;
  /** A file whose bytes become the container's stdin, then EOF; without it stdin is empty. */
  stdinFile?: string;
  stdoutFile: string;
  stderrFile: string;
  timeoutMs: number;
  name?: string;
  /** How output reaches the files: "files" (default) has the container write them itself through
   * bind mounts, so no output byte passes through the server; "stream" carries it over the
   * engine's attach connection. "files" falls back to "stream" where its /bin/sh wrapper cannot run. */
  capture?: "files" | "stream";
}

export interface ContainerExit {
  exitCode: number;
  timedOut: boolean;
  cancelled: boolean;
  containerId: string;
  durationMs: number;
}

export interface ContainerRuntime {
  /** Throws DOCKER_UNAVAILABLE with a sentence naming the endpoint when the engine is unreachable. */
  ping(): Promise<void>;
  /** Create, start, stream stdout/stderr to files, wait, and always remove. Never throws for exit codes. */
  run(opts: ContainerRunOptions, signal: AbortSignal): Promise<ContainerExit>;
  imageExists(tag: string): Promise<boolean>;
  /** Build an image from a tar build context. */
  buildImage(
    context: Uint8Array,
    tag: string,
    buildArgs: Record<string, string>,
    log: (line: string) => void,
  ): Promise<void>;
  /** Kill and remove every container carrying all these labels; returns how many. */
  removeByLabels(labels: Record<string, string>): Promise<number>;
  /** Containers with the owner label, for the start-up reaper. */
  listOwned(): Promise<{ id: string; labels: Record<string, string> }[]>;
  remove(id: string): Promise<void>;
  /** A network's labels, or null when the engine has none of that name. */
  networkLabels(name: string): Promise<Record<string, string> | null>;
  /** Create a bridge network; one of that name created meanwhile by someone else is not an error. */
  createNetwork(
    name: string,
    labels: Record<string, string>,
    options: Record<string, string>,
  ): Promise<void>;
  endpoint: string;
}
