// The agent image: build it from the assets the binary carries, tell whether an existing image
// is current (a label holds the hash of what it was built from), and build it on first use —
// once, however many agents ask for it at the same moment.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { DOCKERFILE, HOOKS } from "./_assets.ts";
import { ToolError } from "./errors.ts";
import { checkImageRef } from "./image-ref.ts";
import { tar, type TarEntry } from "./runtime/tar.ts";
import type { ContainerRuntime, Logger } from "./types.ts";

export const CONTEXT_HASH_LABEL = "swarm-mcp.context-hash";
/** The hash of the Dockerfile and hooks alone: which swarm-mcp built it, whatever the options. */
export const ASSETS_HASH_LABEL = "swarm-mcp.assets-hash";

/** Runtimes that can read image labels (the Docker runtime can) let us detect stale images. */
export type ImageRuntime = Pick<ContainerRuntime, "endpoint" | "imageExists" | "buildImage"> & {
  imageLabels?(tag: string): Promise<Record<string, string> | null>;
};

export interface AgentImageOptions {
  /** FROM image; the Dockerfile's default (debian:bookworm-slim) when unset. */
  baseImage?: string;
  /** A PEM file of extra CA certificates to trust inside the image (a TLS-intercepting proxy's). */
  caCertFile?: string;
}

export function defaultAgentTag(version: string): string {
  return `swarm-mcp-agent:${version}`;
}

/** The build context (files + build args) and its hash; same inputs, same hash. */
export async function agentContext(
  opts: AgentImageOptions,
): Promise<
  { files: TarEntry[]; buildArgs: Record<string, string>; hash: string; assetsHash: string }
> {
  let ca: Uint8Array = new Uint8Array(0);
  if (opts.caCertFile) {
    try {
      ca = await readFile(opts.caCertFile);
    } catch (e) {
      throw new ToolError(
        "INVALID_INPUT",
        `Cannot read the CA certificate file "${opts.caCertFile}": ${
          (e as Error).message
        }; fix the path or unset it`,
      );
    }
  }
  const files: TarEntry[] = [
    { name: "Dockerfile", data: DOCKERFILE },
    { name: "extra-ca.crt", data: ca },
    { name: "hooks/" }, // always present: COPY hooks/ fails on a missing directory
    ...Object.entries(HOOKS).sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, f]) => ({
      name: `hooks/${name}`,
      data: f.text,
      mode: f.mode,
    })),
  ];
  const buildArgs: Record<string, string> = opts.baseImage
    ? { BASE_IMAGE: checkImageRef(opts.baseImage, "base image") }
    : {};
  const h = createHash("sha256");
  const assets = createHash("sha256");
  for (const f of files) {
    const data = typeof f.data === "string" ? Buffer.from(f.data) : (f.data ?? new Uint8Array(0));
    const entry = `${f.name}\0${f.mode ?? 0}\0${data.length}\0`;
    h.update(entry).update(data);
    if (f.name !== "extra-ca.crt") assets.update(entry).update(data);
  }
  h.update(JSON.stringify(buildArgs));
  return { files, buildArgs, hash: h.digest("hex"), assetsHash: assets.digest("hex") };
}

/** Build the agent image; the Dockerfile in the context gets a LABEL carrying the context hash. */
export async function buildAgentImage(
  runtime: Pick<ContainerRuntime, "buildImage">,
  opts: AgentImageOptions & { tag: string; log: Logger },
): Promise<{ hash: string; ms: number }> {
  const t0 = performance.now();
  const { files, buildArgs, hash, assetsHash } = await agentContext(opts);
  const labels = `LABEL ${CONTEXT_HASH_LABEL}="${hash}" ${ASSETS_HASH_LABEL}="${assetsHash}"\n`;
  const labelled = files.map((f) =>
    f.name === "Dockerfile" ? { ...f, data: `${DOCKERFILE.replace(/\n*$/, "\n")}${labels}` } : f
  );
  opts.log.info(
    `building agent image ${opts.tag} from ${
      opts.baseImage ?? "the Dockerfile's default base"
    } (a minute or two, once)`,
  );
  await runtime.buildImage(tar(labelled), opts.tag, buildArgs, (line) => {
    if (/^Step \d+\/\d+/.test(line)) opts.log.info(`build ${opts.tag}: ${line}`);
    else opts.log.debug(`build ${opts.tag}: ${line}`);
  });
  const ms = Math.round(performance.now() - t0);
  opts.log.info(`built agent image ${opts.tag} in ${(ms / 1000).toFixed(1)} s`);
  return { hash, ms };
}

