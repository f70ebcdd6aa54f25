// The logger runtime tests hand the docker plugin: warnings and errors to stderr (where a failing
// test's cause shows), nothing else.
import type { Logger } from "../../src/core/types.ts";

export const quietLog: Logger = {
  debug() {},
  info() {},
  warn: (m) => process.stderr.write(`warn: ${m}\n`),
  error: (m) => process.stderr.write(`error: ${m}\n`),
};
