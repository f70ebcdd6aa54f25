// The built-in runtime "docker": agents in containers on the Docker engine at DOCKER_HOST (default
// the local socket), loaded and reached on first use so start-up stays fast.
import type { Core, Plugin, PluginFactory } from "../../core/types.ts";
import { dockerFields } from "./fields.ts";

export default ((core: Core): Plugin => ({
  name: "docker",
  fields: dockerFields(core),
  runtimes: [{
    name: "docker",
    async create() {
      const [{ createDockerRuntime }, { dockerContainers }, { engineTls, remoteMode }] =
        await Promise
          .all([import("./docker.ts"), import("./runtime.ts"), import("./remote.ts")]);
      const log = core.logger("docker");
      const { env, dataDir, allowMounts } = core.config;
      return dockerContainers(
        createDockerRuntime({ host: env.DOCKER_HOST, log, tls: engineTls(env) }),
        { env, dataDir, allowMounts, remote: remoteMode(env) },
        log,
      );
    },
  }],
})) satisfies PluginFactory;