export type ImageState = "current" | "stale" | "missing" | "unlabelled";

/** How an existing image compares with what these options would build. "exact": unset options
 * mean the defaults (build-image). "unset-is-any": unset options accept whatever base and CA file
 * the image was built with, so `build-image --base X` is not called stale by a server that was
 * never told about X; only another Dockerfile or hooks (another swarm-mcp) is. */
export async function agentImageState(
  runtime: ImageRuntime,
  tag: string,
  opts: AgentImageOptions = {},
  match: "exact" | "unset-is-any" = "exact",
): Promise<ImageState> {
  if (!runtime.imageLabels) return (await runtime.imageExists(tag)) ? "unlabelled" : "missing";
  const labels = await runtime.imageLabels(tag);
  if (labels === null) return "missing";
  const have = labels[CONTEXT_HASH_LABEL];
  if (!have) return "unlabelled";
  const want = await agentContext(opts);
  if (labels[ASSETS_HASH_LABEL] !== want.assetsHash) return "stale"; // (or built before this label existed)
  const anyOptions = match === "unset-is-any" && opts.baseImage === undefined &&
    opts.caCertFile === undefined;
  return anyOptions || have === want.hash ? "current" : "stale";
}

/** True when `tag` exists and was built from exactly these assets and options (CI reuses it). */
export async function imageUpToDate(
  runtime: ImageRuntime,
  tag: string,
  opts: AgentImageOptions = {},
  match: "exact" | "unset-is-any" = "exact",
): Promise<boolean> {
  return (await agentImageState(runtime, tag, opts, match)) === "current";
}

export interface ImageEnsurer {
  /** Resolve when `tag` can be run; builds the default agent tag when it is missing or stale. */
  ensure(tag: string, log?: Logger): Promise<void>;
}

export function createImageEnsurer(
  getRuntime: () => Promise<ImageRuntime>,
  defaults: AgentImageOptions & { tag: string; log: Logger },
): ImageEnsurer {
  let ready = false;
  let pending: Promise<void> | undefined;
  const present = new Set<string>();

  const ensureDefault = async (log: Logger): Promise<void> => {
    const rt = await getRuntime();
    const state = await agentImageState(rt, defaults.tag, defaults, "unset-is-any");
    // An image someone built or pulled by hand under this tag (no label) is theirs to keep.
    if (state === "current" || state === "unlabelled") return;
    // Stale: another Dockerfile, or options other than SWARM_BASE_IMAGE/SWARM_CA_CERT ask for.
    // Rebuilding could fail where no registry is reachable, so it is kept and we say how to refresh.
    if (state === "stale") {
      return void log.warn(
        `agent image ${defaults.tag} was built from another Dockerfile, or with another base or CA file than SWARM_BASE_IMAGE/SWARM_CA_CERT give; run swarm-mcp build-image (with --base/--ca-cert as needed) to refresh it`,
      );
    }
    await buildAgentImage(rt, { ...defaults, log });
  };

  return {
    async ensure(tag, log = defaults.log) {
      if (tag === defaults.tag) {
        if (ready) return;
        // One shared build for every caller that arrives meanwhile.
        pending ??= ensureDefault(log).then(
          () => void (ready = true),
          (e) => {
            pending = undefined; // a failure is not cached: the next call tries again
            throw e;
          },
        );
        return pending;
      }
      if (present.has(tag)) return;
      const rt = await getRuntime();
      if (!(await rt.imageExists(tag))) {
        throw new ToolError(
          "IMAGE_UNAVAILABLE",
          `Cannot use image "${tag}": it is not on the Docker engine at ${rt.endpoint}; build it (docker build -t ${tag} <dir>) or pull it (docker pull ${tag}), or leave the image unset to use the agent image ${defaults.tag}`,
          { image: tag },
        );
      }
      present.add(tag);
    },
  };
}
