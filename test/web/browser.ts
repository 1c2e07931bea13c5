/**
 * A real browser for the dashboard tests: Debian's Chromium driven by playwright-core
 * (`.ci/run` installs the `chromium` package). Playwright starts each browser with a fresh
 * temporary profile (its own `--user-data-dir`), so no state leaks between runs.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

/** Where Chromium is expected (override with PGQUEUER_CHROMIUM). */
export const CHROMIUM = process.env.PGQUEUER_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Why the browser tests cannot run here, or null when they can. On CI a missing browser is a
 * failure, not a skip: `.ci/run` installs it.
 */
export function browserUnavailable(): string | null {
  if (existsSync(CHROMIUM) || process.env.CI) return null;
  return `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set PGQUEUER_CHROMIUM)`;
}

/** Launch headless Chromium with the flags that keep it quiet and offline. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** Screenshots go here (gitignored). */
export const ARTIFACTS = join("test-artifacts", "web");

/** Save a full-page screenshot as `test-artifacts/web/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Collect console errors and uncaught page errors (a CSP violation shows up as a console error). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}
