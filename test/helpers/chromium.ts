/**
 * Headless Chromium for tests that must see a page as a browser does (the HTML report). Debian's
 * `chromium` package (.ci/run installs it); CHROMIUM_PATH or Google Chrome where that is what
 * the machine has. No browser is a failure, not a skip.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

export function chromiumPath(): string {
  const given = process.env.CHROMIUM_PATH;
  const found = given ? [given] : CANDIDATES.filter((c) => existsSync(c));
  const first = found[0];
  if (first === undefined || !existsSync(first)) {
    throw new Error(
      `no Chromium found (tried ${given ?? CANDIDATES.join(', ')}): apt-get install chromium, or set CHROMIUM_PATH`,
    );
  }
  return first;
}

export interface BrowserResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Opens a local file in a fresh headless profile with every background fetch turned off, with
 * `args` added (e.g. --dump-dom, --screenshot=…), and waits for the browser to exit.
 */
export async function headless(file: string, args: string[], timeoutMs = 60_000): Promise<BrowserResult> {
  const profile = await mkdtemp(path.join(tmpdir(), 'obetl-chromium-'));
  try {
    return await new Promise<BrowserResult>((resolve, reject) => {
      const child = spawn(
        chromiumPath(),
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          `--user-data-dir=${profile}`,
          ...args,
          pathToFileURL(file).href,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}
