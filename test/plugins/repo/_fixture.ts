// Shared by the repo plugin tests: a real git repository in a temp dir, and a fake runtime whose
// "agent" edits its workspace the way a test says (keyed by a word in the prompt) before it ends.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ContainerExit, ContainerSpec } from "../../../src/core/types.ts";
import { FakeRuntime } from "../../helpers/fake-runtime.ts";

export type Edit = (workspace: string) => void | Promise<void>;

/** Runs `edits[word]` in the workspace of every agent whose prompt holds `{{word}}`. */
export class EditingRuntime extends FakeRuntime {
  readonly edits = new Map<string, Edit>();
  readonly seen: string[] = [];

  override async run(spec: ContainerSpec, signal: AbortSignal): Promise<ContainerExit> {
    const ws = spec.dirs.find((d) => d.container === spec.workdir)?.host;
    const { readFileSync } = await import("node:fs");
    const prompt = spec.stdin ? readFileSync(spec.stdin, "utf8") : "";
    for (const [word, edit] of this.edits) {
      if (ws && prompt.includes(`{{${word}}}`)) {
        this.seen.push(word);
        await edit(ws);
      }
    }
    return super.run(spec, signal);
  }
}

export function sh(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      PATH: process.env.PATH,
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@t",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@t",
    },
  }).trim();
}

/** A repository on branch main with one commit (a.txt, b.txt), outside the harness's data dir. */
export async function makeRepo(): Promise<{ dir: string; dispose(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), "swarm-repo-test-"));
  const dir = join(root, "project");
  execFileSync("mkdir", ["-p", dir]);
  sh(dir, "init", "-q", "-b", "main");
  execFileSync("sh", ["-c", 'printf "one\\ntwo\\nthree\\n" > a.txt; printf "b\\n" > b.txt'], {
    cwd: dir,
  });
  sh(dir, "add", "-A");
  sh(dir, "commit", "-q", "-m", "first");
  return { dir, dispose: () => rm(root, { recursive: true, force: true }) };
}

/** What must not change on the host: its status, HEAD and checked-out branch. */
export function hostState(dir: string): string {
  return [
    sh(dir, "status", "--porcelain"),
    sh(dir, "rev-parse", "HEAD"),
    sh(dir, "symbolic-ref", "HEAD"),
  ].join("\n");
}
