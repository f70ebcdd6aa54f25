// The built-in drivers' and the docker runtime's sandbox fields, for tests that make a sandbox registry without loading
// plugins (the core alone declares only the driver-neutral fields).
import * as v from "valibot";
import { fail } from "../../src/core/errors.ts";
import type { Core, SandboxField } from "../../src/core/types.ts";
import { claudeFields } from "../../src/plugins/claude-code/fields.ts";
import { commandField } from "../../src/plugins/command/index.ts";
import { dockerFields } from "../../src/plugins/docker/fields.ts";

export function builtinFields(): SandboxField[] {
  const core = { v, fail } as unknown as Core;
  return [...claudeFields(core), commandField(core) as SandboxField, ...dockerFields(core)];
}
