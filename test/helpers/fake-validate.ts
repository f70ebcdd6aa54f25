// A stand-in for the types plugin's `validate` tool, so retry(declared_type) and filter can be
// tested without it: the verdict comes from a script, or from whether the text contains a word.
// Like the types plugin it owns the `validated` stamp: it declares the key and stamps every verdict.
import type { Core, PluginFactory } from "../../src/core/types.ts";

export interface FakeValidateOptions {
  /** Verdicts to return in order (the last one repeats); default: VALID when the text contains `valid_word`. */
  script?: string[];
  validWord?: string;
}

export function fakeValidatePlugin(
  opts: FakeValidateOptions = {},
): PluginFactory & { calls: { ref: string; declared_type: string }[] } {
  const calls: { ref: string; declared_type: string }[] = [];
  const factory = (core: Core) => {
    const { v } = core;
    return {
      name: "fake-types",
      stamps: ["validated"],
      tools: [{
        name: "validate",
        description: "Test stand-in: validates a ref's text against a declared type",
        input: v.object({
          artifact: v.pipe(
            v.union([v.string(), v.object({ ref: v.string() })]),
            v.description("The ref to validate"),
          ),
          declared_type: v.pipe(v.string(), v.description("The type name")),
        }),
        async run(
          { artifact, declared_type }: {
            artifact: string | { ref: string };
            declared_type: string;
          },
        ) {
          const ref = typeof artifact === "string" ? artifact : artifact.ref;
          calls.push({ ref, declared_type });
          const text = await core.refs.readText(ref);
          const verdict = opts.script
            ? opts.script[Math.min(calls.length - 1, opts.script.length - 1)]!
            : text.includes(opts.validWord ?? "good")
            ? "VALID"
            : "INVALID";
          const issues = verdict === "VALID" ? [] : [`output is not a ${declared_type}`];
          const score = verdict === "VALID" ? 1 : 0;
          await core.refs.stamp(ref, "validated", {
            type: declared_type,
            verdict,
            score,
            issues,
            validation_ref: null,
          });
          return { declared_type, verdict, score, issues };
        },
      }],
    };
  };
  return Object.assign(factory, { calls });
}
