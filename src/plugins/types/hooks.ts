// The types plugin's part in spawning every agent: input_type/output_type become "# Input Type" /
// "# Output Type" blocks before the prompt (a registered name or [refs] resolved, plain text as
// given), and output_schema is checked twice — compiled before the agent queues, and the agent's
// structured output held against it after the run (the CLI's own check is not ours to trust).
import type { Core, SpawnHooks, SpawnJob } from "../../core/types.ts";
import type { TypeRegistry } from "./registry.ts";
import type { SchemaChecker } from "./schema.ts";

const MAX_STRUCTURED = 4 * 1024 * 1024;

async function preamble(types: TypeRegistry, job: SpawnJob): Promise<string> {
  const { input_type, output_type } = job.spec;
  const parts: string[] = [];
  if (input_type) parts.push(`# Input Type\nYour input is: ${await types.expand(input_type)}`);
  if (output_type) {
    parts.push(`# Output Type\nYou must produce: ${await types.expand(output_type)}`);
  }
  return parts.join("\n\n");
}

export function typeHooks(core: Core, types: TypeRegistry, schemas: SchemaChecker): SpawnHooks {
  return {
    // A missing or unreadable type, or a schema ajv cannot compile, refuses the agent before it waits.
    async check(job) {
      await preamble(types, job);
      if (job.spec.output_schema !== undefined) await schemas.compile(job.spec.output_schema);
    },
    async prepare(job) {
      const text = await preamble(types, job);
      return text ? { preamble: text } : undefined;
    },
    async finish(job, ref) {
      const schema = job.spec.output_schema;
      if (schema === undefined || ref.status !== "ok") return;
      const got = await core.refs.read(ref.ref, "structured", { maxBytes: MAX_STRUCTURED });
      // No structured output at all is the driver's to report (it knows whether the tool was called).
      if (got.text === "") return;
      const errors = got.text.length > MAX_STRUCTURED
        ? [`it is over ${MAX_STRUCTURED} characters`]
        : await schemas.errors(schema, JSON.parse(got.text));
      if (errors.length === 0) return;
      return {
        failed:
          `Cannot accept the structured output of "${ref.ref}": it does not match output_schema (${
            errors.join("; ")
          }); fix the prompt or the schema and run it again`,
      };
    },
  };
}
