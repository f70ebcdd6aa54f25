// The create body of an agent's container: its command, env, user, labels, limits and binds, and
// what the way of capturing output adds (capture.ts).
import { runtimeError } from "./runtime-error.ts";
import type { Capture } from "./capture.ts";
import type { DockerRunOptions } from "./types.ts";

export function containerConfig(o: DockerRunOptions, capture: Capture): Record<string, unknown> {
  const env = Object.entries(o.env).map(([k, v]) => {
    if (!/^[^=\0]+$/.test(k)) {
      throw runtimeError(
        "invalid",
        `Cannot pass environment variable "${k}": a name must be non-empty without "=" or NUL; rename it`,
      );
    }
    return `${k}=${v}`;
  });
  const binds = o.binds.map((b) => {
    if (b.host.includes(":") || b.container.includes(":")) {
      throw runtimeError(
        "invalid",
        `Cannot mount "${b.host}" at "${b.container}": paths containing ":" are not supported by Docker binds; rename the directory`,
      );
    }
    return `${b.host}:${b.container}:${b.readonly ? "ro" : "rw"}`;
  });
  return {
    Image: o.image,
    Cmd: o.cmd,
    ...(o.entrypoint ? { Entrypoint: o.entrypoint } : {}),
    Env: env,
    ...(o.user ? { User: o.user } : {}),
    ...(o.workdir ? { WorkingDir: o.workdir } : {}),
    Labels: o.labels,
    Tty: false,
    ...capture.config,
    HostConfig: {
      Init: true,
      SecurityOpt: ["no-new-privileges"],
      Binds: [...binds, ...capture.binds],
      NetworkMode: o.network,
      CapDrop: o.capDrop ?? ["ALL"],
      ...(o.pidsLimit ? { PidsLimit: o.pidsLimit } : {}),
      ...(o.memoryBytes ? { Memory: o.memoryBytes } : {}),
      ...(o.nanoCpus ? { NanoCpus: o.nanoCpus } : {}),
      ...(o.gpu
        ? { DeviceRequests: [{ Driver: "nvidia", Count: -1, Capabilities: [["gpu"]] }] }
        : {}),
    },
  };
}
