// Continuing an agent's Claude Code session (reply). The CLI keeps a session in
// HOME/.claude/projects/<workdir as a name>/<session_id>.jsonl; the agent's HOME is its own dir, so
// what it left there is untrusted: found by a listing that never enters a link, copied without
// following one and with a limit, into the new agent's fresh HOME at the same place. The sandbox
// an agent ran with is kept beside its ref (sandbox.json, server-written, env_vars left out).
import { lstat, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { AgentJob, Core, SandboxSpec } from "../../core/types.ts";

declare module "../../core/sandbox-types.ts" {
  interface SandboxSpec {
    /** Set by reply only (not a caller's field): the session to continue and the ref it is on. */
    resume?: { ref: string; session_id: string };
  }
}

export const SPEC_FILE = "sandbox.json";
const MAX_SESSION = 64 << 20;
const SESSION_ID = /^[0-9A-Za-z-]{8,64}$/;

/** Where the session of `ref` is, relative to its HOME's .claude/projects; why not, when it is not. */
export async function findSession(
  core: Core,
  ref: string,
  sessionId: string,
): Promise<{ home: string; rel: string } | { why: string }> {
  if (!SESSION_ID.test(sessionId)) return { why: "its session id is not one the CLI makes" };
  const { run_id, agent_id } = core.refs.parse(ref);
  const home = core.refs.paths(run_id, agent_id).home;
  // The agent is gone: a directory now stays one. A link in the way is not entered.
  if (!(await lstat(join(home, ".claude")).catch(() => null))?.isDirectory()) {
    return { why: "its HOME holds no .claude directory" };
  }
  const list = await core.fs.listNoFollow(join(home, ".claude", "projects"), {
    maxEntries: 2000,
    maxDepth: 2,
  });
  const rel = list.entries.find((e) =>
    e.split("/").length === 2 && e.endsWith(`/${sessionId}.jsonl`)
  );
  return rel ? { home, rel } : {
    why:
      "its session file is not in its HOME (the agent ran before sessions were kept, or removed it)",
  };
}

/** Stage the session reply continues into the new agent's HOME. */
export async function stageSession(core: Core, job: AgentJob): Promise<void> {
  const r = job.spec.resume;
  if (!r) return;
  const found = await findSession(core, r.ref, r.session_id);
  const refuse = (why: string): never =>
    core.fail("CONFLICT", `Cannot resume the session of ref "${r.ref}": ${why}; start a new run`);
  if ("why" in found) return refuse(found.why);
  const dest = join(job.paths.home, ".claude", "projects", found.rel);
  await mkdir(dirname(dest), { recursive: true, mode: 0o700 });
  const copied = await core.fs.copyNoFollow(
    join(found.home, ".claude", "projects", found.rel),
    dest,
    MAX_SESSION,
  );
  if (copied.skipped) refuse(`its session file is ${copied.skipped}`);
  if (copied.truncated) refuse(`its session file is over ${MAX_SESSION} bytes`);
}

/** Keep the sandbox beside the ref, for reply: not env_vars (they may hold secrets), not resume. */
export async function keepSpec(core: Core, job: AgentJob): Promise<void> {
  const { env_vars: _env, resume: _resume, ...kept } = job.spec as SandboxSpec;
  await core.fs.writeNoFollow(join(job.paths.dir, SPEC_FILE), JSON.stringify(kept));
}
