// When the docker runtime takes its engine for remote (no shared filesystem), where it reads the
// TLS certificates, and what it says when they are missing or a mount is outside the shared paths.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkRemoteMounts, engineTls, remoteMode } from "../../src/plugins/docker/remote.ts";
import { dockerEndpoint } from "../../src/plugins/docker/context.ts";
import { dockerTranslation } from "../../src/plugins/docker/containers.ts";
import { contextDir } from "../helpers/remote-engine.ts";

describe("remote engine configuration", () => {
  it("is remote for tcp:// or SWARM_REMOTE_ENGINE=1, local for a socket or SWARM_REMOTE_ENGINE=0", () => {
    assert.equal(remoteMode({}), undefined);
    assert.equal(remoteMode({ DOCKER_HOST: "unix:///var/run/docker.sock" }), undefined);
    assert.deepEqual(remoteMode({ DOCKER_HOST: "tcp://10.0.0.5:2376" }), {
      endpoint: "tcp://10.0.0.5:2376",
      shared: [],
    });
    assert.equal(
      remoteMode({ DOCKER_HOST: "tcp://10.0.0.5:2376", SWARM_REMOTE_ENGINE: "0" }),
      undefined,
    );
    assert.deepEqual(
      remoteMode({ SWARM_REMOTE_ENGINE: "1", SWARM_SHARED_PATHS: "/srv/nfs:rel:/data" }),
      {
        endpoint: "unix:///var/run/docker.sock",
        shared: ["/srv/nfs", "/data"],
      },
    );
  });

  it("reads ca.pem, cert.pem and key.pem from DOCKER_CERT_PATH when DOCKER_TLS_VERIFY is set", async () => {
    const dir = await mkdtemp(join(tmpdir(), "swarm-certs-"));
    assert.equal(engineTls({ DOCKER_CERT_PATH: dir }), undefined);
    assert.throws(
      () =>
        engineTls({ DOCKER_HOST: "tcp://h:2376", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: dir }),
      /Cannot reach the Docker engine at tcp:\/\/h:2376: DOCKER_TLS_VERIFY is set but the certificates in ".*" cannot be read .*; put ca.pem, cert.pem and key.pem there or set DOCKER_CERT_PATH/,
    );
    for (const f of ["ca.pem", "cert.pem", "key.pem"]) await writeFile(join(dir, f), f);
    const tls = engineTls({ DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: dir })!;
    assert.deepEqual([tls.ca, tls.cert, tls.key].map(String), ["ca.pem", "cert.pem", "key.pem"]);
  });

  it("refuses a mount outside the shared paths, with the variable that would allow it", () => {
    const remote = { endpoint: "tcp://h:2376", shared: ["/srv/nfs"] };
    checkRemoteMounts([{ host: "/srv/nfs" }, { host: "/srv/nfs/project" }], remote);
    assert.throws(
      () => checkRemoteMounts([{ host: "/srv/nfs-other" }], remote),
      /Cannot mount "\/srv\/nfs-other": the Docker engine at tcp:\/\/h:2376 is remote and does not see this machine's files; .* SWARM_SHARED_PATHS=\/srv\/nfs-other/,
    );
  });

  it("a loopback URL: this machine's address as the operator declared it, else a sentence saying what to set", async () => {
    const env = { DOCKER_HOST: "tcp://10.0.0.5:2376" };
    const engine = { networkLabels: async () => null, createNetwork: async () => {} };
    const policy = { env, dataDir: "/nonexistent", allowMounts: [] };
    const undeclared = dockerTranslation(engine, { ...policy, remote: remoteMode(env) });
    await assert.rejects(
      undeclared.hostAddress(true),
      /the Docker engine at tcp:\/\/10\.0\.0\.5:2376 is remote, so this machine's loopback is out of its containers' reach; set SWARM_REMOTE_HOST_ADDRESS/,
    );
    const declared = { ...env, SWARM_REMOTE_HOST_ADDRESS: "10.0.0.9" };
    const t = dockerTranslation(engine, { ...policy, env: declared, remote: remoteMode(declared) });
    assert.equal(await t.hostAddress(true), "10.0.0.9");
    assert.equal(await t.hostAddress(false), null); // no network: no way anywhere
  });

  it("follows the current Docker context when DOCKER_HOST is unset", async () => {
    const certs = await mkdtemp(join(tmpdir(), "swarm-certs-"));
    for (const f of ["ca.pem", "cert.pem", "key.pem"]) await writeFile(join(certs, f), `${f}!`);
    const dir = await contextDir("build-box", "tcp://10.1.2.3:2376", certs);
    const ep = dockerEndpoint({ DOCKER_CONFIG: dir });
    assert.equal(ep.host, "tcp://10.1.2.3:2376");
    assert.equal(String(ep.tls?.key), "key.pem!");
    assert.deepEqual(dockerEndpoint({ DOCKER_CONFIG: dir, DOCKER_HOST: "unix:///x.sock" }), {
      host: "unix:///x.sock",
      tls: undefined,
    });
    assert.deepEqual(dockerEndpoint({ DOCKER_CONFIG: dir, DOCKER_CONTEXT: "default" }), {});
    assert.deepEqual(dockerEndpoint({ HOME: "/nonexistent" }), {});
    assert.throws(
      () => dockerEndpoint({ DOCKER_CONFIG: dir, DOCKER_CONTEXT: "nope" }),
      /Cannot use the Docker context "nope": its endpoint cannot be read from .*meta.json; check it with docker context inspect nope, or set DOCKER_HOST/,
    );
  });
});
