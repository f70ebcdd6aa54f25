#!/usr/bin/env node
// `npx swarm-mcp` and an installed `swarm-mcp`: runs the prebuilt binary for this machine, which npm
// installed as one of the optional @swarm-mcp/<os>-<cpu> packages (the esbuild/biome pattern: npm
// skips the packages whose os/cpu/libc do not match). stdio is inherited, so MCP's JSON-RPC goes
// straight to the binary; signals are passed on so that it can stop its containers.
"use strict";
const { spawn } = require("node:child_process");

const PLATFORMS = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64"];

/** The binary's path for a platform and CPU, or an Error saying what to do instead. */
function binaryPath(platform, arch, glibc, resolve) {
  const key = `${platform}-${arch}`;
  const download = "or download a binary from the project's release page";
  if (!PLATFORMS.includes(key)) {
    return new Error(`Cannot start swarm-mcp on ${JSON.stringify(key.slice(0, 40))}: prebuilt binaries exist for ${PLATFORMS.join(", ")}; build one from source with npm run build`);
  }
  // The Linux binaries link against glibc; on musl (Alpine) they cannot even be loaded.
  if (platform === "linux" && !glibc) return new Error(`Cannot start swarm-mcp on ${key} without glibc (musl, e.g. Alpine): use a glibc distribution or a Debian-based container`);
  try {
    return resolve(`@swarm-mcp/${key}/bin/swarm-mcp`);
  } catch {
    return new Error(`Cannot start swarm-mcp: its binary package @swarm-mcp/${key} is not installed; install again without --omit=optional / --no-optional, ${download}`);
  }
}

function main() {
  const glibc = Boolean(process.report?.getReport?.().header?.glibcVersionRuntime);
  const bin = binaryPath(process.platform, process.arch, process.platform !== "linux" || glibc, require.resolve);
  if (bin instanceof Error) {
    process.stderr.write(`swarm-mcp: ${bin.message}\n`);
    process.exit(1);
  }
  const child = spawn(bin, process.argv.slice(2), { stdio: "inherit" });
  const forward = (signal) => child.kill(signal);
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(s, forward);
  child.on("error", (e) => {
    process.stderr.write(`swarm-mcp: Cannot run ${bin}: ${e.message}\n`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    if (signal) {
      // Die of the same signal, so that our parent sees what the binary saw.
      for (const s of ["SIGINT", "SIGTERM", "SIGHUP"]) process.removeListener(s, forward);
      process.kill(process.pid, signal);
      setTimeout(() => process.exit(1), 500);
      return;
    }
    process.exit(code ?? 1);
  });
}

module.exports = { binaryPath, PLATFORMS };
if (require.main === module) main();
