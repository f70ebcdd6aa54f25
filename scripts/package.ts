// npm packages from the compiled binaries, into dist/npm/: one @swarm-mcp/<os>-<cpu> package per
// platform (the binary, with os/cpu/libc so npm installs only the matching one) and the main
// `swarm-mcp` package (a small node launcher, npm/swarm-mcp/bin/swarm-mcp.js, with every platform
// package as an optional dependency). `--build` cross-compiles the binaries first (Bun fetches
// each target's runtime through the npm registry); the release workflow publishes the result.
// `--repository https://github.com/OWNER/NAME` goes into every package.json: `npm publish
// --provenance` refuses a package whose repository.url does not name the repository it was built in.
//   usage: bun scripts/package.ts [--build] [--bin-dir DIR] [--out DIR] [--version X.Y.Z] [--only linux-x64,…]
//          [--repository URL]
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";

const root = join(import.meta.dirname, "..");
export const TARGETS = [
  { key: "linux-x64", os: "linux", cpu: "x64", bun: "bun-linux-x64" },
  { key: "linux-arm64", os: "linux", cpu: "arm64", bun: "bun-linux-arm64" },
  { key: "darwin-x64", os: "darwin", cpu: "x64", bun: "bun-darwin-x64" },
  { key: "darwin-arm64", os: "darwin", cpu: "arm64", bun: "bun-darwin-arm64" },
];

const args = process.argv.slice(2);
const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const die = (msg: string) => {
  process.stderr.write(`package: ${msg}\n`);
  process.exit(1);
};
const repo = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const version = opt("--version") ?? repo.version;
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
  die(`Cannot use version "${version}": give X.Y.Z or X.Y.Z-pre`);
}
const repository = opt("--repository");
if (
  args.includes("--repository") && !/^https:\/\/[\w.-]+\/[\w.-]+\/[\w.-]+$/.test(repository ?? "")
) {
  die(`Cannot use repository "${repository}": give its URL, like https://github.com/OWNER/NAME`);
}
const binDir = resolve(opt("--bin-dir") ?? join(root, "dist", "bin"));
const out = resolve(opt("--out") ?? join(root, "dist", "npm"));
const only = opt("--only")?.split(",");
const unknown = only?.filter((k) => !TARGETS.some((t) => t.key === k));
if (unknown?.length) {
  die(
    `Cannot package "${unknown.join(",")}": the targets are ${
      TARGETS.map((t) => t.key).join(", ")
    }`,
  );
}
const targets = TARGETS.filter((t) => !only || only.includes(t.key));

const common = {
  version,
  license: repo.license,
  homepage: repo.homepage,
  repository: repository ? { type: "git", url: `git+${repository}.git` } : repo.repository,
};
const writeJson = (path: string, value: object) =>
  writeFileSync(path, JSON.stringify(value, null, 2) + "\n");

rmSync(out, { recursive: true, force: true });
for (const t of targets) {
  const bin = join(binDir, `swarm-mcp-${t.key}`);
  if (args.includes("--build")) {
    const r = spawnSync(process.execPath, [join(root, "scripts", "build.ts")], {
      stdio: ["ignore", 2, 2],
      env: { ...process.env, SWARM_BUILD_TARGET: t.bun, SWARM_BUILD_OUT: bin },
    });
    if (r.status !== 0) die(`Cannot cross-compile ${t.key} (${t.bun}): see above`);
  }
  if (!existsSync(bin)) {
    die(`Cannot package ${t.key}: ${bin} is missing; build it (--build) or pass --only`);
  }
  const dir = join(out, t.key);
  mkdirSync(join(dir, "bin"), { recursive: true });
  copyFileSync(bin, join(dir, "bin", "swarm-mcp"));
  chmodSync(join(dir, "bin", "swarm-mcp"), 0o755);
  writeJson(join(dir, "package.json"), {
    name: `@swarm-mcp/${t.key}`,
    ...common,
    description: `The swarm-mcp binary for ${t.key} (installed by the swarm-mcp package)`,
    os: [t.os],
    cpu: [t.cpu],
    ...(t.os === "linux" ? { libc: ["glibc"] } : {}),
    files: ["bin/swarm-mcp"],
    preferUnplugged: true,
  });
  writeFileSync(
    join(dir, "README.md"),
    `The ${t.key} binary of [swarm-mcp](https://www.npmjs.com/package/swarm-mcp). Install \`swarm-mcp\`, not this.\n`,
  );
}

const main = join(out, "swarm-mcp");
mkdirSync(join(main, "bin"), { recursive: true });
copyFileSync(
  join(root, "npm", "swarm-mcp", "bin", "swarm-mcp.js"),
  join(main, "bin", "swarm-mcp.js"),
);
chmodSync(join(main, "bin", "swarm-mcp.js"), 0o755);
copyFileSync(join(root, "README.md"), join(main, "README.md"));
writeJson(join(main, "package.json"), {
  name: "swarm-mcp",
  ...common,
  description: repo.description,
  bin: { "swarm-mcp": "bin/swarm-mcp.js" },
  files: ["bin/swarm-mcp.js"],
  engines: { node: ">=18" },
  optionalDependencies: Object.fromEntries(TARGETS.map((t) => [`@swarm-mcp/${t.key}`, version])),
});
process.stderr.write(
  `packaged swarm-mcp ${version} and ${targets.map((t) => t.key).join(", ")} into ${out}\n`,
);
