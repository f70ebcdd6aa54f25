// An agent's own checkout of a host repository. prepare: branch swarm/<run_id>/<agent_id> from
// the base (plus, asked for, a commit of the host's uncommitted changes), its tree checked out into
// the agent's workspace through a private index — the host's work tree, index and HEAD are never
// touched, and the workspace holds no .git the agent could point elsewhere. finish: whatever the
// agent left is committed on its branch (any status: a failed agent's partial work too), the patch
// written beside its ref, the checkout removed; the branch stays until merged or dropped.
import { lstat, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type {
  Core,
  Json,
  PreparedJob,
  Ref,
  SpawnHooks,
  SpawnJob,
  Stamps,
} from "../../core/types.ts";
import { git, type GitOptions, gitToFile } from "./git.ts";
import { type HostRepo, locateRepo, resolveBase } from "./host-repo.ts";
import { parentPatches, PATCH_FILE } from "./patches.ts";

const MAX_CHANGED_FILES = 10_000;
const MAX_CHANGED_BYTES = 256 << 20;
const MAX_PATCH = 16 << 20;
/** The `base` that continues the input ref's branch. */
const PARENT = "@parent";
/** An id that is a valid component of a git branch name (agent ids may hold "." and "_"). */
export const BRANCH_PART = /^(?![.-])(?!.*\.\.)(?!.*\.lock$)(?!.*\.$)[A-Za-z0-9._-]{1,64}$/;

interface Checkout {
  top: string;
  gitDir: string;
  branch: string;
  base: string;
  start: string;
  index: string;
  workspace: string;
}

/** Author and committer of an agent's commit. */
const author = (agent: string) => ({
  GIT_AUTHOR_NAME: `swarm-mcp agent ${agent}`,
  GIT_AUTHOR_EMAIL: `${agent}@swarm-mcp.invalid`,
  GIT_COMMITTER_NAME: "swarm-mcp",
  GIT_COMMITTER_EMAIL: "swarm-mcp@swarm-mcp.invalid",
});

function subject(prompt: string, agent: string): string {
  const line = prompt.split("\n").map((l) => l.trim()).find((l) => l !== "") ?? "";
  // deno-lint-ignore no-control-regex
  const clean = line.replace(/[\x00-\x1f\x7f]/g, " ").slice(0, 100);
  return clean || `swarm-mcp agent ${agent}`;
}

export function checkouts(core: Core): { hooks: SpawnHooks; dispose(): void } {
  const open = new Map<string, Checkout>();
  const refuse = (job: { agent_id: string }, why: string): never =>
    core.fail("INVALID_INPUT", `Cannot start agent "${job.agent_id}" on repo: ${why}`);

  /** `base`; "@parent" is the branch of the first input ref that ran on this repository (a chain
   * stage or pipeline step continuing the previous one's work), else HEAD (the first stage). */
  async function baseOf(job: SpawnJob, repo: HostRepo): Promise<{ name: string; commit: string }> {
    const base = job.spec.base ?? "HEAD";
    if (base !== PARENT) return resolveBase(core, repo, base);
    for (const ref of job.parents) {
      const s = ((await core.refs.stamps(ref).catch(() => ({}))) as Stamps).repo as
        | Record<string, Json>
        | undefined;
      if (s?.repo !== repo.top) continue;
      const at = await resolveBase(core, repo, String(s.commit));
      return { ...at, name: String(s.branch) };
    }
    return resolveBase(core, repo, "HEAD");
  }

  async function start(job: PreparedJob): Promise<Checkout> {
    const { spec, run_id, agent_id } = job;
    const repo = await locateRepo(core, spec.repo!);
    const base = await baseOf(job, repo);
    const o = { gitDir: repo.gitDir };
    let commit = base.commit;
    if (spec.include_uncommitted) {
      // The host's tracked and untracked (not ignored) files as a tree, read through a throw-away
      // index: the host's own index is not written.
      const index = join(job.paths.dir, "host.index");
      const host = { ...o, workTree: repo.top, index };
      await git(["read-tree", commit], host);
      const over = await bounded(host);
      if (over) {
        await rm(index, { force: true });
        refuse(
          job,
          `the host's uncommitted changes are ${over}; commit or ignore them, or leave include_uncommitted out`,
        );
      }
      await git(["add", "-A"], host);
      const tree = (await git(["write-tree"], host)).stdout.trim();
      await rm(index, { force: true });
      const was = (await git(["rev-parse", `${commit}^{tree}`], o)).stdout.trim();
      if (tree !== was) {
        const msg = "swarm-mcp: the host's uncommitted changes";
        const env = author(agent_id);
        commit = (await git(["commit-tree", tree, "-p", commit, "-m", msg], { ...o, env })).stdout
          .trim();
      }
    }
    const branch = `swarm/${run_id}/${agent_id}`;
    // Create only: an existing branch of that name is never moved.
    await git(["update-ref", `refs/heads/${branch}`, commit, ""], o);
    const index = join(job.paths.dir, "repo.index");
    const c = {
      ...repo,
      branch,
      base: base.name,
      start: commit,
      index,
      workspace: job.paths.workspace,
    };
    await git(["read-tree", "--reset", "-u", commit], { ...o, workTree: c.workspace, index })
      .catch((e) => release(c, true).then(() => Promise.reject(e)));
    return c;
  }

  /** Remove the checkout; `unused`: the agent never ran, so its branch (still at its start) goes too. */
  async function release(c: Checkout, unused = false): Promise<void> {
    if (unused) {
      await git(["update-ref", "-d", `refs/heads/${c.branch}`, c.start], { gitDir: c.gitDir })
        .catch(() => {});
    }
    await rm(c.index, { force: true });
    await rm(c.workspace, { recursive: true, force: true });
    await mkdir(c.workspace, { mode: 0o700 });
  }

  // An agent that got a checkout but ended before its finish hook (a later step of spawn failed,
  // or it was cancelled before its container started) never ran: nothing of it is kept.
  const unwatch = core.events.on("agent.finished", ({ ref }) => {
    const c = open.get(ref.ref);
    if (!c) return;
    open.delete(ref.ref);
    return release(c, true).catch((e) =>
      core.log.warn(`cannot remove the checkout of ${ref.ref}: ${(e as Error).message}`)
    );
  });

  /** Why the changes in a work tree are too many to hash into the host's object store, if so. */
  async function bounded(o: Required<Pick<GitOptions, "gitDir" | "workTree" | "index">>) {
    const st = await git(
      ["status", "--porcelain", "-z", "--untracked-files=all", "--no-renames"],
      o,
    );
    const paths = st.stdout.split("\0").filter(Boolean).map((e) => e.slice(3));
    if (paths.length > MAX_CHANGED_FILES) {
      return `${paths.length} changed files, over the limit of ${MAX_CHANGED_FILES}`;
    }
    let bytes = 0;
    for (const p of paths) bytes += (await lstat(join(o.workTree, p)).catch(() => null))?.size ?? 0;
    if (bytes > MAX_CHANGED_BYTES) {
      return `${bytes} bytes of changed files, over the limit of ${MAX_CHANGED_BYTES}`;
    }
  }

  async function commit(job: PreparedJob, ref: Ref, c: Checkout): Promise<Record<string, Json>> {
    const o = { gitDir: c.gitDir };
    const ws = { ...o, workTree: job.paths.workspace, index: c.index };
    const stamp = { repo: c.top, branch: c.branch, base: c.base };
    const over = await bounded(ws);
    if (over) {
      throw new Error(
        `Cannot commit the changes of agent "${ref.ref}": ${over}; nothing was committed, branch ${c.branch} stays at its start`,
      );
    }
    await git(["add", "-A"], ws);
    const tree = (await git(["write-tree"], ws)).stdout.trim();
    const was = (await git(["rev-parse", `${c.start}^{tree}`], o)).stdout.trim();
    if (tree === was) {
      return { ...stamp, commit: c.start, files_changed: 0, insertions: 0, deletions: 0 };
    }
    const msg = `${subject(job.prompt, job.agent_id)}\n\nswarm-mcp ref ${ref.ref} (${ref.status})`;
    const env = author(job.agent_id);
    const head = (await git(["commit-tree", tree, "-p", c.start, "-m", msg], { ...o, env })).stdout
      .trim();
    await git(["update-ref", `refs/heads/${c.branch}`, head, c.start], o);
    const diff = ["diff", "--no-ext-diff", "--no-textconv", "--no-renames"];
    const short = (await git([...diff, "--shortstat", c.start, head], o)).stdout;
    const count = (what: string) => Number(short.match(new RegExp(`(\\d+) ${what}`))?.[1] ?? 0);
    const patch = await gitToFile(
      [...diff, "--binary", c.start, head],
      o,
      join(job.paths.dir, PATCH_FILE),
      MAX_PATCH,
    );
    return {
      ...stamp,
      commit: head,
      files_changed: count("files? changed"),
      insertions: count("insertions?"),
      deletions: count("deletions?"),
      ...(patch.truncated ? { patch_truncated: `cut at ${MAX_PATCH} bytes` } : {}),
    };
  }

  const hooks: SpawnHooks = {
    async check(job) {
      if (job.spec.repo !== undefined && !BRANCH_PART.test(job.agent_id)) {
        refuse(job, "that id cannot name a git branch; use letters, digits and single dots");
      }
      if (job.spec.repo === undefined) {
        if (job.spec.base !== undefined || job.spec.include_uncommitted) {
          refuse(job, "base and include_uncommitted need repo; add repo or leave them out");
        }
        return;
      }
      const w = job.spec.workdir.replace(/\/+$/, "");
      if (job.spec.mounts.some((m) => m.container_path.replace(/\/+$/, "") === w)) {
        refuse(job, `a mount covers the workdir ${w}, where the checkout goes; mount it elsewhere`);
      }
      if (job.spec.include_uncommitted && ![undefined, "HEAD"].includes(job.spec.base)) {
        refuse(job, "include_uncommitted starts from HEAD; leave base out or commit the changes");
      }
      const repo = await locateRepo(core, job.spec.repo);
      await baseOf(job, repo);
    },
    async prepare(job) {
      if (job.spec.repo !== undefined) open.set(`${job.run_id}/${job.agent_id}`, await start(job));
      const preamble = await parentPatches(core, job);
      return preamble ? { preamble } : undefined;
    },
    async finish(job, ref) {
      const c = open.get(ref.ref);
      if (!c) return;
      open.delete(ref.ref);
      try {
        return { stamps: { repo: await commit(job, ref, c) } };
      } finally {
        await release(c);
      }
    },
  };
  return { hooks, dispose: unwatch };
}
