// Image references, checked against Docker's own grammar (distribution/reference) before one goes
// into an Engine API path or body. An unchecked "" or "a/../b" makes the engine answer a redirect
// to a cleaned path, and "-v" or "x?y" mean something else to the engine than to the caller.
import { refuse } from "./runtime-error.ts";

// [domain "/"] path [":" tag] ["@" digest]. The separator is "-+" where the grammar says "[-]*":
// the same language, but no nested quantifier that could backtrack for ever on a long bad name.
const component = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const domainPart = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const domain = `(?:${domainPart}(?:\\.${domainPart})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const REFERENCE = new RegExp(
  `^((?:${domain}/)?${component}(?:/${component})*)(?::([\\w][\\w.-]{0,127}))?(?:@sha256:[a-f0-9]{64})?$`,
);
const NAME_MAX = 255;

/** `ref` when it is a valid image reference; otherwise an INVALID_INPUT error naming the fault. */
export function checkImageRef(ref: string, field = "image"): string {
  const why = typeof ref !== "string"
    ? `it is a ${ref === null ? "null" : typeof ref}, not a string`
    : ref === ""
    ? "it is empty"
    : ref.length > NAME_MAX + 200
    ? `it is ${ref.length} characters long` // before the regex: bounded work
    : imageRefFault(ref);
  if (why) {
    const shown = typeof ref === "string"
      ? JSON.stringify(ref.length > 80 ? `${ref.slice(0, 80)}…` : ref)
      : String(ref);
    refuse(
      "invalid",
      `Cannot use ${field} ${shown}: ${why}; give a name like "debian:bookworm-slim"`,
    );
  }
  return ref;
}

function imageRefFault(ref: string): string | undefined {
  const m = REFERENCE.exec(ref);
  if (!m) {
    if (/[A-Z]/.test(ref.split(/[:@]/)[0]!.split("/").pop()!)) {
      return "a repository name must be lower case";
    }
    if (/^-/.test(ref)) return 'it starts with "-"';
    return 'it is not an image reference (lower-case path components of letters, digits and . _ - separators, joined by "/", an optional registry host[:port] first, then an optional :tag and @sha256:<64 hex digits>)';
  }
  const name = m[1]!;
  if (name.length > NAME_MAX) {
    return `its name is ${name.length} characters long, more than Docker's ${NAME_MAX}`;
  }
  // Docker refuses these as names: 64 hex digits mean an image id.
  if (/^[a-f0-9]{64}$/.test(name)) return "a name of 64 hex digits is an image id, not a name";
  return undefined;
}
