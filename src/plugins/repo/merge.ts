// merge: agents' branches onto a target branch, in order, built in a temporary work tree of the
// server's (in the data dir) and then the target moved in one step — only when every ref applied.
// A conflict is reported per ref with its files and leaves the target where it was. The host's
// checked-out branch is moved only when its work tree is clean, by a fast-forward git does.
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Core, Tool } from "../../core/types.ts";
import { git, type GitOptions } from "./git.ts";
import type { HostRepo } from "./host-repo.ts";
import { checkedOut, type RepoStamp, stampedRefs } from "./stamped.ts";

const STRATEGIES = ["merge", "ff", "cherry-pick"] as const;
type Strategy = (typeof STRATEGIES)[number];
const INTO = /^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._\/-]{1,200}$/;
const ENV = {
  GIT_AUTHOR_NAME: "swarm-mcp",
  GIT_AUTHOR_EMAIL: "swarm-mcp@swarm-mcp.invalid",
  GIT_COMMITTER_NAME: "swarm-mcp",
  GIT_COMMITTER_EMAIL: "swarm-mcp@swarm-mcp.invalid",
};

interface Conflict {
  ref: string;
  files: string[];
  reason: string;
}

const isAncestor = async (repo: HostRepo, a: string, b: string) =>
  (await git(["merge-base", "--is-ancestor", a, b], { gitDir: repo.gitDir, ok: [1] })).code === 0;

/** Apply each branch in a temporary work tree on `from`; returns where it ended and the conflicts. */
async function build(
  core: Core,
  repo: HostRepo,
  from: string,
  list: RepoStamp[],
  strategy: Strategy,
): Promise<{ head: string; conflicts: Conflict[] }> {
  const conflicts: Conflict[] = [];
  let head = from;
  if (strategy === "ff") {
    for (const s of list) {
      if (await isAncestor(repo, s.commit, head)) continue;
      if (await isAncestor(repo, head, s.commit)) head = s.commit;
      else conflicts.push({ ref: s.ref, files: [], reason: "not a fast-forward" });
    }
    return { head, conflicts };
  }
  const root = join(core.config.dataDir, "repo-merges");
  await mkdir(root, { recursive: true, mode: 0o700 });
  const tmp = join(root, randomBytes(8).toString("hex"));
  const main = { gitDir: repo.gitDir };
  await git(["worktree", "add", "--detach", "--force", tmp, from], main);
  const wt: GitOptions = { cwd: tmp, env: ENV };
  try {
    for (const s of list) {
      if (await isAncestor(repo, s.commit, head)) continue;
      const args = strategy === "merge"
        ? ["merge", "--no-edit", "-m", `Merge ${s.branch} (swarm-mcp ref ${s.ref})`, s.commit]
        : ["cherry-pick", "--allow-empty", "--keep-redundant-commits", `${head}..${s.commit}`];
      const r = await git(args, { ...wt, ok: [1] });
      if (r.code === 0) {
        head = (await git(["rev-parse", "HEAD"], wt)).stdout.trim();
        continue;
      }
      const files = (await git(["diff", "--name-only", "--diff-filter=U", "-z"], wt)).stdout
        .split("\0").filter(Boolean).slice(0, 100);
      conflicts.push({
        ref: s.ref,
        files,
        reason: files.length ? "conflict" : r.stderr.trim().slice(0, 300),
      });
      await git([strategy === "merge" ? "merge" : "cherry-pick", "--abort"], { ...wt, ok: [128] });
      await git(["reset", "--hard", head], wt);
    }
    return { head, conflicts };
  } finally {
    await git(["worktree", "remove", "--force", tmp], main).catch((e) =>
      core.log.warn(`cannot remove the merge work tree ${tmp}: ${(e as Error).message}`)
    );
  }
}

export function mergeTool(core: Core, refList: () => unknown): Tool {
  const { v } = core;
  return {
    name: "merge",
    description:
      'Apply refs\' repo branches onto a branch, in order (strategy "merge" default, "ff" or "cherry-pick"; into: default their base). All or nothing: a conflict is reported per ref with its files and the target is left as it was.',
    annotations: { readOnlyHint: false, openWorldHint: false },
    input: v.object({
      refs: refList() as ReturnType<typeof v.array>,
      strategy: v.optional(
        v.pipe(v.picklist(STRATEGIES), v.description("merge (default), ff or cherry-pick")),
        "merge",
      ),
      into: v.optional(v.pipe(v.string(), v.description("Target branch"))),
    }),
    async run(args) {
      const { refs, strategy, into: asked } = args as {
        refs: unknown[];
        strategy: Strategy;
        into?: string;
      };
      const { repo, list } = await stampedRefs(core, "merge", refs);
      const into = asked ?? list[0]!.base;
      const refuse = (code: "INVALID_INPUT" | "CONFLICT", why: string): never =>
        core.fail(code, `Cannot merge into ${JSON.stringify(into.slice(0, 200))}: ${why}`);
      if (!INTO.test(into)) refuse("INVALID_INPUT", "it is not a branch name; name a branch");
      const o = { gitDir: repo.gitDir };
      const target = (await git(["rev-parse", "--verify", "--quiet", `refs/heads/${into}`], {
        ...o,
        ok: [1],
      })).stdout.trim() || refuse("INVALID_INPUT", `no such branch in ${repo.top}; name a branch`);
      const tree = (await checkedOut(repo)).get(into);
      if (tree !== undefined && tree !== repo.top) {
        refuse("CONFLICT", `it is checked out in the work tree ${tree}; merge into another branch`);
      }
      if (tree !== undefined) {
        const dirty = await git(["status", "--porcelain", "--untracked-files=no"], { cwd: tree });
        if (dirty.stdout.trim()) {
          refuse(
            "CONFLICT",
            `it is checked out in ${tree} with uncommitted changes, which a merge must not touch; commit or stash them, or merge into another branch`,
          );
        }
      }
      const { head, conflicts } = await build(core, repo, target, list, strategy);
      const refsOut = list.map((s) => s.ref);
      if (conflicts.length) {
        return { merged: false, into, commit: target, refs: refsOut, conflicts };
      }
      if (head !== target) {
        if (tree !== undefined) await git(["merge", "--ff-only", "--quiet", head], { cwd: tree });
        else await git(["update-ref", `refs/heads/${into}`, head, target], o);
      }
      return { merged: true, into, commit: head, refs: refsOut, conflicts: [] };
    },
  };
}
