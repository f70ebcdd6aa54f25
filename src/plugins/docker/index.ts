// The built-in runtime "docker": agents in containers on the Docker engine at DOCKER_HOST (default
// the local socket), loaded and reached on first use so start-up stays fast.
import type { Core, Plugin, PluginFactory } from "../../core/types.ts";
import { checkImageRef } from "./image-ref.ts";

export default ((core: Core): Plugin => ({
  name: "docker",
  // Image references follow Docker's grammar, so this runtime checks the field (the core has none).
  fields: [{
    name: "image",
    schema: core.v.pipe(
      core.v.string(),
      core.v.description("Docker image (default: the driver's)"),
    ),
    normalize(x, k) {
      const ref = k.text(x);
      try {
        return checkImageRef(ref, "image");
      } catch (e) { // a runtime error: a field refuses with a tool error, in the same sentence
        return core.fail("INVALID_INPUT", (e as Error).message);
      }
    },
  }],
  runtimes: [{
    name: "docker",
    async create() {
      const [{ createDockerRuntime }, { dockerContainers }] = await Promise.all([
        import("./docker.ts"),
        import("./runtime.ts"),
      ]);
      const log = core.logger("docker");
      const { env, dataDir, allowMounts } = core.config;
      return dockerContainers(
        createDockerRuntime({ host: env.DOCKER_HOST, log }),
        { env, dataDir, allowMounts },
        log,
      );
    },
  }],
})) satisfies PluginFactory;
