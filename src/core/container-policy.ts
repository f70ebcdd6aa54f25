// Checks on a sandbox that hold whatever runs it: the workdir, environment variable names,
// input file paths and the shape of a memory size or network name.
import { isAbsolute, posix, sep } from "node:path";
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

/** An absolute input_files key must lie inside the workdir (relative ones are checked in normalizeLayer). */
export function checkInputFiles(files: Record<string, string>, workdir: string): void {
  for (const k of Object.keys(files)) {
    if (k.startsWith("/") && !within(posix.normalize(k), workdir.replace(/\/+$/, ""))) {
      fail(
        "INVALID_INPUT",
        `Cannot write input file ${
          JSON.stringify(k.slice(0, 200))
        }: it is an absolute path outside the workdir ${workdir}; name it relative to the workdir`,
      );
    }
  }
}
