// reply: continue a finished agent's Claude Code session with a new prompt, in a new container
// with the sandbox it ran with (kept beside its ref; env_vars are not kept) — a repo agent's reply
// starts from that agent's branch. The new ref's parent is the old one.
import { join } from "node:path";
import type { Core, Json, Tool } from "../../core/types.ts";
import { findSession, SPEC_FILE } from "./session.ts";

const MAX_SPEC = 4 << 20;

export function replyTool(core: Core): Tool {
  const { v } = core;
  return {
    name: "reply",
    description:
      "Continue an agent's Claude Code session: a new agent resumes it (sees the earlier turns) with this prompt, in the same sandbox (a repo agent continues on its branch). Returns the new ref, whose parent is the old one.",
    annotations: { openWorldHint: true },
    input: v.object({
      ref: v.pipe(
        v.union([v.string(), v.looseObject({ ref: v.string() })]),
        v.description("The ref to continue"),
      ),
      prompt: v.pipe(
        v.string(),
        v.minLength(1),
        v.maxLength(1 << 20),
        v.description("What to say next"),
      ),
      wait_s: v.optional(
        v.pipe(v.number(), v.minValue(0), v.maxValue(3600), v.description("As for run")),
        50,
      ),
    }),
    async run({ ref, prompt, wait_s }, ctx) {
      const rec = await core.refs.get(ref);
      const refuse = (why: string): never =>
        core.fail("CONFLICT", `Cannot reply to ref "${rec.ref}": ${why}; start a new run instead`);
      const stamps = await core.refs.stamps(rec.ref);
      if (stamps.encryption) refuse("it is encrypted, with its session");
      if (!rec.session_id) refuse("it has no Claude Code session (the agent never started one)");
      const found = await findSession(core, rec.ref, rec.session_id!);
      if ("why" in found) refuse(found.why);
      const dir = core.refs.paths(rec.run_id, rec.agent_id).dir;
      const saved = await core.fs.readNoFollow(join(dir, SPEC_FILE), MAX_SPEC);
      if (!saved.text || saved.truncated) refuse("the sandbox it ran with was not kept");
      const repo = stamps.repo as Record<string, Json> | undefined;
      const spec = await core.sandboxes.resolve(
        JSON.parse(saved.text),
        repo ? { base: repo.branch, include_uncommitted: false } : {},
      );
      return core.runs.start("reply", ctx, { wait_s, total: 1 }, async (run) => {
        const out = await core.spawn(
          { ...spec, resume: { ref: rec.ref, session_id: rec.session_id! } },
          prompt,
          {
            run_id: run.run_id,
            agent_id: run.agentId("agent-0"),
            signal: run.signal,
            parents: [rec.ref],
          },
        );
        run.add(out);
        return out;
      });
    },
  };
}
