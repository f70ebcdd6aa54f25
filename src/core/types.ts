// The contracts every part of swarm-mcp relies on. Plugins `import type` from here and nowhere
// else in the core: at run time they receive a `Core` object and never import the core.
import type * as Valibot from "valibot";
import type { Ajv } from "ajv";
import type { coreFs } from "./core-fs.ts";

/** Stable, machine-readable failure codes. The sentence is for the model; the code is for programs. */
export type ErrorCode =
  | "INVALID_INPUT" // arguments do not match the schema, or a value is unusable
  | "NOT_FOUND" // an unknown ref, run, sandbox, tool or file
  | "FORBIDDEN" // a mount or path the operator does not allow
  | "CANCELLED" // MCP cancellation, cancel(run_id) or shutdown
  | "TIMEOUT" // an agent or call ran past its deadline
  | "QUEUE_TIMEOUT" // a pool slot was not free within SWARM_QUEUE_TIMEOUT
  | "BUDGET_EXCEEDED" // spent >= budget before the work could start
  | "AGENT_FAILED" // the agent ran and failed (non-zero exit, CLI error result)
  | "DOCKER_UNAVAILABLE" // the engine cannot be reached
  | "IMAGE_UNAVAILABLE" // the agent image is missing and cannot be built
  | "GUARD_FAILED" // a guard check did not pass
  | "TOO_LARGE" // an argument or file exceeds a limit
  | "CONFLICT" // the state does not allow this now (already encrypted, run still running…)
  | "INTERNAL"; // a bug: details in the server log

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type RefStatus = "ok" | "failed" | "timeout" | "cancelled";

export type {
  AgentDriver,
  AgentJob,
  AgentOutcome,
  AgentPaths,
  ContainerAsk,
  ContainerExit,
  ContainerRuntime,
  ContainerSpec,
  DriverPlan,
  Ref,
  RuntimeErrorKind,
  RuntimeProvider,
} from "./agent-types.ts";
export type {
  FieldKit,
  Grammar,
  Mount,
  SandboxField,
  SandboxRegistry,
  SandboxSpec,
} from "./sandbox-types.ts";
import type {
  AgentDriver,
  AgentOutcome,
  AgentPaths,
  ContainerRuntime,
  Ref,
  RuntimeErrorKind,
  RuntimeProvider,
} from "./agent-types.ts";
import type { SandboxField, SandboxRegistry, SandboxSpec } from "./sandbox-types.ts";

export type { Events, RouteHandler, RouteTable, SwarmEvent, SwarmEventType } from "./live-types.ts";
import type { Events, RouteTable } from "./live-types.ts";

export interface Logger {
  debug(msg: string, extra?: unknown): void;
  info(msg: string, extra?: unknown): void;
  warn(msg: string, extra?: unknown): void;
  error(msg: string, extra?: unknown): void;
}

export interface ToolContext {
  /** Aborted on MCP cancellation, transport close, cancel(run_id) and shutdown. */
  signal: AbortSignal;
  log: Logger;
  /** MCP progress notification, sent only when the client asked for progress. */
  progress(done: number, total?: number, message?: string): void;
  /** Call another tool by name; inherits this call's signal unless given one (e.g. a run's,
   * for work that outlives the call). Failures throw ToolError. */
  call(
    tool: string,
    args: Record<string, unknown>,
    opts?: { signal?: AbortSignal },
  ): Promise<unknown>;
  /** Set when another tool called this one from inside its run: runs.start then joins that run. */
  run?: RunHandle;
  /** Another tool called this one (ctx.call): it never returns {status: "running"}. */
  nested?: boolean;
}

export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

// deno-lint-ignore no-explicit-any
export type AnySchema = Valibot.GenericSchema<any, any>;

export interface Tool<S extends AnySchema = AnySchema> {
  name: string;
  description: string;
  input: S;
  annotations?: ToolAnnotations;
  /** Set on a tool that starts agents: the registry adds `sandbox` and every sandbox field (the
   * core's and the plugins') to its input and checks them. tools/list shows every field's type and
   * description on the one "described" tool (`run`); "brief" tools refer to it (stays small). */
  sandboxFields?: "described" | "brief";
  run(args: Valibot.InferOutput<S>, ctx: ToolContext): Promise<unknown>;
}

export interface Plugin {
  name: string;
  tools?: Tool[];
  agents?: AgentDriver[];
  /** Sandbox fields this plugin adds to every agent-starting tool (a driver's own settings). */
  fields?: SandboxField[];
  /** Container runtimes; SWARM_RUNTIME names the one used (default "docker"). */
  runtimes?: RuntimeProvider[];
  /** Stamp keys this plugin alone writes (core.refs.stamp refuses others); "cost" is the core's. */
  stamps?: string[];
  /** HTTP routes, served in --http mode only, under /plugins/<name>/ behind the same checks as /mcp. */
  routes?(app: RouteTable): void;
  dispose?(): void | Promise<void>;
}

