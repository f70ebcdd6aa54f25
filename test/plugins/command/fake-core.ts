// A minimal Core and AgentJob for driver unit tests: a temp dir laid out as refs.create() does,
// and only the Core members drivers use (config.env, fail, log, fs).
import { agentPaths } from "../../../src/core/refs.ts";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { coreFs } from "../../../src/core/core-fs.ts";
import { fail, isToolError } from "../../../src/core/errors.ts";
import type {
  AgentJob,
  ContainerExit,
  Core,
  Logger,
  PreparedJob,
  SandboxSpec,
} from "../../../src/core/types.ts";

export interface Fixture {
  root: string;
  hostHome: string;
  core: Core;
  warnings: string[];
  job(spec?: Partial<SandboxSpec>, extra?: Partial<AgentJob>): AgentJob & PreparedJob;
  cleanup(): Promise<void>;
}

export function spec(over: Partial<SandboxSpec> = {}): SandboxSpec {
  return {
    agent: "claude",
    model: "claude-sonnet-4-5",
    tools: ["Read", "Write"],
    mcps: [],
    mounts: [],
    workdir: "/workspace",
    input_files: {},
    network: false,
    gpu: false,
    resources: [],
    timeout: 30,
    env_vars: {},
    ...over,
  };
}

export async function fixture(env: Record<string, string | undefined> = {}): Promise<Fixture> {
  const root = await mkdtemp(join(tmpdir(), "driver-test-"));
  const hostHome = join(root, "host-home");
  await mkdir(hostHome, { mode: 0o700 });
  const warnings: string[] = [];
  const log: Logger = {
    debug() {},
    info() {},
    warn: (m) => void warnings.push(m),
    error: (m) => void warnings.push(m),
  };
  const core = {
    v, // for the drivers' sandbox fields
    config: { env: { HOME: hostHome, ...env } },
    fail,
    isToolError,
    log,
    logger: () => log,
    fs: coreFs,
  } as unknown as Core;
  let n = 0;
  return {
    root,
    hostHome,
    core,
    warnings,
    job(over = {}, extra = {}) {
      const dir = join(root, "data", "0123456789ab", `agent-${++n}`);
      const paths = agentPaths(dir);
      return {
        run_id: "0123456789ab",
        agent_id: `agent-${n}`,
        prompt: "Say hi [[script:x]]",
        spec: spec(over),
        paths,
        parents: [],
        ...extra,
      };
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** What refs.create() does: the agent dir and its subdirs, 0700. */
export async function createDirs(job: AgentJob): Promise<void> {
  for (const d of [job.paths.home, job.paths.workspace, job.paths.out]) {
    await mkdir(d, { recursive: true, mode: 0o700 });
  }
}

export function exit(over: Partial<ContainerExit> = {}): ContainerExit {
  return {
    exitCode: 0,
    timedOut: false,
    cancelled: false,
    containerId: "c0ffee",
    durationMs: 1234,
    ...over,
  };
}

/** Assert-friendly: the ToolError code a promise rejects with. */
export async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? `not a ToolError: ${e}`;
  }
  return "resolved";
}
