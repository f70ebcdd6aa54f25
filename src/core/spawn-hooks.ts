// Plugins' spawn hooks (Plugin.hooks), run in manifest order. check refuses, prepare's additions are
// merged and staged here, finish's stamps and failures are written here: a hook never writes a ref.
import { fail } from "./errors.ts";
import { writeWorkspaceFiles } from "./core-fs.ts";
import type {
  AgentPaths,
  FinishResult,
  Json,
  Logger,
  PreparedJob,
  Ref,
  RefStore,
  SpawnAdditions,
  SpawnHooks,
} from "./types.ts";

/** One plugin's hooks, with the stamp keys it may return. */
export interface HookEntry {
  plugin: string;
  stamps: ReadonlySet<string>;
  hooks: SpawnHooks;
}

export type Additions = Required<SpawnAdditions>;

export async function prepareHooks(list: HookEntry[], job: PreparedJob): Promise<Additions> {
  const all: Additions = { mounts: [], env: {}, files: {}, home_files: {}, preamble: "", dirs: [] };
  const blocks: string[] = [];
  for (const h of list) {
    const a = await h.hooks.prepare?.(job);
    if (!a) continue;
    all.mounts.push(...(a.mounts ?? []));
    all.dirs.push(...(a.dirs ?? []));
    Object.assign(all.env, a.env);
    Object.assign(all.files, a.files);
    Object.assign(all.home_files, a.home_files);
    if (a.preamble) blocks.push(a.preamble);
  }
  all.preamble = blocks.join("\n\n");
  return all;
}

/** Write the hooks' files after the driver's, so a plugin's file is the one the agent sees. */
export async function stageAdditions(
  add: Additions,
  paths: AgentPaths,
  workdir: string,
  home: string,
  shadowed: boolean,
): Promise<void> {
  if (shadowed && Object.keys(add.files).length) {
    fail(
      "INVALID_INPUT",
      `Cannot place plugin files in "${workdir}": a mount covers that workdir; mount the project below it (e.g. ${workdir}/project)`,
    );
  }
  await writeWorkspaceFiles(paths.workspace, workdir, add.files);
  await writeWorkspaceFiles(paths.home, home, add.home_files);
}

const message = (e: unknown) => (e as Error)?.message ?? String(e);

/** Every finish hook sees the ref the agent produced; their failures fail an ok ref (one rewrite,
 * keeping the stamps it had), then their stamps are written. */
export async function finishHooks(
  list: HookEntry[],
  job: PreparedJob,
  ref: Ref,
  refs: RefStore,
  log: Logger,
): Promise<Ref> {
  const stamps: [string, Json][] = [];
  const reasons: string[] = [];
  for (const h of list) {
    if (!h.hooks.finish) continue;
    let r: FinishResult | void;
    try {
      r = await h.hooks.finish(job, ref);
      const bad = Object.keys(r?.stamps ?? {}).find((k) => !h.stamps.has(k));
      if (bad !== undefined) {
        throw new Error(`plugin "${h.plugin}" returned stamp "${bad}", a key it did not declare`);
      }
    } catch (e) {
      log.warn(`finish hook of plugin "${h.plugin}" failed ${ref.ref}: ${message(e)}`);
      reasons.push(message(e));
      continue;
    }
    stamps.push(...Object.entries(r?.stamps ?? {}));
    if (r?.failed) reasons.push(r.failed);
  }
  let out = ref;
  if (reasons.length && ref.status === "ok") {
    const rec = await refs.get(ref.ref);
    const { cost: _, ...kept } = await refs.stamps(ref.ref);
    out = await refs.finish(ref.run_id, ref.agent_id, {
      ...rec,
      text_file: rec.text_file ?? undefined,
      status: "failed",
      error: reasons.join("; "),
    });
    stamps.unshift(...Object.entries(kept) as [string, Json][]);
  }
  for (const [k, v] of stamps) out = await refs.stamp(out.ref, k, v);
  return out;
}
