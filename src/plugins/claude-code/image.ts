// The claude driver's image: the Dockerfile and hooks the binary carries (_assets.ts, generated
// from agent-image/), its default tag and the operator's choices (SWARM_IMAGE, SWARM_BASE_IMAGE,
// SWARM_CA_CERT). The runtime builds it on first use; `swarm-mcp build-image` ahead of time.
import { readFile } from "node:fs/promises";
import type { Config, DriverImage, ImageRecipe } from "../../core/types.ts";
import { DOCKERFILE, HOOKS } from "./_assets.ts";

export interface AgentImageOptions {
  /** FROM image; the Dockerfile's default (debian:bookworm-slim) when unset. */
  baseImage?: string;
  /** A PEM file of extra CA certificates to trust inside the image (a TLS-intercepting proxy's). */
  caCertFile?: string;
}

export function defaultAgentTag(version: string): string {
  return `swarm-mcp-agent:${version}`;
}

/** The recipe for these options. "exact" compares the options too (build-image); "unset-is-any":
 * unset options accept whatever base and CA file the image was built with, so `build-image --base
 * X` is not called stale by a server that was never told about X. */
export async function agentRecipe(
  opts: AgentImageOptions,
  match: "exact" | "unset-is-any" = "exact",
  refuse: (message: string) => Error = (m) => new Error(m),
): Promise<ImageRecipe> {
  let ca: Uint8Array = new Uint8Array(0);
  if (opts.caCertFile) {
    ca = await readFile(opts.caCertFile).catch((e) => {
      throw refuse(
        `Cannot read the CA certificate file "${opts.caCertFile}": ${
          (e as Error).message
        }; fix the path or unset it`,
      );
    });
  }
  const hooks = Object.entries(HOOKS).sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    files: {
      Dockerfile: DOCKERFILE,
      "extra-ca.crt": ca,
      "hooks/": "", // always present: COPY hooks/ fails on a missing directory
      ...Object.fromEntries(hooks.map(([n, f]) => [`hooks/${n}`, { data: f.text, mode: f.mode }])),
    },
    ...(opts.baseImage ? { base: opts.baseImage } : {}),
    local_files: ["extra-ca.crt"],
    match: match === "unset-is-any" && !opts.baseImage && !opts.caCertFile
      ? "any-options"
      : "exact",
  };
}

/** SWARM_IMAGE names the operator's own image (it must exist); otherwise the versioned tag, built
 * from the carried assets with SWARM_BASE_IMAGE and SWARM_CA_CERT when missing. */
export function claudeImage(
  { env, version }: Pick<Config, "env" | "version">,
  refuse?: (message: string) => Error,
): DriverImage {
  const tag = defaultAgentTag(version);
  if (env.SWARM_IMAGE && env.SWARM_IMAGE !== tag) return { tag: env.SWARM_IMAGE };
  const opts = { baseImage: env.SWARM_BASE_IMAGE, caCertFile: env.SWARM_CA_CERT };
  return { tag, recipe: () => agentRecipe(opts, "unset-is-any", refuse) };
}
