// encrypt and decrypt: XChaCha20-Poly1305 over one bundle of everything the agent produced and saw
// (text, structured output, stream, stderr, prompt, stdin, artifacts log). The ref id and key_id
// are the associated data, so ciphertext moved to another ref, or paired with another key, fails.
import { randomBytes } from "node:crypto";
import type { Core, Json, RefPart, Tool } from "../../core/types.ts";
import { KEY_ID, keyStore } from "./keys.ts";

export const ALGORITHM = "xchacha20-poly1305";
const NONCE = 24;
/** Per part: the bundle is built in memory. */
const MAX_PART = 32 << 20;
const PARTS = ["text", "stream", "stderr", "prompt", "stdin", "artifacts"] as const;
type Bundle = Partial<Record<(typeof PARTS)[number], string>> & { structured_output?: Json };

const aad = (ref: string, keyId: string) => new TextEncoder().encode(`${ref}\n${keyId}`);

export function cryptTools(core: Core) {
  const { v } = core;
  const keys = keyStore(core);
  const refField = v.pipe(
    v.union([v.string(), v.looseObject({ ref: v.string() })]),
    v.description('The ref: "<run_id>/<agent_id>" or a ref object'),
  );

  async function bundle(ref: string, structured: Json | undefined): Promise<Bundle> {
    const out: Bundle = structured == null ? {} : { structured_output: structured };
    for (const part of PARTS) {
      const r = await core.refs.read(ref, part as RefPart, { maxBytes: MAX_PART });
      if (r.truncated) {
        core.fail(
          "TOO_LARGE",
          `Cannot encrypt ref "${ref}": its ${part} is ${r.size} bytes, over the ${MAX_PART} limit; nothing was changed`,
        );
      }
      if (r.text) out[part] = r.text;
    }
    if (!out.text && out.structured_output === undefined) {
      core.fail(
        "INVALID_INPUT",
        `Cannot encrypt ref "${ref}": it has no output (empty text, no structured output); there is nothing to protect`,
      );
    }
    return out;
  }

  /** Encrypt one ref (the tool, and SWARM_ENCRYPT_ALL as each agent finishes). */
  async function encryptRef(input: unknown, asItEnds = false) {
    const rec = await core.refs.get(input);
    // The run's record takes its wire refs (structured output included) when the run ends: seal
    // after that, so the record is cleaned; SWARM_ENCRYPT_ALL seals before the refs are handed on.
    if (!asItEnds && (await core.runs.status(rec.run_id).catch(() => null))?.status === "running") {
      core.fail(
        "CONFLICT",
        `Cannot encrypt ref "${rec.ref}": its run "${rec.run_id}" is still running; call wait with that run_id, then encrypt`,
      );
    }
    const enc = (await core.refs.stamps(rec.ref)).encryption;
    if (enc) {
      // A seal cut short (the server died between the stamp and the removals) is finished first.
      await core.refs.seal(rec.ref, "", enc);
      core.fail(
        "CONFLICT",
        `Cannot encrypt ref "${rec.ref}": it is encrypted already (key_id ${enc.key_id}); call decrypt to read it`,
      );
    }
    const plain = new TextEncoder().encode(
      JSON.stringify(await bundle(rec.ref, rec.structured_output)),
    );
    // The key is made only once the ref passed every check: a refused call leaves no key behind.
    const { keyId, key } = await keys.create();
    const nonce = randomBytes(NONCE);
    const sealed = (await core.cipher())(key, nonce, aad(rec.ref, keyId)).encrypt(plain);
    const text = Buffer.concat([nonce, sealed]).toString("base64");
    const out = await core.refs.seal(rec.ref, text, { key_id: keyId, algorithm: ALGORITHM });
    return { ...out, key_id: keyId };
  }

  const encrypt: Tool = {
    name: "encrypt",
    description:
      "Encrypt a ref's output at rest (XChaCha20-Poly1305) and remove every plaintext copy of it and of what its agent saw. Returns the ref with its encryption stamp {key_id, algorithm}: keep the key_id to decrypt.",
    annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
    output: { type: "object", properties: { ref: { type: "string" }, key_id: { type: "string" } } },
    input: v.object({ ref: refField }),
    run: ({ ref }) => encryptRef(ref),
  };

  const decrypt: Tool = {
    name: "decrypt",
    description:
      "Decrypt a ref with its key_id into output.md; returns {ref, file, size, structured_output?}. The ciphertext stays; delete the file after reading if it must not stay.",
    annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
    output: { type: "object", properties: { ref: { type: "string" }, file: { type: "string" } } },
    input: v.object({
      ref: refField,
      key_id: v.pipe(v.string(), v.description("The key_id of the ref's encryption stamp")),
    }),
    async run({ ref: input, key_id }) {
      const rec = await core.refs.get(input);
      const enc = (await core.refs.stamps(rec.ref)).encryption;
      if (!enc) {
        core.fail(
          "CONFLICT",
          `Cannot decrypt ref "${rec.ref}": it is not encrypted; call unwrap to read it`,
        );
      }
      if (KEY_ID.test(key_id) && key_id !== enc.key_id) {
        core.fail(
          "INVALID_INPUT",
          `Cannot decrypt ref "${rec.ref}": key mismatch: expected ${enc.key_id}, got ${key_id}; pass the key_id of its encryption stamp`,
        );
      }
      const key = await keys.read(key_id);
      const stored = await core.refs.read(rec.ref, "text", {
        sealed: true,
        maxBytes: 16 * MAX_PART,
      });
      let b: Bundle;
      try {
        const bytes = Buffer.from(stored.text, "base64");
        const cipher = (await core.cipher())(key, bytes.subarray(0, NONCE), aad(rec.ref, key_id));
        b = JSON.parse(new TextDecoder().decode(cipher.decrypt(bytes.subarray(NONCE))));
      } catch {
        core.fail(
          "CONFLICT",
          `Cannot decrypt ref "${rec.ref}": its ciphertext fails authentication (it was changed or truncated outside swarm-mcp); nothing can be recovered from it`,
        );
      }
      const file = await core.refs.writeReport(rec.ref, "unwrapped", b.text ?? "");
      const so = b.structured_output === undefined
        ? {}
        : { structured_output: b.structured_output };
      return { ref: rec.ref, file, size: Buffer.byteLength(b.text ?? ""), ...so };
    },
  };
  return { tools: [encrypt, decrypt], encryptRef };
}
