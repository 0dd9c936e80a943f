import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The headless Chromium the browser test drives (playwright-core with an executablePath; it
 * downloads no browser of its own). Looked for in this order: env `OFFPEAK_CHROMIUM`,
 * `/usr/bin/chromium` (Debian's chromium package), then `chromium-browser` and `google-chrome` on
 * PATH. Without one the browser tests are skipped, unless `OFFPEAK_REQUIRE_BROWSER=1` (CI), where
 * the missing browser fails.
 */

const DEBIAN = '/usr/bin/chromium';
const ON_PATH = ['chromium-browser', 'google-chrome'];
export const HOW_TO_GET_ONE = "set OFFPEAK_CHROMIUM, or install Debian's chromium package: apt-get install chromium";

export type ChromiumLookup =
  { readonly path: string; readonly missing?: undefined } | { readonly path?: undefined; readonly missing: string };

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The Chromium to use, or why there is none (one line, saying how to get one). */
export function findChromium(env: Readonly<Record<string, string | undefined>> = process.env): ChromiumLookup {
  const chosen = env.OFFPEAK_CHROMIUM;
  if (chosen) {
    // Named on purpose: a wrong name is reported, not replaced by another browser.
    return executable(chosen) ? { path: chosen } : { missing: `OFFPEAK_CHROMIUM=${chosen} is not an executable file` };
  }
  if (executable(DEBIAN)) return { path: DEBIAN };
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of ON_PATH) {
    for (const dir of dirs) if (executable(join(dir, name))) return { path: join(dir, name) };
  }
  return { missing: `no Chromium found (${HOW_TO_GET_ONE})` };
}

/** True when a missing browser must fail rather than skip (CI sets it). */
export function browserRequired(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return env.OFFPEAK_REQUIRE_BROWSER === '1';
}
