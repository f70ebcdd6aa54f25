// The engines of the swarm's nodes, for agents whose files travel through the archive endpoint:
// the manager's own node through DOCKER_HOST, the others as the operator lists them in
// SWARM_NODE_ENGINES: "<node hostname or id>=<tcp://host:port>[;<TLS cert dir>]", comma-separated
// (the cert dir holds ca.pem, cert.pem and key.pem, as DOCKER_CERT_PATH does).
import { createDockerApi, type DockerApi } from "../docker/docker-api.ts";
import { engineTls } from "../docker/remote.ts";
import { refuse } from "../docker/runtime-error.ts";

export function nodeEngines(
  manager: DockerApi,
  managerNode: () => Promise<string>,
  list: string | undefined,
) {
  const listed = new Map<string, { host: string; certs?: string }>();
  for (const item of (list ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([^=\s]+)=(tcp:\/\/[^;\s]+)(?:;(\/\S*))?$/.exec(item);
    if (!m) {
      refuse(
        "unavailable",
        `Cannot read SWARM_NODE_ENGINES item "${
          item.slice(0, 80)
        }": expected <node>=tcp://host:port[;/cert/dir]; fix the variable`,
      );
    }
    listed.set(m[1]!, { host: m[2]!, certs: m[3] });
  }
  const apis = new Map<string, DockerApi>();
  return async (nodeId: string, agent: string): Promise<DockerApi> => {
    if (nodeId === (await managerNode())) return manager;
    const node = await manager.call<{ Description?: { Hostname?: string } }>({
      method: "GET",
      path: `/nodes/${encodeURIComponent(nodeId)}`,
      ok: [200],
    });
    const name = node.Description?.Hostname ?? "";
    const key = listed.has(nodeId) ? nodeId : name;
    const at = listed.get(key);
    if (!at) {
      refuse(
        "forbidden",
        `Cannot send the files of "${agent}" to swarm node ${
          name || nodeId
        }: the server does not reach its engine and the nodes do not share the server's files; list it in SWARM_NODE_ENGINES (${
          name || nodeId
        }=tcp://host:2376;/cert/dir), or use placement "node.role==manager"`,
      );
    }
    let api = apis.get(key);
    if (!api) {
      const tls = at.certs
        ? engineTls({ DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: at.certs, DOCKER_HOST: at.host })
        : undefined;
      apis.set(key, api = createDockerApi(at.host, { tls }));
    }
    return api;
  };
}
