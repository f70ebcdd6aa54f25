// The agent image: context hashing and the build-once ensurer (fake runtime), then the real image
// built from swarm-base:bookworm with the host CA bundle (how containers here reach npm). An
// image whose hash label matches is reused, so only the first run pays for the build.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import {
  type AgentImageOptions,
  agentRecipe,
  claudeImage,
  defaultAgentTag,
} from "../../src/plugins/claude-code/image.ts";
import {
  ASSETS_HASH_LABEL,
  buildFromRecipe,
  CONTEXT_HASH_LABEL,
  type ImageEngine,
  imageEnsurer,
  imageState,
  recipeContext,
} from "../../src/plugins/docker/image.ts";
import { createDockerRuntime } from "../../src/plugins/docker/docker.ts";
import { isCode } from "../helpers/tool-error.ts";
import { runtimeError } from "../../src/core/runtime-error.ts";
import { DOCKERFILE } from "../../src/plugins/claude-code/_assets.ts";
import type { Logger } from "../../src/core/types.ts";

type Match = "exact" | "unset-is-any";
/** The claude driver's build context for these options, as the docker runtime hashes it. */
const agentContext = async (o: AgentImageOptions, m?: Match) =>
  recipeContext(await agentRecipe(o, m));
const agentImageState = async (
  rt: Pick<ImageEngine, "imageLabels">,
  tag: string,
  o: AgentImageOptions = {},
  m?: Match,
) => imageState(rt, tag, await agentRecipe(o, m));
const imageUpToDate = async (rt: Pick<ImageEngine, "imageLabels">, tag: string, o = {}) =>
  (await agentImageState(rt, tag, o)) === "current";
/** The ensurer as the server uses it for the claude driver's default tag. */
const createImageEnsurer = (
  getRuntime: () => Promise<ImageEngine>,
  d: AgentImageOptions & { tag: string; log: Logger },
) => {
  let ensurer: Promise<ReturnType<typeof imageEnsurer>> | undefined;
  return {
    ensure: async (tag: string) =>
      (await (ensurer ??= getRuntime().then(imageEnsurer)))(
        tag,
        tag === d.tag ? () => agentRecipe(d, "unset-is-any") : undefined,
        d.log,
      ),
  };
};

const BASE = "swarm-base:bookworm";
const CA = "/etc/ssl/certs/ca-certificates.crt";
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const chatty: Logger = { ...quiet, info: (m) => process.stderr.write(`${m}\n`) };

/** A runtime that records builds and holds images in a map; `gate` lets a test hold a build open. */
function fakeRuntime() {
  const images = new Map<string, Record<string, string>>();
  const builds: string[] = [];
  let failNext = false;
  let gate = Promise.resolve();
  const rt = {
    endpoint: "unix:///fake.sock",
    async ping() {},
    async run(): Promise<never> {
      throw new Error("not used");
    },
    async imageExists(tag: string) {
      return images.has(tag);
    },
    async imageLabels(tag: string) {
      return images.get(tag) ?? null;
    },
    async buildImage(context: Uint8Array, tag: string) {
      builds.push(tag);
      await gate;
      if (failNext) {
        failNext = false;
        throw new Error("build failed");
      }
      const text = Buffer.from(context).toString("latin1");
      const label = (name: string) =>
        new RegExp(`${name.replace(".", "\\.")}="([0-9a-f]{64})"`).exec(text)?.[1] ?? "";
      images.set(tag, {
        [CONTEXT_HASH_LABEL]: label(CONTEXT_HASH_LABEL),
        [ASSETS_HASH_LABEL]: label(ASSETS_HASH_LABEL),
      });
    },
    async removeByLabels() {
      return 0;
    },
    async listOwned() {
      return [];
    },
    async remove() {},
    async networkLabels() {
      return null;
    },
    async createNetwork() {},
  };
  return {
    rt,
    images,
    builds,
    failNextBuild: () => (failNext = true),
    hold: (p: Promise<void>) => (gate = p),
  };
}

