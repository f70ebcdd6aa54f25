// The agent's dirs on a swarm whose nodes do not see the server's files (the docker plugin's remote
// mode, remote.ts): the task's container starts, its wrapper waits for a marker; the dirs go in
// through the archive endpoint and the marker last; after exit the writable dirs come back the
// same way (the docker plugin's ship.ts and untar.ts rules), each through the engine of the node
// the task runs on (node-engines.ts).
import { lstat, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type DockerApi } from "../docker/docker-api.ts";
import { shipIn, shipOut } from "../docker/ship.ts";
import { tar } from "../docker/tar.ts";
import type { DockerRunOptions } from "../docker/types.ts";

export const READY = ".swarm-mcp-ready";
/** What the wrapper runs first: wait (at most 5 min) for the marker the server sends last. */
export const AWAIT_READY =
  `i=0; while [ ! -e /${READY} ]; do i=$((i+1)); [ $i -gt 3000 ] && exit 125; sleep 0.1; done; `;

export interface ShipTask {
  NodeID?: string;
  Status?: { ContainerStatus?: { ContainerID?: string } };
}

/** A staged HOME's owner-only (0600) files, which drivers keep their credentials in (claude-code's
 * OAuth login, the MCP servers' config with its tokens): sent as Swarm secrets, mounted read-only
 * at the same path, rather than copied into the container's layer on the node's disk. The server
 * staged them and the agent has not run yet; links are not followed; at most 32, 500 KB each. */
export async function homeSecrets(o: DockerRunOptions, max: number) {
  const home = o.ship?.dirs.find((d) => d.container === o.env.HOME);
  const found: { host: string; target: string; data: Buffer }[] = [];
  const walk = async (host: string, target: string, depth: number): Promise<void> => {
    for (const e of await readdir(host)) {
      const path = join(host, e), st = await lstat(path);
      if (st.isDirectory() && depth < 4) await walk(path, `${target}/${e}`, depth + 1);
      else if (st.isFile() && !(st.mode & 0o077) && st.size <= max && found.length < 32) {
        found.push({ host: path, target: `${target}/${e}`, data: await readFile(path) });
      }
    }
  };
  if (home) await walk(home.host, home.container.replace(/\/+$/, ""), 0);
  return found;
}

/** Send the dirs (but the files `skip` names) into the task's container; release its wrapper.
 * Returns the host paths sent (shipFromTask's `sent`). */
export async function shipToTask(
  api: DockerApi,
  task: ShipTask,
  o: DockerRunOptions,
  skip: Set<string>,
): Promise<string[]> {
  const id = task.Status?.ContainerStatus?.ContainerID;
  if (!o.ship || !id) return [];
  const sent = await shipIn(api, id, o.ship.dirs, o.ship.owner, o.ship.limits, skip);
  await api.call({
    method: "PUT",
    path: `/containers/${encodeURIComponent(id)}/archive`,
    query: { path: "/" },
    file: tar([{ name: READY, data: "", mode: 0o444 }]),
    ok: [200],
  });
  return sent;
}

/** The writable dirs back from the ended task's container, through its node's engine. */
export async function shipFromTask(
  api: DockerApi,
  task: ShipTask,
  o: DockerRunOptions,
  sent: string[],
) {
  const id = task.Status?.ContainerStatus?.ContainerID;
  if (o.ship && id) await shipOut(api, id, o.ship.dirs, o.ship.limits, sent);
}
