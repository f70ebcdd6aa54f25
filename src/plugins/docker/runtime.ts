// The ContainerRuntime contract over the Docker engine: specs translated by containers.ts, the rest
// passed through.
import type { ContainerRuntime, Logger } from "../../core/types.ts";
import { type DockerPolicy, dockerTranslation } from "./containers.ts";
import type { DockerEngine } from "./types.ts";

/** The Docker runtime offers what image staleness checks need beyond the contract. */
export type DockerContainers = ContainerRuntime & Pick<DockerEngine, "imageLabels">;

export function dockerContainers(
  engine: DockerEngine,
  policy: DockerPolicy,
  log: Logger,
): DockerContainers {
  const t = dockerTranslation(engine, policy);
  return {
    endpoint: engine.endpoint,
    ping: () => engine.ping(),
    check: t.check,
    user: t.user,
    async run(spec, signal) {
      const o = await t.options(spec);
      return t.hostFiles(spec, o, () => engine.run(o, signal), (m) => log.warn(m));
    },
    imageExists: (tag) => engine.imageExists(tag),
    imageLabels: (tag) => engine.imageLabels(tag),
    buildImage: (context, tag, args, onLine) => engine.buildImage(context, tag, args, onLine),
    removeByLabels: (labels) => engine.removeByLabels(labels),
    listOwned: () => engine.listOwned(),
    remove: (id) => engine.remove(id),
  };
}
