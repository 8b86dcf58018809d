/**
 * `mkdir -p` that always ends. Node's recursive mkdir loops forever (at full CPU, silently) where
 * mkdir answers ENOENT for a path whose parent exists, as in /proc or /sys: it makes the parent
 * (EEXIST), retries the child (ENOENT), and so on. Here each level is tried at most twice, and
 * the failure carries the folder and the OS error.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

export async function makeFolder(dir: string): Promise<void> {
  const target = path.resolve(dir);
  try {
    await mkdir(target);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if ((await stat(target)).isDirectory()) return;
      throw error;
    }
    const parent = path.dirname(target);
    if (code !== 'ENOENT' || parent === target) throw error;
    await makeFolder(parent);
  }
  // The parent exists now: one more try, and whatever it says is the answer.
  try {
    await mkdir(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' && (await stat(target)).isDirectory()) return;
    throw error;
  }
}