describe("agent image context", () => {
  it("hashes the context and options deterministically", async () => {
    const a = await agentContext({});
    assert.equal((await agentContext({})).hash, a.hash);
    assert.notEqual((await agentContext({ baseImage: BASE })).hash, a.hash);
    assert.notEqual((await agentContext({ caCertFile: CA })).hash, a.hash);
    assert.deepEqual(a.files.map((f) => f.name).slice(0, 3), [
      "Dockerfile",
      "extra-ca.crt",
      "hooks/",
    ]);
    assert.deepEqual((await agentContext({ baseImage: BASE })).buildArgs, { BASE_IMAGE: BASE });
    assert.equal(
      (await agentContext({ baseImage: BASE, caCertFile: CA })).assetsHash,
      a.assetsHash,
      "options do not change the assets hash",
    );
    const noCa = claudeImage(
      { env: { SWARM_CA_CERT: "/no/such/ca.pem" }, version: "0.0.0" },
      (m) => runtimeError("invalid", m),
    );
    await assert.rejects(noCa.recipe!(), isCode("INVALID_INPUT"));
  });

  it("carries a Dockerfile with the pinned CLI, a non-root user and the claude entrypoint", () => {
    assert.match(DOCKERFILE, /^ARG BASE_IMAGE=debian:bookworm-slim$/m);
    assert.match(DOCKERFILE, /^ARG CLAUDE_CODE_VERSION=2\.1\.330$/m);
    assert.match(DOCKERFILE, /^USER agent$/m);
    assert.match(DOCKERFILE, /^ENTRYPOINT \["claude"\]$/m);
  });
});

describe("image ensurer", () => {
  const TAG = "swarm-mcp-agent:0.0.0-test";

  it("builds the default tag once for concurrent callers, and retries after a failure", async () => {
    const f = fakeRuntime();
    let release!: () => void;
    f.hold(new Promise<void>((r) => (release = r)));
    const ens = createImageEnsurer(async () => f.rt, { tag: TAG, log: quiet });
    f.failNextBuild();
    const first = Array.from({ length: 8 }, () => ens.ensure(TAG));
    await new Promise((r) => setTimeout(r, 20));
    release();
    const settled = await Promise.allSettled(first);
    assert.equal(f.builds.length, 1, "one build for eight callers");
    assert.ok(settled.every((s) => s.status === "rejected"));
    await Promise.all(Array.from({ length: 8 }, () => ens.ensure(TAG)));
    assert.equal(f.builds.length, 2, "the failure was not cached; one more build");
    assert.equal(await imageUpToDate(f.rt, TAG), true);
    await ens.ensure(TAG);
    assert.equal(f.builds.length, 2);
  });

  it("reuses a current image and keeps a stale or unlabelled one (build-image refreshes it)", async () => {
    const f = fakeRuntime();
    const plain = await agentContext({});
    f.images.set(TAG, { [CONTEXT_HASH_LABEL]: plain.hash, [ASSETS_HASH_LABEL]: plain.assetsHash });
    await createImageEnsurer(async () => f.rt, { tag: TAG, log: quiet }).ensure(TAG);
    assert.equal(f.builds.length, 0);
    f.images.set(TAG, { [CONTEXT_HASH_LABEL]: "0".repeat(64) });
    assert.equal(await agentImageState(f.rt, TAG), "stale");
    // Built with options the server cannot know (another base, a CA file): rebuilding with the
    // defaults could need a registry, so it is kept and a warning says how to refresh it.
    const warned: string[] = [];
    await createImageEnsurer(async () => f.rt, {
      tag: TAG,
      log: { ...quiet, warn: (m: string) => void warned.push(m) },
    }).ensure(TAG);
    assert.equal(f.builds.length, 0);
    assert.match(warned.join(), /build-image/);
    f.images.set(TAG, {});
    await createImageEnsurer(async () => f.rt, { tag: TAG, log: quiet }).ensure(TAG);
    assert.equal(f.builds.length, 0);
    // Built with --base/--ca-cert by this same swarm-mcp: current for a server not told otherwise,
    // stale for one whose SWARM_BASE_IMAGE says something else, and for build-image's exact check.
    const custom = await agentContext({ baseImage: BASE, caCertFile: CA });
    f.images.set(TAG, {
      [CONTEXT_HASH_LABEL]: custom.hash,
      [ASSETS_HASH_LABEL]: custom.assetsHash,
    });
    const seen: string[] = [];
    await createImageEnsurer(async () => f.rt, {
      tag: TAG,
      log: { ...quiet, warn: (m: string) => void seen.push(m) },
    }).ensure(TAG);
    assert.deepEqual(seen, []);
    assert.equal(await agentImageState(f.rt, TAG, {}, "unset-is-any"), "current");
    assert.equal(
      await agentImageState(f.rt, TAG, { baseImage: "other:1" }, "unset-is-any"),
      "stale",
    );
    assert.equal(await agentImageState(f.rt, TAG, {}), "stale");
    assert.equal(await agentImageState(f.rt, TAG, { baseImage: BASE, caCertFile: CA }), "current");
    f.images.set(TAG, { [CONTEXT_HASH_LABEL]: custom.hash, [ASSETS_HASH_LABEL]: "0".repeat(64) });
    assert.equal(
      await agentImageState(f.rt, TAG, {}, "unset-is-any"),
      "stale",
      "another Dockerfile is stale whatever the options",
    );
    assert.equal(f.builds.length, 0);
    f.images.delete(TAG);
    await createImageEnsurer(async () => f.rt, { tag: TAG, log: quiet }).ensure(TAG);
    assert.equal(f.builds.length, 1, "a missing image is built");
  });

  it("refuses a missing non-default image with what to do", async () => {
    const f = fakeRuntime();
    const ens = createImageEnsurer(async () => f.rt, { tag: TAG, log: quiet });
    await assert.rejects(
      ens.ensure("my/own:image"),
      (e) =>
        isCode("IMAGE_UNAVAILABLE")(e) && /docker pull my\/own:image/.test((e as Error).message),
    );
    f.images.set("my/own:image", {});
    await ens.ensure("my/own:image");
    assert.equal(f.builds.length, 0);
  });
});

