// The ContainerRuntime contract over a Docker Swarm manager: the docker plugin's engine client, its
// mount, network and limit policy and its image builds, with each agent run as a one-shot service.
import type { ContainerRuntime, Logger } from "../../core/types.ts";
import { type DockerPolicy, dockerTranslation } from "../docker/containers.ts";
import { createDockerRuntime } from "../docker/docker.ts";
import { createDockerApi, imagePath } from "../docker/docker-api.ts";
import { imageEnsurer } from "../docker/image.ts";
import { AGENT_NETWORK, memoryBytes, nanoCpus } from "../docker/policy.ts";
import { engineTls } from "../docker/remote.ts";
import { refuse } from "../docker/runtime-error.ts";
import { listObjects, removeObject } from "./objects.ts";
import { nodeEngines } from "./node-engines.ts";
import { runService } from "./run.ts";
import { AGENT_OVERLAY } from "./service.ts";
import type { Placement } from "./placement.ts";

/** `placement(labels)`: what the sandbox asked for this agent (the plugin's hook recorded it). */
export function swarmRuntime(
  policy: DockerPolicy,
  log: Logger,
  placement: (labels: Record<string, string>) => Placement,
): ContainerRuntime {
  // The manager as the docker runtime reaches an engine: DOCKER_HOST, TLS, remote mode (remote.ts).
  const host = policy.env.DOCKER_HOST, tls = engineTls(policy.env);
  const api = createDockerApi(host, { tls });
  const engine = createDockerRuntime({ host, log, tls });
  // `network: true` is an attachable overlay of ours: Swarm services cannot join local bridges.
  const overlay = (name: string) => (name === AGENT_NETWORK ? AGENT_OVERLAY : name);
  const t = dockerTranslation({
    networkLabels: (name) => engine.networkLabels(overlay(name)),
    createNetwork: (name, labels) =>
      api.call({
        method: "POST",
        path: "/networks/create",
        body: { Name: overlay(name), Driver: "overlay", Attachable: true, Labels: labels },
        ok: [201, 409],
      }),
  }, policy);
  let manager: Promise<void> | undefined; // checked once, again after a failure
  let nodeId = "";
  const managerNode = async () => (await manager, nodeId);
  const engineOf = nodeEngines(api, managerNode, policy.env.SWARM_NODE_ENGINES);
  const entrypoints = new Map<string, Promise<string[]>>();
  const entrypoint = (image: string) => {
    let e = entrypoints.get(image);
    if (!e) {
      e = api.call<{ Config?: { Entrypoint?: string[] | null } }>({
        method: "GET",
        path: imagePath(image, "/json"),
        ok: [200],
      }).then((i) => i.Config?.Entrypoint ?? []);
      entrypoints.set(image, e);
      e.catch(() => entrypoints.delete(image));
    }
    return e;
  };

  return {
    endpoint: `swarm at ${api.endpoint}`,
    async ping() {
      type Info = { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string };
      const info = await api.call<{ Swarm?: Info }>({ method: "GET", path: "/info", ok: [200] });
      if (info.Swarm?.LocalNodeState !== "active" || !info.Swarm.ControlAvailable) {
        refuse(
          "unavailable",
          `Cannot use the swarm runtime: the Docker engine at ${api.endpoint} is not a swarm manager (state ${
            info.Swarm?.LocalNodeState ?? "unknown"
          }); run "docker swarm init" there or point DOCKER_HOST at a manager`,
        );
      }
      nodeId = info.Swarm.NodeID ?? "";
    },
    check: t.check,
    user: t.user,
    async run(spec, signal) {
      await (manager ??= this.ping().catch((e) => ((manager = undefined), Promise.reject(e))));
      const o = await t.options(spec);
      o.network = overlay(o.network);
      const argv = [...(spec.entrypoint ?? (await entrypoint(o.image))), ...o.cmd];
      const where = {
        ...placement(spec.labels),
        reserve: {
          nanoCpus: nanoCpus(spec.cpus),
          memoryBytes: spec.memory ? memoryBytes(spec.memory) : undefined,
        },
      };
      return t.hostFiles(
        spec,
        o,
        () => runService(api, log, o, argv, where, engineOf, signal),
        (m) => log.warn(m),
      );
    },
    ensureImage: imageEnsurer(engine),
    async removeByLabels(labels) {
      // No labels would match every service on the swarm, including other people's.
      if (!Object.keys(labels).length) refuse("invalid", "Cannot remove by labels: none given");
      const found = await listObjects(api, Object.entries(labels).map(([k, v]) => `${k}=${v}`));
      let n = 0;
      for (const o of found) {
        await removeObject(api, o.id).then(
          () => o.id.startsWith("service/") && n++,
          (e) => log.warn(`cannot remove ${o.id}: ${e}`),
        );
      }
      return n;
    },
    listOwned: () => listObjects(api, ["swarm-mcp.owner"]),
    remove: (id) => removeObject(api, id),
  };
}
