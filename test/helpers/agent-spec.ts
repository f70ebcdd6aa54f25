// A container spec as spawn hands it to a runtime: an agent's three dirs under `root/name` (home,
// out, ws; created empty) as /home/agent, /output and the workdir, all writable, with the
// container's stdin, stdout and stderr files beside them. Tests of the runtimes write what the
// agent should find into those dirs before running it.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ContainerSpec } from "../../src/core/types.ts";

export interface AgentSpecOptions {
  image: string;
  /** Run with `sh -c`. */
  script: string;
  /** Names the container `swarm-test-<run>-<name>`. */
  run: string;
  labels: Record<string, string>;
  workdir?: string;
  /** Written to the stdin file; none when absent. */
  stdin?: string;
  timeoutMs?: number;
}

export async function agentSpec(
  root: string,
  name: string,
  o: AgentSpecOptions,
): Promise<ContainerSpec> {
  const d = join(root, name);
  for (const sub of ["home", "out", "ws"]) await mkdir(join(d, sub), { recursive: true });
  if (o.stdin !== undefined) await writeFile(join(d, "stdin"), o.stdin);
  const workdir = o.workdir ?? "/workspace";
  return {
    image: o.image,
    cmd: ["sh", "-c", o.script],
    env: { HOME: "/home/agent" },
    workdir,
    dirs: [
      { host: join(d, "home"), container: "/home/agent", writable: true },
      { host: join(d, "out"), container: "/output", writable: true },
      { host: join(d, "ws"), container: workdir, writable: true },
    ],
    mounts: [],
    network: false,
    gpu: false,
    labels: o.labels,
    stdin: o.stdin === undefined ? undefined : join(d, "stdin"),
    stdout: join(d, "stdout"),
    stderr: join(d, "stderr"),
    timeoutMs: o.timeoutMs ?? 60_000,
    name: `swarm-test-${o.run}-${name}`,
  };
}
