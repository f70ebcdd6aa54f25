// Bun's npm package needs its own postinstall to link the platform binary. When npm ran with
// --ignore-scripts (or an allowScripts gate skipped it), run that step ourselves; it works offline.
import { existsSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";
const exe = "node_modules/bun/bin/bun.exe";
const ok = existsSync(exe) && statSync(exe).size > 1_000_000;
if (!ok && existsSync("node_modules/bun/install.js")) {
  // Like bun's own postinstall ("node install.js"): the script path is relative to that cwd.
  const r = spawnSync(process.execPath, ["install.js"], {
    cwd: "node_modules/bun",
    stdio: ["ignore", 2, 2],
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
