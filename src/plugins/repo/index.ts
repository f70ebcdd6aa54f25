// repo: agents that change a host git repository, each on its own branch (issue 19). The sandbox
// fields repo/base/include_uncommitted; spawn hooks that give an agent its checkout and commit what
// it left (stamp `repo`: {repo, branch, base, commit, files_changed, insertions, deletions}, the
// patch in repo.patch beside the ref); merge and drop over those branches; race and retry keep
// only the winner's branch.
import type { PluginFactory } from "../../core/types.ts";
import { checkouts } from "./checkout.ts";
import { dropTool } from "./drop.ts";
import { repoFields } from "./fields.ts";
import { mergeTool } from "./merge.ts";
import { dropLosers } from "./winners.ts";

export default ((core) => {
  const { v } = core;
  const refList = () =>
    v.pipe(
      v.array(v.union([v.string(), v.looseObject({ ref: v.string() })])),
      v.minLength(1, "Give at least one ref"),
      v.maxLength(100),
      v.description("Refs of agents started with repo"),
    );
  const unwatch = dropLosers(core);
  const checkout = checkouts(core);
  return {
    name: "repo",
    fields: repoFields(core),
    stamps: ["repo"],
    hooks: checkout.hooks,
    tools: [mergeTool(core, refList), dropTool(core, refList)],
    dispose: () => (unwatch(), checkout.dispose()),
  };
}) satisfies PluginFactory;
