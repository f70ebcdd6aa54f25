// A host path a caller names for wrap or wrap_project, judged like a mount: "~" expanded,
// absolute, no NUL, no symbolic link anywhere on the way (what is read is what was named), and
// refused where a mount is refused (system trees, the data dir, HOME and its dot-entries, the
// engine socket, devices), unless the operator opened it with SWARM_ALLOW_MOUNTS.
import type { Stats } from "node:fs";
import { lstat, realpath } from "node:fs/promises";
import { isAbsolute, join, normalize } from "node:path";
import type { Core } from "../../core/types.ts";
import { engineSocket, hostPathRefusal } from "../docker/mounts.ts";

const MAX_PATH = 4096;
const show = (s: string) => JSON.stringify(s.length > 200 ? s.slice(0, 200) + "…" : s);

export async function judgeHostPath(
  core: Core,
  action: string,
  raw: string,
): Promise<{ real: string; st: Stats }> {
  const refuse = (code: "INVALID_INPUT" | "FORBIDDEN", why: string, next: string): never =>
    core.fail(code, `Cannot ${action} ${show(raw)}: ${why}; ${next}`);
  const { env, dataDir, allowMounts } = core.config;
  if (raw.length > MAX_PATH || raw.includes("\0")) {
    refuse(
      "INVALID_INPUT",
      `a path is at most ${MAX_PATH} characters, without NUL`,
      "fix the path",
    );
  }
  let path = raw;
  if (path === "~" || path.startsWith("~/")) {
    if (!env.HOME) refuse("INVALID_INPUT", "HOME is not set", "give an absolute path");
    path = join(env.HOME!, path.slice(1));
  }
  if (!isAbsolute(path)) refuse("INVALID_INPUT", "it is not absolute", "give an absolute path");
  const wanted = normalize(path).replace(/(.)\/+$/, "$1");
  const real = await realpath(wanted).catch(() => null);
  const st = real ? await lstat(real).catch(() => null) : null;
  if (!real || !st) {
    refuse("INVALID_INPUT", "it does not exist or cannot be read", "create it or fix the path");
  }
  if (real !== wanted) {
    refuse(
      "FORBIDDEN",
      `it is or passes through a symbolic link (it resolves to ${show(real!)})`,
      "give the real path",
    );
  }
  const why = await hostPathRefusal(real!, st!, {
    home: env.HOME,
    dataDir,
    allow: allowMounts,
    engineSocket: engineSocket(env.DOCKER_HOST),
  });
  if (why) {
    refuse(
      "FORBIDDEN",
      why,
      `name a project path instead, or the operator can allow it with SWARM_ALLOW_MOUNTS=${real}`,
    );
  }
  return { real: real!, st: st! };
}
