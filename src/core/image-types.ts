// A driver's own image: the tag its agents run and how a runtime builds it. Re-exported by
// types.ts; the runtime (the docker plugin) builds, labels and checks it for staleness.

/** One file of a build context: its text or bytes, with permission bits when they matter. */
export type ImageFile = string | Uint8Array | { data: string | Uint8Array; mode: number };

/** How to build an image. The runtime labels what it builds with the hash of `files` (less
 * `local_files`) and of the whole recipe, so it can tell a current image from a stale one. */
export interface ImageRecipe {
  /** The build context, path → content, in this order: "Dockerfile" is the build file, a path
   * ending in "/" is a directory. */
  files: Record<string, ImageFile>;
  /** The image the build file starts FROM instead of its own default (build argument
   * BASE_IMAGE); the runtime checks it is an image reference. */
  base?: string;
  /** Files that are local choices (a CA bundle), not the recipe: another content of them makes
   * another build of the same image. */
  local_files?: string[];
  /** "exact": an image built with another base or other local files is stale. "any-options"
   * (nothing local was asked for): only other `files` make it stale. */
  match: "exact" | "any-options";
}

/** The image a driver's agents run when the sandbox names none. */
export interface DriverImage {
  tag: string;
  /** How to build `tag` when the runtime lacks it, asked for only then; none: the image is the
   * operator's (e.g. SWARM_IMAGE) and must exist. */
  recipe?(): Promise<ImageRecipe>;
}
