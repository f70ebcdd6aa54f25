// Images from a driver's recipe: build one (tar context, labels with the recipe's hashes), tell
// whether an existing image is current, and ensure a tag on first use — once, however many agents
// ask for it at the same moment.
import { createHash } from "node:crypto";
import type { ImageRecipe, Logger } from "../../core/types.ts";
import { checkImageRef } from "./image-ref.ts";
import { runtimeError } from "./runtime-error.ts";
import { tar, type TarEntry } from "./tar.ts";
import type { DockerEngine } from "./types.ts";

export const CONTEXT_HASH_LABEL = "swarm-mcp.context-hash";
/** The hash of the recipe's own files alone: which recipe built it, whatever the local options. */
export const ASSETS_HASH_LABEL = "swarm-mcp.assets-hash";

export type ImageEngine = Pick<DockerEngine, "imageLabels" | "buildImage" | "endpoint">;
export type ImageState = "current" | "stale" | "missing" | "unlabelled";

/** The build context (tar entries + build args) and its hashes; same recipe, same hashes. */
export function recipeContext(
  r: ImageRecipe,
): { files: TarEntry[]; buildArgs: Record<string, string>; hash: string; assetsHash: string } {
  const files: TarEntry[] = Object.entries(r.files).map(([name, f]) =>
    typeof f === "string" || f instanceof Uint8Array ? { name, data: f } : { name, ...f }
  );
  const buildArgs: Record<string, string> = r.base
    ? { BASE_IMAGE: checkImageRef(r.base, "base image") }
    : {};
  const h = createHash("sha256");
  const assets = createHash("sha256");
  for (const f of files) {
    const data = typeof f.data === "string" ? Buffer.from(f.data) : (f.data ?? new Uint8Array(0));
    const entry = `${f.name}\0${f.mode ?? 0}\0${data.length}\0`;
    h.update(entry).update(data);
    if (!r.local_files?.includes(f.name)) assets.update(entry).update(data);
  }
  h.update(JSON.stringify(buildArgs));
  return { files, buildArgs, hash: h.digest("hex"), assetsHash: assets.digest("hex") };
}

/** Build `tag`; its Dockerfile gets a LABEL carrying the recipe's hashes. */
export async function buildFromRecipe(
  engine: Pick<DockerEngine, "buildImage">,
  tag: string,
  recipe: ImageRecipe,
  log: Logger,
): Promise<{ hash: string; ms: number }> {
  const t0 = performance.now();
  const { files, buildArgs, hash, assetsHash } = recipeContext(recipe);
  const labels = `LABEL ${CONTEXT_HASH_LABEL}="${hash}" ${ASSETS_HASH_LABEL}="${assetsHash}"\n`;
  const labelled = files.map((f) =>
    f.name === "Dockerfile" ? { ...f, data: `${String(f.data).replace(/\n*$/, "\n")}${labels}` } : f
  );
  log.info(`building image ${tag} from ${recipe.base ?? "its Dockerfile's base"} (once)`);
  await engine.buildImage(tar(labelled), tag, buildArgs, (line) => {
    if (/^Step \d+\/\d+/.test(line)) log.info(`build ${tag}: ${line}`);
    else log.debug(`build ${tag}: ${line}`);
  });
  const ms = Math.round(performance.now() - t0);
  log.info(`built image ${tag} in ${(ms / 1000).toFixed(1)} s`);
  return { hash, ms };
}

/** How an existing image compares with what the recipe would build (see ImageRecipe.match). */
export async function imageState(
  engine: Pick<DockerEngine, "imageLabels">,
  tag: string,
  recipe: ImageRecipe,
): Promise<ImageState> {
  const labels = await engine.imageLabels(tag);
  if (labels === null) return "missing";
  const have = labels[CONTEXT_HASH_LABEL];
  if (!have) return "unlabelled";
  const want = recipeContext(recipe);
  if (labels[ASSETS_HASH_LABEL] !== want.assetsHash) return "stale"; // (or built before this label existed)
  return recipe.match === "any-options" || have === want.hash ? "current" : "stale";
}

export type EnsureImage = (
  tag: string,
  recipe: (() => Promise<ImageRecipe>) | undefined,
  log: Logger,
) => Promise<void>;

/** ContainerRuntime.ensureImage over an engine: each tag is checked (and built) once; a failure is
 * not cached, so the next agent tries again. */
export function imageEnsurer(engine: ImageEngine): EnsureImage {
  const ready = new Map<string, Promise<void>>();

  const ensureOnce = async (tag: string, recipe: ImageRecipe | undefined, log: Logger) => {
    if (!recipe) {
      if ((await engine.imageLabels(tag)) !== null) return;
      throw runtimeError(
        "image",
        `Cannot use image "${tag}": it is not on the Docker engine at ${engine.endpoint}; build it (docker build -t ${tag} <dir>) or pull it (docker pull ${tag}), or leave the image unset to use the agent's own image`,
      );
    }
    const state = await imageState(engine, tag, recipe);
    // An image someone built or pulled by hand under this tag (no label) is theirs to keep.
    if (state === "current" || state === "unlabelled") return;
    // Stale: rebuilding could fail where no registry is reachable, so it is kept and we say how.
    if (state === "stale") {
      return void log.warn(
        `image ${tag} was built from another recipe or with other options (base, CA file) than this server's; run swarm-mcp build-image (with --base/--ca-cert as needed) to refresh it`,
      );
    }
    await buildFromRecipe(engine, tag, recipe, log);
  };

  return (tag, recipe, log) => {
    let p = ready.get(tag);
    if (!p) {
      p = (async () => ensureOnce(tag, await recipe?.(), log))();
      ready.set(tag, p);
      p.catch(() => ready.delete(tag));
    }
    return p;
  };
}
