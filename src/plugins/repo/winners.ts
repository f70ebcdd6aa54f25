// race and retry with repo: when such a run ends with a winner, the other agents' branches are
// dropped (each only if it is still where its agent left it); the winner's stays. Watched through
// core.events, so the combinators need not know about repositories. A run with no winner keeps
// every branch: the partial work is the caller's to look at.
import type { Core, Json } from "../../core/types.ts";
import { git } from "./git.ts";
import { locateRepo } from "./host-repo.ts";

const winnerOf: Record<string, (result: Record<string, Json>) => unknown> = {
  race: (r) => (r.winner as { ref?: string } | undefined)?.ref,
  retry: (r) => r.ref,
};

export function dropLosers(core: Core): () => void {
  async function settle(runId: string) {
    const info = await core.runs.status(runId);
    const pick = winnerOf[info.tool];
    const winner = pick && info.result ? pick(info.result as Record<string, Json>) : undefined;
    if (typeof winner !== "string") return;
    for (const ref of info.refs.filter((r) => r !== winner)) {
      const s = (await core.refs.stamps(ref).catch(() => ({}))) as { repo?: Record<string, Json> };
      if (!s.repo) continue;
      const repo = await locateRepo(core, String(s.repo.repo));
      // Compare-and-delete: a branch someone moved since is theirs now.
      const name = `refs/heads/${s.repo.branch}`;
      await git(["update-ref", "-d", name, String(s.repo.commit)], { gitDir: repo.gitDir })
        .then(() => core.log.info(`dropped ${s.repo!.branch}: ${ref} lost the ${info.tool}`))
        .catch((e) => core.log.warn(`cannot drop ${name}: ${(e as Error).message}`));
    }
  }
  return core.events.on("run.finished", (e) => {
    if (e.status === "done") {
      return settle(e.run_id).catch((err) =>
        core.log.warn(`cannot settle the branches of run ${e.run_id}: ${err?.message ?? err}`)
      );
    }
  });
}
