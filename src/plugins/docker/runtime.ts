// The ContainerRuntime contract over the Docker engine: specs translated by containers.ts, the rest
// passed through.
import type { ContainerRuntime, Logger } from "../../core/types.ts";
import { type DockerPolicy, dockerTranslation } from "./containers.ts";
import { imageEnsurer } from "./image.ts";
import type { DockerEngine } from "./types.ts";

export function dockerContainers(
  engine: DockerEngine,
  policy: DockerPolicy,
  log: Logger,
): ContainerRuntime {
  const t = dockerTranslation(engine, policy);
  return {
    endpoint: engine.endpoint,
    ping: () => engine.ping(),
    check: t.check,
    user: t.user,
    hostAddress: t.hostAddress,
    async run(spec, signal) {
      const o = await t.options(spec);
      return t.hostFiles(spec, o, () => engine.run(o, signal), (m) => log.warn(m));
    },
    ensureImage: imageEnsurer(engine),
    removeByLabels: (labels) => engine.removeByLabels(labels),
    listOwned: () => engine.listOwned(),
    remove: (id) => engine.remove(id),
  };
}