export type PluginFactory = (core: Core) => Plugin | Promise<Plugin>;

/** The stamps guard reads, each written by the one plugin that declares its key. */
export type StampShapes = {
  validated: {
    type: string;
    verdict: string;
    score: number | null;
    issues: string[];
    validation_ref: string | null;
  };
  classification: {
    level: string;
    level_numeric: number;
    allowed_mcps: string[];
    denied_mcps: string[];
  };
  encryption: { key_id: string; algorithm: string };
  cost: { usd: number };
  retry: { attempt: number; max_attempts: number; prior_errors: string[] };
};
export interface Stamps extends Partial<StampShapes> {
  [key: string]: Json | undefined;
}
/** A known key takes its shape; any other key takes JSON. */
export type StampValue<K extends string> = K extends keyof StampShapes ? StampShapes[K] : Json;

export interface RefRecord extends Ref {
  created_at: string;
  text_file: string | null; // file in the agent dir holding the text
  container_id?: string | null;
  usage?: Json;
  structured_output?: Json;
}

/** What `core.refs.read` reads of a ref: its text, structured output (JSON text), the container's
 * stream (stdout) and stderr, the artifacts log, the prompt and stdin, the workspace listing. */
export type RefPart =
  | "text"
  | "structured"
  | "stream"
  | "stderr"
  | "artifacts"
  | "prompt"
  | "stdin"
  | "workspace";

export interface RefReadOptions {
  /** Bytes to read at most (default 64 MB). */
  maxBytes?: number;
  /** `workspace`: entries to list at most (default 200, 8 levels deep). */
  maxEntries?: number;
  /** The last maxBytes instead of the first (a stderr tail). */
  fromEnd?: boolean;
  /** For a report: an encrypted part reads as "(encrypted)" instead of failing. */
  display?: boolean;
}

export interface RefContent {
  text: string;
  /** The file's size in bytes (more than text when truncated); `workspace`: entries listed. */
  size: number;
  truncated: boolean;
  /** Why nothing was read: "missing", "a symbolic link", "not a regular file", "encrypted"… */
  skipped?: string;
}

export interface LineStats {
  bytes: number;
  /** Lines longer than maxLine, dropped unread. */
  longLines: number;
  /** Stopped at maxBytes. */
  truncated: boolean;
  skipped?: string;
}

export interface RefStore {
  readonly root: string;
  newRunId(): string;
  /** Accepts "<run>/<agent>", {ref}, or a JSON string of either; throws INVALID_INPUT otherwise. */
  parse(input: unknown): { run_id: string; agent_id: string };
  runDir(runId: string): string;
  paths(runId: string, agentId: string): AgentPaths;
  /** Create the agent dir (0700) and its subdirs; refuses an existing one unless `reuse`. */
  create(runId: string, agentId: string): Promise<AgentPaths>;
  /** Write result.json for a finished agent, hashing its text; returns the wire Ref. */
  finish(
    runId: string,
    agentId: string,
    outcome: AgentOutcome & {
      duration_seconds: number;
      parents?: string[];
      container_id?: string | null;
    },
  ): Promise<Ref>;
  /** Read a ref's record from disk; NOT_FOUND when it does not exist. */
  get(input: unknown): Promise<RefRecord>;
  /** The wire form of a stored ref (stamps included and verified). */
  wire(rec: RefRecord): Ref;
  /** The one read path for what an agent left (see RefPart): agent-written files are read without
   * following links, never from a FIFO or device, never past the limit; an encrypted ref's text,
   * structured output and stream fail with CONFLICT (naming decrypt), or read as "(encrypted)"
   * with `display`. Every part but text and structured can be read while the agent runs. */
  read(ref: unknown, part: RefPart, opts?: RefReadOptions): Promise<RefContent>;
  /** The lines of a part, read the same way; `opts.stats` says what was left out. */
  lines(
    ref: unknown,
    part: "stream" | "artifacts" | "stderr",
    opts?: { maxBytes?: number; maxLine?: number; display?: boolean; stats?: LineStats },
  ): AsyncGenerator<string>;
  /** The whole text, or TOO_LARGE past maxBytes (default 64 MB). */
  readText(input: unknown, maxBytes?: number): Promise<string>;
  /** Copy the text to the ref's output.md on disk, never through memory (unwrap). */
  copyOut(ref: unknown, maxBytes?: number): Promise<RefContent & { file: string }>;
  /** Write a report the server made (inspect.md) into the agent dir; returns its path. */
  writeReport(ref: unknown, part: "inspect", text: string): Promise<string>;
  /** Server-held, HMAC-signed stamps (validated, classification, encryption, cost…). */
  stamp<K extends string>(input: unknown, key: K, value: StampValue<K>): Promise<Ref>;
  stamps(input: unknown): Promise<Stamps>;
  /** Replace the text file atomically (used by encrypt). */
  rewriteText(input: unknown, text: string | Uint8Array, fileName: string): Promise<RefRecord>;
}

