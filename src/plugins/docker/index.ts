// The built-in runtime "docker": agents in containers on the Docker engine at DOCKER_HOST or the
// current Docker context (default the local socket), loaded and reached on first use so start-up
// stays fast.
import type { Core, Plugin, PluginFactory } from "../../core/types.ts";
import { dockerFields } from "./fields.ts";

export default ((core: Core): Plugin => ({
  name: "docker",
  fields: dockerFields(core),
  runtimes: [{
    name: "docker",
    async create() {
      const [{ createDockerRuntime }, { dockerContainers }, { remoteMode }, { dockerEndpoint }] =
        await Promise.all([
          import("./docker.ts"),
          import("./runtime.ts"),
          import("./remote.ts"),
          import("./context.ts"),
        ]);
      const log = core.logger("docker");
      const { dataDir, allowMounts } = core.config;
      const { host, tls } = dockerEndpoint(core.config.env);
      const env = { ...core.config.env, DOCKER_HOST: host }; // the context's endpoint, when one is used
      return dockerContainers(
        createDockerRuntime({ host, log, tls }),
        { env, dataDir, allowMounts, remote: remoteMode(env) },
        log,
      );
    },
  }],
})) satisfies PluginFactory;
