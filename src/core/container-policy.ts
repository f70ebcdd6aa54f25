// Checks on a sandbox that hold whatever runs it: the workdir, environment variable names,
// input file paths and the shape of a memory size or network name.
import { isAbsolute, sep } from "node:path";
import { workspacePath } from "./core-fs.ts";
import { fail } from "./errors.ts";

export const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Container paths the core itself uses; a caller mount there would hide them. */
export const RESERVED_CONTAINER_PATHS = ["/home/agent", "/output", "/opt/swarm", "/run/swarm-io"];

export function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

export function checkWorkdir(workdir: string): string {
  if (
    !isAbsolute(workdir) || workdir.split("/").includes("..") ||
    RESERVED_CONTAINER_PATHS.some((r) => within(workdir, r))
  ) {
    fail(
      "INVALID_INPUT",
      `Cannot use workdir "${workdir}": give an absolute container path outside ${
        RESERVED_CONTAINER_PATHS.join(", ")
      }`,
    );
  }
  return workdir;
}

export function checkEnvNames(env: Record<string, string>): void {
  for (const k of Object.keys(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(k)) {
      fail(
        "INVALID_INPUT",
        `Cannot set environment variable ${
          JSON.stringify(k.slice(0, 60))
        }: names are letters, digits and "_", not starting with a digit`,
      );
    }
  }
}

/** Every input_files key names a file under the workdir (checked before the agent dir exists). */
export function checkInputFiles(files: Record<string, string>, workdir: string): void {
  for (const k of Object.keys(files)) workspacePath(k, workdir);
}
