// How to get a Docker engine on this machine: the one text `swarm-mcp doctor`, `npm run demo` and
// `npm test` print when no engine answers. The system is told from /etc/os-release, but only fixed
// commands chosen by the detected family are printed; nothing read from the file is echoed back.
import { existsSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";

export type System = "debian" | "fedora" | "rhel" | "macos" | "linux" | "other";

const FAMILIES: [System, string[]][] = [
  ["debian", ["debian", "ubuntu"]],
  ["fedora", ["fedora"]],
  ["rhel", ["rhel", "centos", "rocky", "almalinux", "ol"]],
];
const TOKEN = /^[a-z0-9._-]{1,64}$/;
/** Larger than any real os-release; a file past it is not one. */
const MAX_OS_RELEASE = 64 * 1024;

/** The family of a system from process.platform and the text of its os-release (ID first, then ID_LIKE). */
export function detectSystem(platform: string, osRelease: string): System {
  if (platform === "darwin") return "macos";
  if (platform !== "linux") return "other";
  const fields = new Map<string, string[]>();
  for (const line of osRelease.slice(0, MAX_OS_RELEASE).split("\n")) {
    const m = /^(ID|ID_LIKE)=("([^"]*)"|'([^']*)'|(\S*))\s*$/.exec(line.trim());
    if (m && !fields.has(m[1]!)) {
      fields.set(
        m[1]!,
        (m[3] ?? m[4] ?? m[5] ?? "").split(/\s+/).filter((t) => TOKEN.test(t)),
      );
    }
  }
  for (const key of ["ID", "ID_LIKE"]) {
    for (const [family, ids] of FAMILIES) {
      if (fields.get(key)?.some((t) => ids.includes(t))) return family;
    }
  }
  return "linux";
}

/** Where a program is, on PATH or in the sbin directories a user's PATH often lacks (dockerd lives there). */
export function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/local/sbin", "/usr/sbin", "/sbin"];
  return dirs.filter((d) => d.startsWith("/")).map((d) => join(d, name)).find((p) => existsSync(p));
}

/** os-release as systemd defines it (etc first, then usr/lib), read with a bound; "" when absent. */
export async function readOsRelease(
  paths = ["/etc/os-release", "/usr/lib/os-release"],
): Promise<string> {
  for (const path of paths) {
    const f = await open(path, "r").catch(() => null);
    if (!f) continue;
    try {
      const buf = Buffer.alloc(MAX_OS_RELEASE);
      const { bytesRead } = await f.read(buf, 0, MAX_OS_RELEASE, 0);
      return buf.subarray(0, bytesRead).toString("utf8");
    } catch {
      return ""; // a directory or an unreadable device is no os-release
    } finally {
      await f.close();
    }
  }
  return "";
}

const START = [
  "sudo systemctl enable --now docker       # without systemd: sudo sh -c 'dockerd >/var/log/dockerd.log 2>&1 &'",
];
const GROUP = [
  'sudo usermod -aG docker "$USER"            # then log in again, to use Docker without sudo',
];
const ROOTLESS = [
  "Or rootless Docker (no daemon running as root):",
  "  curl -fsSL https://get.docker.com/rootless | sh",
  "  export DOCKER_HOST=unix://$XDG_RUNTIME_DIR/docker.sock",
];
const INSTALL: Record<System, { name: string; lines: string[] }> = {
  debian: {
    name: "Debian/Ubuntu",
    lines: ["sudo apt-get update && sudo apt-get install -y docker.io", ...START, ...GROUP],
  },
  fedora: { name: "Fedora", lines: ["sudo dnf install -y moby-engine", ...START, ...GROUP] },
  rhel: {
    name: "RHEL/CentOS/Rocky/Alma",
    lines: [
      "sudo dnf config-manager --add-repo https://download.docker.com/linux/rhel/docker-ce.repo",
      "sudo dnf install -y docker-ce docker-ce-cli containerd.io",
      ...START,
      ...GROUP,
    ],
  },
  macos: {
    name: "macOS",
    lines: [
      "Docker Desktop: install it from https://docs.docker.com/desktop/setup/install/mac-install/ and start it once",
      "or colima:      brew install colima docker && colima start",
      "                export DOCKER_HOST=unix://$HOME/.colima/default/docker.sock",
    ],
  },
  linux: {
    name: "Linux",
    lines: ["install Docker Engine: https://docs.docker.com/engine/install/", ...START, ...GROUP],
  },
  other: {
    name: "this system",
    lines: [
      "swarm-mcp needs a Docker engine on Linux or macOS: https://docs.docker.com/engine/install/",
    ],
  },
};

/**
 * What to type, for an engine that is absent or installed but not running. `rerun` names the
 * command to run afterwards ("npm run demo").
 */
export function dockerHelp(system: System, state: "absent" | "stopped", rerun: string): string {
  const { name, lines } = INSTALL[system];
  const steps = state === "stopped" && system !== "macos" && system !== "other"
    ? {
      head: "Docker is installed but its engine does not answer. Start it:",
      body: [...START, ...GROUP],
    }
    : { head: `No Docker engine answers. To install one on ${name}:`, body: lines };
  const rootless = system === "macos" || system === "other" ? [] : ROOTLESS;
  return [steps.head, ...steps.body.map((l) => `  ${l}`), ...rootless, `Then run ${rerun} again.`]
    .join("\n");
}
