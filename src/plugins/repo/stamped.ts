// What merge and drop start from: the `repo` stamps of the refs they are given (server-written and
// signed, still checked for shape), all of one repository, which is judged again as it is today.
import type { Core, Json } from "../../core/types.ts";
import { BRANCH_PART } from "./checkout.ts";
import { git } from "./git.ts";
import { type HostRepo, locateRepo } from "./host-repo.ts";

export interface RepoStamp {
  ref: string;
  repo: string;
  branch: string;
  base: string;
  commit: string;
}

const BRANCH = new RegExp(`^swarm/[0-9a-f]{12}/${BRANCH_PART.source.slice(1)}`);
const COMMIT = /^[0-9a-f]{40,64}$/;

export async function stampedRefs(
  core: Core,
  action: string,
  refs: unknown[],
): Promise<{ repo: HostRepo; list: RepoStamp[] }> {
  const list: RepoStamp[] = [];
  for (const input of refs) {
    const rec = await core.refs.get(input);
    const s = (await core.refs.stamps(rec.ref)).repo as Record<string, Json> | undefined;
    if (
      !s || typeof s.branch !== "string" || !BRANCH.test(s.branch) || !COMMIT.test(`${s.commit}`)
    ) {
      core.fail(
        "INVALID_INPUT",
        `Cannot ${action} ref "${rec.ref}": it has no repo stamp (its agent ran without repo, or has not finished); pass refs of agents started with repo`,
      );
    }
    list.push({
      ref: rec.ref,
      repo: String(s.repo),
      branch: s.branch,
      base: String(s.base),
      commit: String(s.commit),
    });
  }
  const other = list.find((s) => s.repo !== list[0]!.repo);
  if (other) {
    core.fail(
      "INVALID_INPUT",
      `Cannot ${action} ref "${other.ref}": it is of repo ${other.repo}, the others of ${
        list[0]!.repo
      }; call it once per repository`,
    );
  }
  return { repo: await locateRepo(core, list[0]!.repo), list };
}

/** Branch → the work tree that has it checked out (the host's, or a linked one). */
export async function checkedOut(repo: HostRepo): Promise<Map<string, string>> {
  const out = (await git(["worktree", "list", "--porcelain"], { gitDir: repo.gitDir })).stdout;
  const map = new Map<string, string>();
  for (const block of out.split("\n\n")) {
    const tree = block.match(/^worktree (.*)$/m)?.[1];
    const branch = block.match(/^branch refs\/heads\/(.*)$/m)?.[1];
    if (tree && branch) map.set(branch, tree);
  }
  return map;
}
