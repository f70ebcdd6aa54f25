// The network calls the core needs: what labels a network carries (is it ours, or one the
// operator allowed?), creating the agents' default network, and its gateway (the host from inside).
import { type DockerApi, status } from "./docker-api.ts";

export function dockerNetworks(api: DockerApi) {
  return {
    async networkLabels(name: string): Promise<Record<string, string> | null> {
      try {
        const n = await api.call<{ Labels?: Record<string, string> | null }>({
          method: "GET",
          path: `/networks/${encodeURIComponent(name)}`,
          ok: [200],
        });
        return n.Labels ?? {};
      } catch (e) {
        if (status(e) === 404) return null;
        throw e;
      }
    },
    async networkGateway(name: string): Promise<string | null> {
      const n = await api.call<{ IPAM?: { Config?: { Gateway?: string }[] | null } }>({
        method: "GET",
        path: `/networks/${encodeURIComponent(name)}`,
        ok: [200],
      });
      return n.IPAM?.Config?.map((c) => c.Gateway).find((g) => g && !g.includes(":")) ?? null;
    },
    async createNetwork(
      name: string,
      labels: Record<string, string>,
      options: Record<string, string>,
    ): Promise<void> {
      await api.call({
        method: "POST",
        path: "/networks/create",
        body: {
          Name: name,
          Driver: "bridge",
          CheckDuplicate: true,
          Labels: labels,
          Options: options,
        },
        ok: [201, 409],
      });
    },
  };
}
