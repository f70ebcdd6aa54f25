// classify, and its enforcement before an agent is queued. Levels are ordered; a ref derived from
// classified refs inherits the strictest of them (highest level, every denial, the common allowed
// MCPs), so a chain's or reducer's output stays as restricted as what it read.
import type { Core, SpawnHooks, SpawnJob, StampShapes, Tool } from "../../core/types.ts";

export const LEVELS = ["public", "internal", "confidential", "restricted"] as const;
type Classification = StampShapes["classification"];
const MCP = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/;
const ALLOWED = new RegExp(`${MCP.source}|^\\(none\\)$`);
const RESTRICTED = LEVELS.indexOf("restricted");

/** The strictest of several classifications, or undefined when none is set. */
export function strictest(list: Classification[]): Classification | undefined {
  if (!list.length) return undefined;
  const top = list.reduce((a, b) => (b.level_numeric > a.level_numeric ? b : a));
  const denied = [...new Set(list.flatMap((c) => c.denied_mcps))].sort();
  const limits = list.filter((c) => c.allowed_mcps.length).map((c) => c.allowed_mcps);
  const allowed = limits.length ? limits.reduce((a, b) => a.filter((m) => b.includes(m))) : [];
  // Nothing in common leaves an empty allowed list, which means "any": deny everything instead.
  const none = limits.length > 0 && allowed.length === 0;
  return {
    level: top.level,
    level_numeric: top.level_numeric,
    allowed_mcps: none ? ["(none)"] : allowed.sort(),
    denied_mcps: denied,
  };
}

export function classification(core: Core): { tool: Tool; hooks: SpawnHooks } {
  const { v } = core;
  // "(none)" (allowed only) is what a stamp shows for inputs whose allowed lists share no server:
  // it allows none, and written back it stays so.
  const names = (what: string, name: RegExp) =>
    v.optional(
      v.pipe(
        v.array(v.pipe(v.string(), v.regex(name, `Each ${what} MCP must be an MCP server name`))),
        v.maxLength(100),
        v.description(`MCP servers ${what} for this data`),
      ),
      [],
    );

  const parentsOf = async (job: SpawnJob) => {
    const found: (Classification & { ref: string })[] = [];
    for (const ref of job.parents) {
      const c =
        (await core.refs.stamps(ref).catch(() => ({})) as { classification?: Classification })
          .classification;
      if (c) found.push({ ...c, ref });
    }
    return found;
  };

  function refuse(job: SpawnJob, c: Classification & { ref: string }, why: string): never {
    core.fail(
      "FORBIDDEN",
      `Cannot start agent "${job.agent_id}": its input "${c.ref}" is classified "${c.level}" and ${why}; remove that MCP server or network, or classify the data differently`,
    );
  }

  const hooks: SpawnHooks = {
    async check(job) {
      const mcps = (job.spec as { mcps?: string[] }).mcps ?? [];
      for (const c of await parentsOf(job)) {
        for (const m of mcps) {
          if (c.denied_mcps.includes(m)) refuse(job, c, `MCP server "${m}" is denied for it`);
          if (c.allowed_mcps.length && !c.allowed_mcps.includes(m)) {
            refuse(
              job,
              c,
              `MCP server "${m}" is not in its allowed list (${c.allowed_mcps.join(", ")})`,
            );
          }
        }
        if (
          c.level_numeric >= RESTRICTED && job.spec.network !== false && job.spec.network !== "none"
        ) {
          refuse(
            job,
            c,
            `restricted data needs network none (network: false), not ${
              JSON.stringify(job.spec.network)
            }`,
          );
        }
      }
    },
    async finish(job) {
      const c = strictest(await parentsOf(job));
      if (!c) return;
      return { stamps: { classification: c } };
    },
  };

  const tool: Tool = {
    name: "classify",
    description: `Label a ref's data: level (${
      LEVELS.join(" < ")
    }), allowed_mcps, denied_mcps. An agent given it as input is refused before it starts if one of its mcps is not allowed, or (restricted) its network is not none; derived refs inherit it.`,
    annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
    output: { type: "object", properties: { ref: { type: "string" }, stamps: { type: "object" } } },
    input: v.object({
      ref: v.pipe(
        v.union([v.string(), v.looseObject({ ref: v.string() })]),
        v.description('The ref: "<run_id>/<agent_id>" or a ref object'),
      ),
      level: v.pipe(
        v.picklist(LEVELS, `Unknown level; use one of ${LEVELS.join(", ")}`),
        v.description(`One of ${LEVELS.join(", ")}`),
      ),
      allowed_mcps: names("allowed", ALLOWED),
      denied_mcps: names("denied", MCP),
    }),
    async run({ ref, level, allowed_mcps, denied_mcps }) {
      const rec = await core.refs.get(ref);
      const n = LEVELS.indexOf(level);
      if (n < 0) {
        core.fail(
          "INVALID_INPUT",
          `Cannot classify as "${String(level).slice(0, 40)}": use one of ${LEVELS.join(", ")}`,
        );
      }
      return await core.refs.stamp(rec.ref, "classification", {
        level,
        level_numeric: n,
        allowed_mcps: [...new Set(allowed_mcps as string[])].sort(),
        denied_mcps: [...new Set(denied_mcps as string[])].sort(),
      });
    },
  };
  return { tool, hooks };
}
