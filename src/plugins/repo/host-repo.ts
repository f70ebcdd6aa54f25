// The host repository a sandbox names: judged like a mount (config's judgeHostPath: no symbolic
// link on the way, nothing the mount policy refuses), the top of a git work tree, and its base
// resolved to a commit. Refusals are tool errors naming the value and the next step.
import { dirname } from "node:path";
import type { Core } from "../../core/types.ts";
import { judgeHostPath } from "../config/host-path.ts";
import { git } from "./git.ts";

export interface HostRepo {
  /** The work tree's top directory (a real path). */
  top: string;
  /** Its git dir, absolute: every later call names it, none discovers one. */
  gitDir: string;
}

const NO_GIT = /git is not installed/;
const show = (s: string) => JSON.stringify(s.length > 200 ? s.slice(0, 200) + "…" : s);

export async function locateRepo(core: Core, raw: string): Promise<HostRepo> {
  const { real } = await judgeHostPath(core, "use repo", raw);
  const found = await git(["rev-parse", "--absolute-git-dir", "--show-toplevel"], {
    cwd: real,
    env: { GIT_CEILING_DIRECTORIES: dirname(real) },
  }).catch((e: Error) =>
    core.fail(
      "INVALID_INPUT",
      NO_GIT.test(e.message)
        ? `Cannot use repo ${show(raw)}: ${e.message.replace(/^git \S+ failed: /, "")}`
        : `Cannot use repo ${
          show(raw)
        }: it is not a git work tree (${e.message}); run git init there or name the repository's top directory`,
    )
  );
  const [gitDir, top] = found.stdout.trim().split("\n");
  if (top !== real) {
    core.fail(
      "INVALID_INPUT",
      `Cannot use repo ${show(raw)}: it is not the top of its work tree (that is ${
        show(top ?? "")
      }); name the top directory`,
    );
  }
  return { top: real, gitDir: gitDir! };
}

/** The commit `base` names, and the branch it is when it is one (HEAD → the checked-out branch). */
export async function resolveBase(
  core: Core,
  repo: HostRepo,
  base: string,
): Promise<{ name: string; commit: string }> {
  const r = await git(
    ["rev-parse", "--verify", "--quiet", "--end-of-options", `${base}^{commit}`],
    {
      gitDir: repo.gitDir,
      ok: [1],
    },
  );
  const commit = r.stdout.trim();
  if (!/^[0-9a-f]{40,64}$/.test(commit)) {
    core.fail(
      "INVALID_INPUT",
      `Cannot use base ${show(base)} of repo ${
        show(repo.top)
      }: it names no commit there; give a branch, tag or commit of that repository (an empty repository needs a first commit)`,
    );
  }
  const full = await git(
    base === "HEAD"
      ? ["symbolic-ref", "--quiet", "HEAD"]
      : ["rev-parse", "--symbolic-full-name", "--end-of-options", base],
    { gitDir: repo.gitDir, ok: [1, 128] },
  );
  const ref = full.stdout.trim();
  return { name: ref.startsWith("refs/heads/") ? ref.slice(11) : base, commit };
}
