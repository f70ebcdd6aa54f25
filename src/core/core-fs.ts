// core.fs, the file helpers plugins get: the no-follow readers of safe-fs.ts, staging caller-named
// files into an agent's workspace without ever leaving it, and the tail of an agent's stderr.
import { constants } from "node:fs";
import { lstat, mkdir, open } from "node:fs/promises";
import { join, posix } from "node:path";
import { fail } from "./errors.ts";
import { copyNoFollow, linesNoFollow, listNoFollow, readInDir, readNoFollow } from "./safe-fs.ts";

/**
 * The workspace-relative path for an `input_files` key. Keys are relative to the workdir (the
 * reference's convention): an absolute key inside the workdir is taken from there, any other
 * "/x" as "x" (the reference's callers wrote "/x"). ".." is refused wherever it appears: the
 * reference joined keys blindly and `{"/../../x": …}` wrote outside the workspace.
 */
export function workspacePath(key: string, workdir: string): string {
  const refuse = (why: string): never =>
    fail(
      "INVALID_INPUT",
      `Cannot write input file ${
        JSON.stringify(key.slice(0, 200))
      }: ${why}; name it relative to the workdir (${workdir}), e.g. "src/main.py"`,
    );
  if (key.trim() === "" || key.includes("\0")) refuse("the name is empty or holds a NUL byte");
  if (key.split("/").includes("..")) refuse('".." may not appear in the path');
  let rel = key;
  if (key.startsWith("/")) {
    const base = posix.normalize(workdir).replace(/\/+$/, "");
    const abs = posix.normalize(key);
    rel = abs === base
      ? ""
      : abs.startsWith(base + "/")
      ? abs.slice(base.length + 1)
      : abs.replace(/^\/+/, "");
  }
  rel = posix.normalize(rel).replace(/^(\.\/)+/, "");
  if (rel === "" || rel === "." || rel.endsWith("/")) refuse("it names a directory, not a file");
  return rel;
}

/** Every existing ancestor of `rel` under `root` must be a real directory: no symlink may lead out. */
async function checkAncestors(root: string, rel: string, show: string): Promise<void> {
  const parts = rel.split("/");
  let at = root;
  for (let i = 0; i < parts.length; i++) {
    at = join(at, parts[i]!);
    const st = await lstat(at).catch(() => null);
    if (!st) return; // the rest will be created by us
    const last = i === parts.length - 1;
    if (st.isSymbolicLink()) {
      fail(
        "INVALID_INPUT",
        `Cannot write input file ${JSON.stringify(show)}: ${
          parts.slice(0, i + 1).join("/")
        } is a symbolic link in the workspace; choose another path`,
      );
    }
    if (!last && !st.isDirectory()) {
      fail(
        "INVALID_INPUT",
        `Cannot write input file ${JSON.stringify(show)}: ${
          parts.slice(0, i + 1).join("/")
        } is a file, not a directory`,
      );
    }
    if (last && st.isDirectory()) {
      fail(
        "INVALID_INPUT",
        `Cannot write input file ${JSON.stringify(show)}: it is a directory in the workspace`,
      );
    }
  }
}

/**
 * Write files into the host workspace dir. All names are checked before the first byte is
 * written, so a bad key leaves nothing half-staged. Files are 0600 and directories 0700: the
 * container runs as the server's own uid, and nobody else needs to read them.
 */
export async function writeWorkspaceFiles(
  workspace: string,
  workdir: string,
  files: Record<string, string>,
): Promise<string[]> {
  const planned: [string, string][] = [];
  for (const [key, content] of Object.entries(files)) {
    if (typeof content !== "string") {
      fail(
        "INVALID_INPUT",
        `Cannot write input file ${
          JSON.stringify(key.slice(0, 200))
        }: its content must be a string`,
      );
    }
    const rel = workspacePath(key, workdir);
    await checkAncestors(workspace, rel, key);
    planned.push([rel, content]);
  }
  for (const [rel, content] of planned) {
    const parent = posix.dirname(rel);
    if (parent !== ".") await mkdir(join(workspace, parent), { recursive: true, mode: 0o700 });
    await writeNoFollow(join(workspace, rel), content);
  }
  return planned.map(([rel]) => rel);
}

/** O_NOFOLLOW: even a symlink planted between the check and the write is not followed. */
export async function writeNoFollow(file: string, content: string, mode = 0o600): Promise<void> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC |
    (constants.O_NOFOLLOW ?? 0);
  const fh = await open(file, flags, mode);
  try {
    await fh.writeFile(content);
    await fh.chmod(mode); // an existing file keeps its old mode through O_CREAT
  } finally {
    await fh.close();
  }
}

/** The last few non-empty lines of a (possibly huge) stderr file, read from its end only; the
 * container wrote it, so a link or FIFO in its place is not read. */
export async function stderrTail(file: string, maxLines = 5, maxChars = 600): Promise<string> {
  const { text } = await readNoFollow(file, 8192, { fromEnd: true });
  const lines = text.split(/\r?\n/).map((l) => l.trimEnd()).filter((l) => l.trim() !== "");
  const tail = lines.slice(-maxLines).join("\n");
  return tail.length > maxChars ? "…" + tail.slice(-maxChars) : tail;
}

/** "Exit code N: <stderr tail>" — the reference's convention, kept so callers can match on it. */
export async function exitError(
  code: number,
  stderrFile: string,
  fallback: string,
): Promise<string> {
  const tail = await stderrTail(stderrFile);
  return `Exit code ${code}: ${tail || fallback}`;
}

export const coreFs = {
  readNoFollow,
  readInDir,
  linesNoFollow,
  listNoFollow,
  copyNoFollow,
  workspacePath,
  writeWorkspaceFiles,
  writeNoFollow,
  stderrTail,
  exitError,
};
