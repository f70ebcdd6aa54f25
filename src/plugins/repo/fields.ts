// The sandbox fields of the repo plugin: `repo` (a git repository on the host, judged like a mount
// when the agent is checked), `base` (what its branch starts from) and `include_uncommitted`.
import type { Core, SandboxField } from "../../core/types.ts";

declare module "../../core/sandbox-types.ts" {
  interface SandboxSpec {
    repo?: string;
    base?: string;
    include_uncommitted?: boolean;
  }
}

/** A revision git cannot read as an option or a range: no leading "-", no whitespace, no "..". */
export const REVISION = /^(?!-)(?!.*\.\.)[A-Za-z0-9._\/@{}^~+-]{1,200}$/;

export function repoFields(core: Core): SandboxField[] {
  const { v } = core;
  return [{
    name: "repo",
    schema: v.pipe(
      v.string(),
      v.description(
        "Host path of a git repository: the agent works in its own checkout on branch swarm/<run_id>/<agent_id>; its changes are committed there when it ends",
      ),
    ),
    normalize: (x, k) => k.text(x, [/^(?:\/|~\/|~$)/, "an absolute host path (or ~/...)"]),
  }, {
    name: "base",
    schema: v.pipe(
      v.string(),
      v.description(
        'With repo: branch or commit to start from (default HEAD; "@parent": the input ref\'s branch, else HEAD)',
      ),
    ),
    normalize: (x, k) => k.text(x, [REVISION, 'a branch, tag or commit like "main"']),
  }, {
    name: "include_uncommitted",
    schema: v.pipe(
      v.boolean(),
      v.description("With repo: start from the host's uncommitted changes too (default false)"),
    ),
    normalize: (x, k) => k.boolean(x),
  }];
}
