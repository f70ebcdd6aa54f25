// Shared pieces of the pipeline tests: call the tool and read what each step's agent was given.
import { readFile } from "node:fs/promises";
import type { Harness } from "../../helpers/harness.ts";

// deno-lint-ignore no-explicit-any
export type Data = any;

export async function runPipeline(
  h: Harness,
  definition: unknown,
  extra: Record<string, unknown> = {},
): Promise<Data> {
  const r = await h.call("pipeline", { definition, ...extra });
  if (r.isError) throw new Error(`pipeline failed: ${r.text}`);
  return r.data;
}

/** step_id of each trace entry, "-" marking a skipped one: "a b -c". */
export const steps = (d: Data) =>
  d.trace.map((e: Data) => (e.status === "skipped" ? "-" : "") + e.step_id).join(" ");

export function prompt(h: Harness, ref: string): Promise<string> {
  const [run, agent] = ref.split("/");
  return readFile(h.core.refs.paths(run!, agent!).prompt, "utf8");
}

/** The fake container calls of one run, in start order. */
export const callsOf = (h: Harness, runId: string) =>
  h.runtime.calls.filter((c) => c.run === runId);
