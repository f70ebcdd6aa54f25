// Encryption keys: 32 random bytes each in <data>/.keys/<key_id> (file 0600 in the 0700 dir the core
// made and checked at start-up). Written with O_EXCL and read with O_NOFOLLOW, so a link planted in
// the key's place is never written through nor read.
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Core } from "../../core/types.ts";

export const KEY_ID = /^[0-9a-f]{32}$/;
const KEY_BYTES = 32;

export function keyStore(core: Core) {
  const path = (keyId: string) => join(core.refs.root, ".keys", keyId);
  return {
    async create(): Promise<{ keyId: string; key: Uint8Array }> {
      const keyId = randomBytes(16).toString("hex");
      const key = randomBytes(KEY_BYTES);
      await writeFile(path(keyId), key, { mode: 0o600, flag: "wx" });
      return { keyId, key };
    },
    async read(keyId: unknown): Promise<Uint8Array> {
      const id = String(keyId);
      if (!KEY_ID.test(id)) {
        core.fail(
          "INVALID_INPUT",
          `Cannot use key_id ${
            JSON.stringify(id.slice(0, 80))
          }: a key_id is 32 lowercase hex characters; copy it from the ref's encryption stamp`,
        );
      }
      const fh = await open(path(id), constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
      if (!fh) {
        core.fail(
          "NOT_FOUND",
          `Cannot decrypt with key_id "${id}": no such key in the data directory's .keys; the key was deleted or belongs to another data directory`,
        );
      }
      try {
        const st = await fh.stat();
        const key = new Uint8Array(KEY_BYTES);
        const { bytesRead } = st.isFile() && st.size === KEY_BYTES
          ? await fh.read(key, 0, KEY_BYTES, 0)
          : { bytesRead: 0 };
        if (bytesRead !== KEY_BYTES) {
          core.fail(
            "CONFLICT",
            `Cannot decrypt with key_id "${id}": its key file is not a ${KEY_BYTES}-byte regular file; restore it from a backup`,
          );
        }
        return key;
      } finally {
        await fh.close();
      }
    },
  };
}
