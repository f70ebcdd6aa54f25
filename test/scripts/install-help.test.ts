// Which install commands doctor and the set-up print, told from real os-release files of each
// family, and the bounded os-release reader.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { detectSystem, dockerHelp, readOsRelease, type System } from "../../src/install-help.ts";

const SAMPLES: [string, string, System][] = [
  [
    "Debian 12",
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n',
    "debian",
  ],
  [
    "Ubuntu 24.04",
    'NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\nUBUNTU_CODENAME=noble\n',
    "debian",
  ],
  ["Linux Mint 21", 'NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n', "debian"],
  ["Raspberry Pi OS", "ID=raspbian\nID_LIKE=debian\n", "debian"],
  ["Pop!_OS", "NAME=\"Pop!_OS\"\nID=pop\nID_LIKE='ubuntu debian'\n", "debian"],
  [
    "Fedora 40",
    'NAME="Fedora Linux"\nVERSION="40 (Workstation Edition)"\nID=fedora\nVERSION_ID=40\n',
    "fedora",
  ],
  [
    "RHEL 9",
    'NAME="Red Hat Enterprise Linux"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\n',
    "rhel",
  ],
  ["Rocky 9", 'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\n', "rhel"],
  ["AlmaLinux 9", 'ID="almalinux"\nID_LIKE="rhel centos fedora"\n', "rhel"],
  ["CentOS Stream", 'ID="centos"\nID_LIKE="rhel fedora"\n', "rhel"],
  ["Alpine", 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.0\n', "linux"],
  ["Arch", 'NAME="Arch Linux"\nID=arch\n', "linux"],
  ["no os-release", "", "linux"],
  ["CRLF line ends", 'NAME="Ubuntu"\r\nID=ubuntu\r\n', "debian"],
];

describe("detectSystem", () => {
  for (const [name, text, want] of SAMPLES) {
    it(`${name} is ${want}`, () => assert.equal(detectSystem("linux", text), want));
  }
  it("macOS and other platforms are told by the platform, whatever os-release says", () => {
    assert.equal(detectSystem("darwin", "ID=debian\n"), "macos");
    assert.equal(detectSystem("win32", "ID=debian\n"), "other");
    assert.equal(detectSystem("freebsd", ""), "other");
  });
});

describe("dockerHelp", () => {
  it("Debian/Ubuntu: apt-get docker.io, start, docker group, the rootless alternative, then the command again", () => {
    assert.equal(
      dockerHelp("debian", "absent", "npm run demo"),
      [
        "No Docker engine answers. To install one on Debian/Ubuntu:",
        "  sudo apt-get update && sudo apt-get install -y docker.io",
        "  sudo systemctl enable --now docker       # without systemd: sudo sh -c 'dockerd >/var/log/dockerd.log 2>&1 &'",
        '  sudo usermod -aG docker "$USER"            # then log in again, to use Docker without sudo',
        "Or rootless Docker (no daemon running as root):",
        "  curl -fsSL https://get.docker.com/rootless | sh",
        "  export DOCKER_HOST=unix://$XDG_RUNTIME_DIR/docker.sock",
        "Then run npm run demo again.",
      ].join("\n"),
    );
  });
  it("Fedora: moby-engine with dnf", () =>
    assert.match(dockerHelp("fedora", "absent", "x"), /^ {2}sudo dnf install -y moby-engine$/m));
  it("RHEL family: Docker's repository, then docker-ce", () =>
    assert.match(
      dockerHelp("rhel", "absent", "x"),
      /docker-ce\.repo\n {2}sudo dnf install -y docker-ce docker-ce-cli containerd\.io/,
    ));
  it("macOS: Docker Desktop or colima with its socket in DOCKER_HOST, no rootless or systemctl", () => {
    const text = dockerHelp("macos", "absent", "npm test");
    assert.match(text, /Docker Desktop/);
    assert.match(text, /brew install colima docker && colima start/);
    assert.match(text, /export DOCKER_HOST=unix:\/\/\$HOME\/\.colima\/default\/docker\.sock/);
    assert.doesNotMatch(text, /systemctl|rootless|apt-get/);
  });
  it("installed but stopped: how to start it, not how to install it", () => {
    const text = dockerHelp("debian", "stopped", "npm test");
    assert.match(
      text,
      /^Docker is installed but its engine does not answer\. Start it:\n {2}sudo systemctl enable --now docker/,
    );
    assert.doesNotMatch(text, /apt-get/);
  });
});

describe("readOsRelease", () => {
  it("reads the first file that exists, skips missing ones, and returns an empty text for none", async () => {
    const dir = await mkdtemp(join(tmpdir(), "swarm-osrel-"));
    try {
      await writeFile(join(dir, "usr-lib"), "ID=fedora\n");
      assert.equal(
        await readOsRelease([join(dir, "missing"), join(dir, "usr-lib")]),
        "ID=fedora\n",
      );
      assert.equal(await readOsRelease([join(dir, "missing")]), "");
      // /etc/os-release is a symlink on Debian: it is followed (the file is the host's, not an agent's).
      await symlink(join(dir, "usr-lib"), join(dir, "link"));
      assert.equal(await readOsRelease([join(dir, "link")]), "ID=fedora\n");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
