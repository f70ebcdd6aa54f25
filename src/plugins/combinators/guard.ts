// guard: check a condition on a ref and return the ref if it holds. Everything is read from the
// server's own record and its HMAC-signed stamps, never from the JSON the caller passes (the
// reference trusted caller JSON, so any stamp could be forged), and an unknown check is an error.
import type { Core, RefRecord, Stamps, Tool } from "../../core/types.ts";
import { round } from "./_results.ts";

export const CHECKS = ["exists", "validated", "budget", "classification", "encrypted"] as const;
type Check = (typeof CHECKS)[number];
const MAX_ANCESTORS = 10_000;
/** Stamps are written only by the plugin owning their key, in the shape types.ts gives; a list is
 * still checked to be one, so a faulty owner makes guard fail closed instead of crash. */
const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);

export function guard(core: Core): Tool {
  const { v } = core;
  function failed(check: Check, ref: string, why: string): never {
    core.fail("GUARD_FAILED", `Cannot pass guard "${check}" for ref "${ref}": ${why}`, {
      ref,
      check,
    });
  }

  async function record(
    check: Check,
    input: unknown,
  ): Promise<{ rec: RefRecord; stamps: Stamps }> {
    const id = core.refs.parse(input);
    const ref = `${id.run_id}/${id.agent_id}`;
    const rec = await core.refs.get(ref).catch((e) => {
      if (core.isToolError(e) && e.code === "NOT_FOUND") {
        failed(check, ref, "it does not exist (no result is stored under that id); check the id");
      }
      throw e;
    });
    const stamps = await core.refs.stamps(ref);
    // A record whose stamps fail the signature lost them: say so rather than judge it unstamped.
    if (Object.keys(rec.stamps ?? {}).length > 0 && Object.keys(stamps).length === 0) {
      failed(
        check,
        ref,
        "its stamps do not verify (its result file was changed outside swarm-mcp), so nothing about it can be trusted",
      );
    }
    return { rec, stamps };
  }

  /** Cost of a ref and every ref it was derived from, each counted once, from signed cost stamps. */
  async function lineageCost(rec: RefRecord): Promise<number> {
    const seen = new Set<string>();
    const queue = [rec.ref];
    let total = 0;
    while (queue.length) {
      const ref = queue.shift()!;
      if (seen.has(ref)) continue;
      seen.add(ref);
      if (seen.size > MAX_ANCESTORS) {
        failed("budget", rec.ref, `it has more than ${MAX_ANCESTORS} ancestors to account for`);
      }
      const r = await core.refs.get(ref).catch(() =>
        failed(
          "budget",
          rec.ref,
          `its ancestor "${ref}" no longer exists, so its cost cannot be accounted for`,
        )
      );
      const { cost } = await core.refs.stamps(ref);
      if (r.cost_usd !== null && typeof cost?.usd !== "number") {
        failed("budget", rec.ref, `the cost of "${ref}" is not covered by a valid signed stamp`);
      }
      total += typeof cost?.usd === "number" ? cost.usd : 0;
      queue.push(...r.parents);
    }
    return total;
  }

  function mcpNames(value: unknown): string[] {
    if (Array.isArray(value)) return value.map(String);
    const s = String(value).trim();
    if (s.startsWith("[")) {
      try {
        return (JSON.parse(s) as unknown[]).map(String);
      } catch {
        core.fail(
          "INVALID_INPUT",
          `Cannot use value ${
            JSON.stringify(s.slice(0, 80))
          } for the classification guard: it is not a JSON list; give an MCP name or a list of names`,
        );
      }
    }
    return [s];
  }

  return {
    name: "guard",
    description:
      "Return the ref if a check holds, else fail with GUARD_FAILED saying why: exists; validated (value: type name, optional); budget (value: USD limit for the ref and its ancestors); classification (must be classified; value: MCP name(s) that want the data); encrypted (value: key_id, optional). Reads only server-signed stamps.",
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    input: v.object({
      ref: v.pipe(
        v.union([v.string(), v.looseObject({ ref: v.string() })]),
        v.description(
          'The ref: "<run_id>/<agent_id>" or a ref object (only its "ref" field is used)',
        ),
      ),
      check: v.pipe(
        v.picklist(CHECKS, `Unknown check; use one of ${CHECKS.join(", ")}`),
        v.description(`What to check: ${CHECKS.join(", ")}`),
      ),
      value: v.optional(
        v.pipe(
          v.union([v.string(), v.number(), v.array(v.string())]),
          v.description(
            "The check's argument: a type name (validated), a USD limit (budget), MCP name(s) (classification), a key_id (encrypted)",
          ),
        ),
      ),
    }),
    async run(
      { ref: input, check, value }: {
        ref: unknown;
        check: Check;
        value?: string | number | string[];
      },
    ) {
      if (!CHECKS.includes(check)) {
        core.fail(
          "INVALID_INPUT",
          `Cannot check ${JSON.stringify(String(check).slice(0, 40))}: unknown check; use one of ${
            CHECKS.join(", ")
          }`,
        );
      }
      const { rec, stamps } = await record(check, input);
      const ref = rec.ref;
      switch (check) {
        case "exists":
          break;
        case "validated": {
          const s = stamps.validated;
          const type = s?.type;
          const verdict = s?.verdict;
          const want = value === undefined ? undefined : String(value);
          if (!s || verdict !== "VALID" || (want !== undefined && type !== want)) {
            const current = s ? `validated as "${type}" with verdict ${verdict}` : "not validated";
            failed(
              check,
              ref,
              `not validated${
                want !== undefined ? ` as "${want}"` : ""
              } (current: ${current}); call validate or retry with declared_type`,
            );
          }
          break;
        }
        case "budget": {
          const limit = typeof value === "number" ? value : Number(value);
          if (value === undefined || Array.isArray(value) || !Number.isFinite(limit) || limit < 0) {
            core.fail(
              "INVALID_INPUT",
              `Cannot check budget for ref "${ref}": give the limit in USD as value, e.g. 0.5`,
            );
          }
          const spent = round(await lineageCost(rec));
          if (spent > limit) {
            failed(
              check,
              ref,
              `it cost $${spent} (with the refs it was derived from), over the limit of $${limit}`,
            );
          }
          break;
        }
        case "classification": {
          const c = stamps.classification;
          // Fails closed: an unclassified ref carries no statement that any MCP may receive it.
          if (!c) {
            const who = value === undefined
              ? ""
              : ` so nothing says ${mcpNames(value).join(", ")} may receive it;`;
            failed(
              check,
              ref,
              `it is not classified,${who} call classify first (level "public" allows every MCP not denied)`,
            );
          }
          if (value === undefined) break;
          const level = c.level;
          const denied = list(c.denied_mcps);
          const allowed = list(c.allowed_mcps);
          for (const m of mcpNames(value)) {
            if (denied.includes(m)) {
              failed(check, ref, `MCP "${m}" is denied for classification "${level}"`);
            }
            if (allowed.length && !allowed.includes(m)) {
              failed(
                check,
                ref,
                `MCP "${m}" is not in the allowed list for classification "${level}" (${
                  allowed.join(", ")
                })`,
              );
            }
          }
          break;
        }
        case "encrypted": {
          const e = stamps.encryption;
          if (!e) failed(check, ref, "it is not encrypted; call encrypt first");
          if (value !== undefined && String(value) !== String(e.key_id)) {
            failed(
              check,
              ref,
              `it is encrypted with another key (key_id ${String(e.key_id)}, not ${String(value)})`,
            );
          }
          break;
        }
      }
      return core.refs.wire(rec);
    },
  };
}
