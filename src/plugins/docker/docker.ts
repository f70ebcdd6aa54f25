// ContainerRuntime over docker-modem on the Docker socket (or DOCKER_HOST). One container per
// run: create → start → wait → remove, with stdout/stderr landing in files (capture.ts says how)
// and the container removed whatever happens.
import { runtimeError } from "./runtime-error.ts";
import type { Logger } from "../../core/types.ts";
import {
  apiMessage,
  containerPath,
  createDockerApi,
  ENGINE_LOST_MS,
  type EngineTls,
  GIVE_UP_MS,
  imagePath,
  status,
} from "./docker-api.ts";
import { buildImage } from "./build.ts";
import { dockerNetworks } from "./networks.ts";
import { type Life, runContainer } from "./run.ts";
import type { DockerEngine } from "./types.ts";

export { parseDockerHost } from "./docker-api.ts";

export type { DockerEngine as DockerRuntime } from "./types.ts";

/** `lostAfterMs`: how long a running agent outlives an unreachable engine (tests shorten it). */
export function createDockerRuntime(
  opts: { host?: string; log: Logger; lostAfterMs?: number; timeoutMs?: number; tls?: EngineTls },
): DockerEngine {
  const api = createDockerApi(opts.host, { timeoutMs: opts.timeoutMs, tls: opts.tls });
  const { log } = opts;
  const streamOnly = new Set<string>(); // image + user pairs where the output wrapper cannot run
  // Containers that could not be removed because the engine was gone; retried at the next run.
  const orphans = new Set<string>();
  const life: Life = {
    api,
    log,
    streamOnly,
    shipNeeds: new Set(), // image + user + dir: the remote engine's image lacks it (ship-capture.ts)
    orphans,
    lostAfterMs: opts.lostAfterMs ?? ENGINE_LOST_MS,
  };

  const imageLabels = async (tag: string): Promise<Record<string, string> | null> => {
    try {
      const img = await api.call<{ Config?: { Labels?: Record<string, string> | null } }>({
        method: "GET",
        path: imagePath(tag, "/json"),
        ok: [200],
      });
      return img.Config?.Labels ?? {};
    } catch (e) {
      if (status(e) === 404) return null;
      throw e;
    }
  };

  const remove = async (id: string): Promise<void> => {
    if (!/^[A-Za-z0-9_.-]+$/.test(id)) {
      throw runtimeError("invalid", `Cannot remove container "${id}": not a container id or name`);
    }
    await api.call({
      method: "DELETE",
      path: containerPath(id),
      query: { force: 1, v: 1 },
      ok: [204, 404, 409],
      timeoutMs: GIVE_UP_MS,
    });
  };

  const list = (filters: Record<string, string[]>) =>
    api.call<{ Id: string; Labels: Record<string, string> | null }[]>({
      method: "GET",
      path: "/containers/json",
      query: { all: 1, filters: JSON.stringify(filters) },
      ok: [200],
    });

  return {
    endpoint: api.endpoint,
    async ping() {
      await api.version();
    },
    run: (o, signal) => runContainer(life, o, signal),
    async imageExists(tag) {
      return (await imageLabels(tag)) !== null;
    },
    imageLabels,
    async removeImage(tag) {
      await api.call({
        method: "DELETE",
        path: imagePath(tag),
        query: { force: 1 },
        ok: [200, 404, 409],
      });
    },
    buildImage: (context, tag, buildArgs, onLine) =>
      buildImage(api, context, tag, buildArgs, onLine),
    async removeByLabels(labels) {
      // No labels would match every container on the engine, including other people's.
      if (Object.keys(labels).length === 0) {
        throw runtimeError(
          "invalid",
          "Cannot remove containers by labels: no labels given; name at least one label",
        );
      }
      const found = await list({ label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) });
      const done = await Promise.all(
        found.map((c) =>
          remove(c.Id).then(
            () => 1,
            (e) => (log.warn(`cannot remove container ${c.Id.slice(0, 12)}: ${apiMessage(e)}`), 0),
          )
        ),
      );
      return done.reduce<number>((a, b) => a + b, 0);
    },
    async listOwned() {
      return (await list({ label: ["swarm-mcp.owner"] })).map((c) => ({
        id: c.Id,
        labels: c.Labels ?? {},
      }));
    },
    remove,
    ...dockerNetworks(api),
  };
}
