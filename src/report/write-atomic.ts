import { randomBytes } from "node:crypto";
import { access, constants, open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Writes `content` to `path` so that readers see either the old file or the complete new one, never
 * a half-written file: the text goes to a temporary file in the same directory (same filesystem, so
 * the rename is atomic), is flushed to disk, then renamed over `path`. On any failure the temporary
 * file is removed and `path` is left as it was.
 */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const temporary = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`,
  );
  try {
    const handle = await open(temporary, "wx", 0o644);
    try {
      await handle.writeFile(content, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Fails now, not after minutes of work, when `path` cannot be written by `writeFileAtomic`: it is a
 * directory, or its directory is missing or not writable. The write itself can still fail later
 * (disk full); this only catches the mistakes a user makes on the command line.
 */
export async function assertWritableTarget(path: string): Promise<void> {
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw new Error(`${path} is a directory`);
  await access(dirname(path), constants.W_OK);
}