const rt = createDockerRuntime({ host: process.env.DOCKER_HOST, log: quiet });
const reason = await rt.ping().then(() => "", (e) => (e as Error).message);
const skip = reason ? `no Docker engine reachable (${reason})` : false;
if (skip) process.stderr.write(`SKIP docker part of test/docker/image.test.ts: ${skip}\n`);

describe("the real agent image", { skip }, () => {
  // The tag the server would use, built the way CI here builds it, so later suites reuse it.
  const tag = defaultAgentTag(pkg.version);
  const options = { baseImage: BASE, caCertFile: CA };
  const LABELS = { "swarm-mcp.test": `img-${process.pid}` };

  const run = async (entrypoint: string[] | undefined, cmd: string[], image = tag) => {
    const dir = await mkdtemp(join(tmpdir(), "swarm-img-"));
    try {
      const r = await rt.run({
        image,
        entrypoint,
        cmd,
        env: {},
        binds: [],
        network: "none",
        labels: LABELS,
        timeoutMs: 60_000,
        stdoutFile: join(dir, "out"),
        stderrFile: join(dir, "err"),
      }, new AbortController().signal);
      return {
        code: r.exitCode,
        out: await readFile(join(dir, "out"), "utf8"),
        err: await readFile(join(dir, "err"), "utf8"),
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  it(
    "builds (or reuses) the image from swarm-base with the host CA bundle",
    { timeout: 900_000 },
    async () => {
      assert.ok(
        await rt.imageExists(BASE),
        `${BASE} is missing: build it with scripts/make-base-image.sh`,
      );
      if (await imageUpToDate(rt, tag, options)) {
        process.stderr.write(`agent image ${tag} is current: reused\n`);
      } else {
        const { ms } = await buildFromRecipe(rt, tag, await agentRecipe(options), chatty);
        process.stderr.write(`agent image build: ${(ms / 1000).toFixed(1)} s\n`);
      }
      assert.equal(await imageUpToDate(rt, tag, options), true);
    },
  );

  it("runs claude --version as the non-root default user", async () => {
    const v = await run(undefined, ["--version"]);
    assert.equal(v.code, 0, v.err);
    assert.match(v.out, /2\.1\.330/);
    const who = await run(["sh", "-c"], [
      'id -u; id -un; echo "$HOME"; pwd; stat -c %a /workspace; echo "$NODE_EXTRA_CA_CERTS"; test -x /opt/swarm/hooks/log-artifacts.sh && echo hook-ok',
    ]);
    assert.equal(who.code, 0, who.err);
    const [uid, name, home, pwd, mode, ca] = who.out.split("\n");
    assert.equal(uid, "1000");
    assert.equal(name, "agent");
    assert.equal(home, "/home/agent");
    assert.equal(pwd, "/workspace");
    assert.equal(mode, "1777");
    assert.equal(ca, CA);
    assert.match(who.out, /hook-ok/);
  });

  it("ensure() builds a missing default tag exactly once for concurrent callers", {
    timeout: 900_000,
  }, async () => {
    const other = `swarm-mcp-agent:ensure-test-${process.pid}`;
    const builds: string[] = [];
    const counting: ImageEngine = {
      ...rt,
      buildImage: (c, t, a, l) => (builds.push(t), rt.buildImage(c, t, a, l)),
    };
    try {
      const ens = createImageEnsurer(async () => counting, { tag: other, ...options, log: quiet });
      await Promise.all(Array.from({ length: 5 }, () => ens.ensure(other)));
      assert.deepEqual(builds, [other]);
      assert.equal(await imageUpToDate(rt, other, options), true);
      await ens.ensure(other);
      assert.equal(builds.length, 1);
    } finally {
      await rt.removeImage(other);
    }
    assert.equal(await rt.removeByLabels(LABELS), 0, "a test container was left behind");
  });
});
