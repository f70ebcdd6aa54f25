// An agent whose inputs are refs of repo agents (reduce over them, a chain's next stage) is given
// their patches before its prompt, so it judges the changes, not only what the agents said.
import { join } from "node:path";
import type { Core, Json, SpawnJob, Stamps } from "../../core/types.ts";

const MAX_PATCHES = 256 << 10;
/** The agent's patch, beside its ref (the agent dir is the server's: the agent never sees it). */
export const PATCH_FILE = "repo.patch";

export async function parentPatches(core: Core, job: SpawnJob): Promise<string> {
  const blocks: string[] = [];
  let room = MAX_PATCHES;
  for (const ref of job.parents) {
    const st = (await core.refs.stamps(ref).catch(() => ({}))) as Stamps;
    const s = st.repo as Record<string, Json> | undefined;
    // A sealed ref's changes are as secret as its text.
    if (!s || st.encryption || room <= 0) continue;
    const { run_id, agent_id } = core.refs.parse(ref);
    const got = await core.fs.readNoFollow(
      join(core.refs.paths(run_id, agent_id).dir, PATCH_FILE),
      room,
    );
    room -= got.text.length;
    const head =
      `## Changes of ${ref} on branch ${s.branch} (${s.files_changed} files, +${s.insertions} -${s.deletions})`;
    const body = got.text ? `\`\`\`diff\n${got.text}\n\`\`\`` : "(no changes)";
    blocks.push(`${head}\n${body}${got.truncated ? "\n(the rest of this patch is left out)" : ""}`);
  }
  return blocks.length ? `# Changes made by your input agents\n\n${blocks.join("\n\n")}` : "";
}
