/**
 * Replaces a file whole: the data goes to a temporary file in the same folder (so the rename is
 * atomic: never across filesystems), is synced, and is renamed over the target. A reader sees the
 * old file or the new one, never part of one. The temporary name starts with a dot and ends in
 * .tmp, so folder listings (raw keys refuse a leading dot) and textfile collectors (*.prom) skip it.
 */
import { randomUUID } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { makeFolder } from './make-folder.ts';

export async function writeFileAtomically(target: string, data: Buffer | string): Promise<void> {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${randomUUID()}.tmp`);
  try {
    await makeFolder(dir);
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(data);
      // Without fsync, a power cut after the rename can leave an empty file under the real name.
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
}
