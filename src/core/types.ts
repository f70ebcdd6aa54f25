// The contracts every part of swarm-mcp relies on. Plugins `import type` from here and nowhere
// else in the core: at run time they receive a `Core` object and never import the core.
import type * as Valibot from "valibot";
import type { Ajv } from "ajv";
import type { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
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
  FinishResult,
  PreparedJob,
  Ref,
  RuntimeErrorKind,
  RuntimeProvider,
  SpawnAdditions,
  SpawnHooks,
  SpawnJob,
} from "./agent-types.ts";
export type { DriverImage, ImageFile, ImageRecipe } from "./image-types.ts";
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
  ContainerRuntime,
  Ref,
  RuntimeErrorKind,
  RuntimeProvider,
  SpawnHooks,
} from "./agent-types.ts";
import type { SandboxField, SandboxRegistry, SandboxSpec } from "./sandbox-types.ts";

export type { Events, RouteHandler, RouteTable, SwarmEvent, SwarmEventType } from "./live-types.ts";
import type { Events, RouteTable } from "./live-types.ts";

export type {
  LineStats,
  RefContent,
  RefPart,
  RefReadOptions,
  RefRecord,
  RefStore,
  Stamps,
  StampShapes,
  StampValue,
} from "./ref-types.ts";
import type { RefStore } from "./ref-types.ts";
export type { Pools, PoolState, RunHandle, RunInfo, Runs, SpawnOptions } from "./run-types.ts";
import type { Pools, RunHandle, Runs, SpawnOptions } from "./run-types.ts";

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
  /** JSON Schema of what run() returns (an object; MCP's outputSchema). Clients validate results
   * against it, so list main properties loosely; none declared publishes {type: "object"}. */
  output?: { type: "object"; [key: string]: Json };
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
  /** Steps in spawning every agent: refuse it, add mounts/env/files, act on its ref. */
  hooks?: SpawnHooks;
  /** HTTP routes, served in --http mode only, under /plugins/<name>/ behind the same checks as /mcp. */
  routes?(app: RouteTable): void;
  dispose?(): void | Promise<void>;
}

export type PluginFactory = (core: Core) => Plugin | Promise<Plugin>;

export interface Config {
  version: string;
  dataDir: string;
  maxConcurrent: number;
  queueTimeoutS: number;
  allowMounts: string[]; // host paths the operator allows beyond the defaults (e.g. "/var/run/docker.sock")
  instanceId: string;
  env: Record<string, string | undefined>;
  projectDir?: string;
}

export interface Core {
  v: typeof Valibot;
  /** The ajv JSON Schema validator class, loaded on first use (a plugin cannot import packages). */
  ajv(): Promise<typeof Ajv>;
  /** XChaCha20-Poly1305 (@noble/ciphers), loaded on first use: the `security` plugin's cipher. */
  cipher(): Promise<typeof xchacha20poly1305>;
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