export interface PoolState {
  name: string;
  limit: number;
  running: number;
  waiting: number;
}

export interface Pools {
  /** Take the global slot and every named pool, in one fixed order; abortable; times out. */
  acquire(
    names: string[],
    opts?: { signal?: AbortSignal; timeoutMs?: number },
  ): Promise<Disposable & { release(): void }>;
  state(name: string): PoolState;
  readonly global: string; // the name of the global pool
}

export interface SpawnOptions {
  run_id: string;
  agent_id: string;
  parents?: string[];
  signal: AbortSignal;
  log?: Logger;
  budget_cap?: number;
}

export interface Config {
  version: string;
  dataDir: string;
  maxConcurrent: number;
  queueTimeoutS: number;
  image: string; // SWARM_IMAGE or the default tag
  allowMounts: string[]; // host paths the operator allows beyond the defaults (e.g. "/var/run/docker.sock")
  instanceId: string;
  env: Record<string, string | undefined>;
  projectDir?: string;
}

export interface RunInfo {
  run_id: string;
  tool: string;
  status: "running" | "done" | "failed" | "cancelled";
  started_at: string;
  finished_at?: string;
  done: number;
  total: number;
  failed: number;
  cost_usd: number;
  refs: string[];
  result?: unknown;
  error?: { code: ErrorCode; message: string } | null;
}

/** A handle for long work: returns within wait_s with either the result or {status:"running"}. */
export interface RunHandle {
  run_id: string;
  signal: AbortSignal;
  /** Report a finished agent (counts toward done/failed/cost and refs_so_far). */
  add(ref: Ref): void;
  setTotal(total: number): void;
  info(): RunInfo;
  /** The agent id to use for `local` ("agent-0"); inside another tool's run it is prefixed
   * ("par-1.agent-0") so that two nested calls never collide in the shared run dir. */
  agentId(local: string): string;
}

export interface Runs {
  /** Start background work under a run id; resolves when it finishes or wait_s passes. Called
   * from a tool that another tool's run called (ctx.run), `work` joins that run instead (its
   * refs, cost, total and signal) and this resolves with the result, never {status:"running"}. */
  start(
    tool: string,
    ctx: ToolContext,
    opts: { wait_s: number; total: number; run_id?: string },
    work: (run: RunHandle) => Promise<unknown>,
  ): Promise<unknown>;
  wait(runId: string, waitS: number, ctx: ToolContext): Promise<unknown>;
  status(runId: string): Promise<RunInfo>;
  cancel(runId: string): Promise<RunInfo>;
  list(limit?: number): Promise<RunInfo[]>;
}

export interface Core {
  v: typeof Valibot;
  /** The ajv JSON Schema validator class, loaded on first use (a plugin cannot import packages). */
  ajv(): Promise<typeof Ajv>;
  /** Run and agent lifecycle events. */
  events: Events;
  /** Optional valibot entries for `sandbox` and every sandbox field loaded so far. A tool that
   * starts agents sets `Tool.sandboxFields` instead, which also has the fields of later plugins. */
  readonly sandboxFields: Record<string, AnySchema>;
  config: Config;
  refs: RefStore;
  pools: Pools;
  runs: Runs;
  sandboxes: SandboxRegistry;
  /** The container runtime SWARM_RUNTIME names, created on first use so start-up stays fast. */
  runtime(): Promise<ContainerRuntime>;
  /** An error a runtime throws; spawn turns it into a tool error (kind → code) in one place. */
  runtimeError(kind: RuntimeErrorKind, message: string): Error;
  /** Make sure an image exists, building the agent image on first use (once, however many callers). */
  ensureImage(tag: string, log?: Logger): Promise<void>;
  driver(name: string): AgentDriver;
  /** Run one agent: pools → driver → container → files → ref. Agent failures are failed refs. */
  spawn(spec: SandboxSpec, prompt: string, opts: SpawnOptions): Promise<Ref>;
  fail(code: ErrorCode, message: string, data?: Record<string, Json>): never;
  /** Whether `e` is a ToolError (by brand: plugin files may hold another copy of the class). */
  isToolError(e: unknown): e is ToolErrorLike;
  /** What this plugin logs, named after it. */
  log: Logger;
  logger(name: string): Logger;
  /** The tools loaded now (all plugins), looked up in the registry. */
  tools: { has(name: string): boolean };
  /** No-follow, bounded helpers for agent-writable places. */
  fs: CoreFs;
}

export interface ToolErrorLike extends Error {
  code: ErrorCode;
  data: Record<string, Json>;
}

export type { Listing, ReadResult } from "./safe-fs.ts";
/** Readers never follow a planted link nor open a FIFO and stop at their limit; writers stage
 * caller-named files inside a workspace only (O_NOFOLLOW, 0600). */
export type CoreFs = typeof coreFs;
