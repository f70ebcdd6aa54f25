// What an agent leaves on the swarm, named "kind/id": its service, its task's container (the
// engine here does not stop or remove those of a removed service promptly), its secret, its config
// and, for an agent without network, its own internal overlay. Each carries the agent's labels,
// so the reaper and the shutdown sweep find them all by label, in this order.
import { setTimeout as delay } from "node:timers/promises";
import { type DockerApi, GIVE_UP_MS, status } from "../docker/docker-api.ts";
import { runtimeError } from "../docker/runtime-error.ts";

const KINDS = ["service", "container", "secret", "config", "network"] as const;

/** Remove one "kind/id"; gone already is fine. Services first: they hold the others in use. */
export async function removeObject(api: DockerApi, ref: string): Promise<void> {
  const m = /^(service|container|secret|config|network)\/([A-Za-z0-9_.-]+)$/.exec(ref);
  if (!m) {
    throw runtimeError("invalid", `Cannot remove "${ref}": not one of an agent's swarm objects`);
  }
  // A network stays in use until the removed service's container is gone: a few seconds at most.
  for (let i = 0;; i++) {
    try {
      return void await api.call({
        method: "DELETE",
        path: `/${m[1]}s/${m[2]}`,
        query: m[1] === "container" ? { force: 1, v: 1 } : undefined,
        ok: [200, 204, 404, ...(m[1] === "container" ? [409] : [])], // 409: removal under way
        timeoutMs: GIVE_UP_MS,
      });
    } catch (e) {
      if (m[1] !== "network" || status(e) !== 403 || i >= 20) throw e;
      await delay(250);
    }
  }
}

/** Networks answer with Id and Labels; the swarm's own objects with ID and Spec.Labels. */
type Listed = { ID?: string; Id?: string; Labels?: Labels; Spec?: { Labels?: Labels } };
type Labels = Record<string, string> | null;

/** Every object carrying all `labels` (names only, or name=value), in the order to remove them. */
export async function listObjects(
  api: DockerApi,
  labels: string[],
  kinds: readonly (typeof KINDS)[number][] = KINDS,
): Promise<{ id: string; labels: Record<string, string> }[]> {
  const filters = JSON.stringify({ label: labels });
  const lists = await Promise.all(kinds.map((kind) =>
    api.call<Listed[]>({
      method: "GET",
      path: kind === "container" ? "/containers/json" : `/${kind}s`,
      query: { filters, ...(kind === "container" ? { all: 1 } : {}) },
      ok: [200],
    }).then((xs) =>
      xs.map((x) => ({ id: `${kind}/${x.ID ?? x.Id}`, labels: (x.Spec ?? x).Labels ?? {} }))
    )
  ));
  return lists.flat();
}
