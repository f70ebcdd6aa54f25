// A whole-directory byte scan: where a marker's bytes occur in any regular file under a root
// (links are not followed). What "no plaintext left anywhere" is checked against.
import { lstat, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

export async function filesHolding(root: string, marker: string): Promise<string[]> {
  const needle = Buffer.from(marker);
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      const st = await lstat(path);
      if (st.isDirectory()) await walk(path);
      else if (st.isFile() && (await readFile(path)).includes(needle)) found.push(path);
    }
  };
  await walk(root);
  return found;
}
