// Compiles src/main.ts into one executable, dist/swarm-mcp: minified, bytecode, ESM, no .env or
// bunfig autoload (a user's cwd must not change the server), and docker-modem's ssh2 transport
// stubbed so no native addon is unpacked to /tmp at every start (spike §4).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeAssets } from "./gen-assets.ts";

const root = join(import.meta.dirname, "..");
const outfile = process.env.SWARM_BUILD_OUT ?? join(root, "dist", "swarm-mcp");
// A Bun target such as bun-linux-arm64 cross-compiles (scripts/package.ts --build); default: this machine.
const target = process.env.SWARM_BUILD_TARGET;
// The binary builds the agent image from the agent-image/ compiled into it: never a stale copy.
writeAssets();
mkdirSync(join(root, "dist"), { recursive: true });
const started = performance.now();
const result = await Bun.build({
  entrypoints: [join(root, "src", "main.ts")],
  compile: {
    outfile,
    autoloadDotenv: false,
    autoloadBunfig: false,
    ...(target ? { target } : {}),
  } as never,
  minify: true,
  bytecode: true,
  format: "esm",
  target: "bun",
  plugins: [{
    name: "stub-ssh2",
    setup(b) {
      b.onResolve({ filter: /^ssh2$/ }, () => ({ path: "ssh2", namespace: "stub" }));
      b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({
        loader: "js",
        contents:
          "module.exports={Client:class{constructor(){throw new Error('the ssh:// Docker transport is not bundled; use unix:// or tcp:// in DOCKER_HOST')}}}",
      }));
    },
  }],
});
if (!result.success) {
  for (const log of result.logs) process.stderr.write(String(log) + "\n");
  process.exit(1);
}
process.stderr.write(`built ${outfile} in ${Math.round(performance.now() - started)} ms\n`);
