// Registered project dirs, kept in <data dir>/projects.json so a registration survives a restart
// (the reference kept it in memory). Each is re-added as a search path when the plugin loads, in
// the order registered, so the newest comes first, ahead of $SWARM_PROJECT_DIR and ~/.claude.
import { randomBytes } from "node:crypto";
import { realpath, rename } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import type { Core } from "../../core/types.ts";

const MAX_PROJECTS = 100;
const MAX_FILE = 1 << 20;

export interface Projects {
  /** The registered dirs, oldest first. */
  list(): string[];
  /** Register (or move to the front) a dir: a search path now, and after every restart. */
  add(dir: string): Promise<void>;
}

export async function projects(core: Core): Promise<Projects> {
  const file = join(core.config.dataDir, "projects.json");
  let dirs: string[] = [];
  const r = await core.fs.readNoFollow(file, MAX_FILE);
  try {
    if (r.skipped && r.skipped !== "missing") throw new Error(`it is ${r.skipped}`);
    const saved = r.skipped ? [] : JSON.parse(r.text).projects;
    if (!Array.isArray(saved)) throw new Error("it holds no projects list");
    dirs = saved.filter((d): d is string =>
      typeof d === "string" && isAbsolute(d) && !d.includes("\0")
    ).slice(-MAX_PROJECTS);
  } catch (e) {
    // One damaged file must not stop the server: the projects are registered again by hand.
    core.log.warn(`ignoring ${file}: ${(e as Error).message}; register the projects again`);
  }
  // Registered as real paths: one that became a link (or vanished) since is left out, not followed.
  const real = await Promise.all(dirs.map((d) => realpath(d).catch(() => null)));
  for (const [i, d] of dirs.entries()) {
    if (real[i] === d) core.sandboxes.addSearchPath(d);
    else core.log.warn(`not searching the registered project ${d}: it is gone or now a link`);
  }

  return {
    list: () => [...dirs],
    async add(dir) {
      dirs = [...dirs.filter((d) => d !== dir), dir].slice(-MAX_PROJECTS);
      core.sandboxes.addSearchPath(dir);
      // A new file renamed into place: never written through a link planted at the name.
      const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
      await core.fs.writeNoFollow(tmp, JSON.stringify({ projects: dirs }, null, 2) + "\n");
      await rename(tmp, file);
    },
  };
}
