// The neutral ContainerSpec on Docker: the agent's dirs and the caller's mounts become host-path
// binds (the engine shares this machine's filesystem), `network: true` the agents' own network,
// and a root server's agents run as another uid that owns their files only while they run.
import { writeFile } from "node:fs/promises";
import { checkImageRef } from "./image-ref.ts";
import type { ContainerAsk, ContainerSpec } from "../../core/types.ts";
import { checkMounts, engineSocket } from "./mounts.ts";
import {
  AGENT_NETWORK,
  agentUser,
  callerIds,
  checkNetwork,
  chownTree,
  containerLimits,
  dockerNetwork,
  ensureAgentNetwork,
  nanoCpus,
} from "./policy.ts";
import type { DockerEngine, DockerRunOptions } from "./types.ts";
import { checkRemoteMounts, remoteHostAddress, type RemoteMode } from "./remote.ts";
import { shipLimits } from "./ship.ts";

export interface DockerPolicy {
  env: Record<string, string | undefined>;
  dataDir: string;
  allowMounts: string[];
  /** Set when the engine does not see this machine's files (remote.ts). */
  remote?: RemoteMode;
}

type Networks = Pick<DockerEngine, "networkLabels" | "createNetwork" | "networkGateway">;

/** Judge a spec and turn it into engine options; `hostFiles` wraps a run in the uid hand-over. */
export function dockerTranslation(engine: Networks, p: DockerPolicy) {
  let agentNet: Promise<void> | undefined; // created once per process, retried after a failure
  const user = () => agentUser(callerIds(), p.env);

  async function check(ask: ContainerAsk) {
    checkImageRef(ask.image);
    const binds = await checkMounts(ask.mounts, {
      home: p.env.HOME,
      dataDir: p.dataDir,
      allow: p.allowMounts,
      engineSocket: engineSocket(p.env.DOCKER_HOST),
    });
    if (p.remote) checkRemoteMounts(binds, p.remote);
    const network = dockerNetwork(ask.network, p.env);
    const limits = containerLimits(ask, p.env);
    const nano = nanoCpus(ask.cpus);
    await checkNetwork(network, p.env, (name) => engine.networkLabels(name));
    return { binds, network, limits, nano };
  }

  const ensureNet = (network: string) =>
    network !== AGENT_NETWORK ? undefined : (agentNet ??= ensureAgentNetwork(engine).catch((e) => {
      agentNet = undefined;
      throw e;
    }));

  /** Where a container on this network reaches the host: the network's gateway (loopback on the
   * host network), null without a network. */
  async function hostAddress(net: ContainerAsk["network"]): Promise<string | null> {
    const network = dockerNetwork(net, p.env);
    if (network === "none") return null;
    if (p.remote) return remoteHostAddress(p.remote); // its gateway is another machine
    if (network === "host") return "127.0.0.1";
    await ensureNet(network);
    return (await engine.networkGateway?.(network)) ?? null;
  }

  async function options(spec: ContainerSpec): Promise<DockerRunOptions> {
    const { binds, network, limits, nano } = await check(spec); // again: a path may be a link now
    await ensureNet(network);
    const u = user();
    const dirs = spec.dirs.map((d) => ({
      host: d.host,
      container: d.container,
      readonly: !d.writable,
    }));
    return {
      image: spec.image,
      cmd: spec.cmd,
      entrypoint: spec.entrypoint,
      env: spec.env,
      user: `${u.uid}:${u.gid}`,
      workdir: spec.workdir,
      // A remote engine gets the agent's dirs through the archive endpoint, not as binds.
      binds: p.remote ? binds : [...dirs, ...binds],
      ship: p.remote ? { dirs: spec.dirs, owner: u, limits: shipLimits(p.env) } : undefined,
      network,
      memoryBytes: limits.memoryBytes,
      pidsLimit: limits.pidsLimit,
      capDrop: ["ALL"],
      nanoCpus: nano,
      gpu: spec.gpu,
      labels: spec.labels,
      stdinFile: spec.stdin,
      stdoutFile: spec.stdout,
      stderrFile: spec.stderr,
      timeoutMs: spec.timeoutMs,
      name: spec.name,
    };
  }

  /** A root server's agent runs as another uid: its own files are that uid's while it runs, and
   * whatever it owns afterwards (there and on read-write mounts) goes back to the caller. */
  async function hostFiles<T>(
    spec: ContainerSpec,
    o: DockerRunOptions,
    run: () => Promise<T>,
    warn: (msg: string) => void,
  ): Promise<T> {
    const caller = callerIds();
    const u = user();
    if (u.uid === caller.uid || p.remote) return run(); // remote: its files are copies over there
    const own = [spec.stdout, spec.stderr, ...(spec.stdin ? [spec.stdin] : [])];
    await Promise.all(own.slice(0, 2).map((f) => writeFile(f, "", { mode: 0o600 })));
    own.push(...spec.dirs.map((d) => d.host));
    await chownTree(own, u);
    const rw = o.binds.slice(spec.dirs.length).filter((b) => !b.readonly).map((b) => b.host);
    try {
      return await run();
    } finally {
      if (!(await chownTree([...own, ...rw], caller, u.uid))) {
        warn(`${o.name}: over 100000 files, some stay owned by uid ${u.uid}`);
      }
    }
  }

  return {
    check: async (ask: ContainerAsk) => void (await check(ask)),
    options,
    user,
    hostFiles,
    hostAddress,
  };
}
