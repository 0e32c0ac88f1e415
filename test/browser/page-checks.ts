// Real-browser tooling: Debian's Chromium through playwright-core, journeys in phone-sized
// contexts with JavaScript disabled, and a checkpoint for every page a journey visits
// (no horizontal scroll, no <script>, a screenshot, and axe-core with zero violations on every
// distinct kind of page).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

export const PHONE_VIEWPORT = { width: 375, height: 667 };
export const SCREENSHOT_DIR = join(process.cwd(), 'test-results', 'screenshots');
/** Debian's Chromium (never a downloaded browser). */
const CHROMIUM = '/usr/bin/chromium';

export interface Checkpoint {
  /** `<journey>-<kind>`, e.g. `a-pin-wrong`: the kind names the page (template and state), the prefix the visit. */
  name: string;
  kind: string;
  url: string;
  /** False when a page of this kind was already analysed by axe in this run. */
  analysed: boolean;
  violations: string[];
  scrollWidth: number;
  clientWidth: number;
}

export interface CheckpointOptions {
  /**
   * axe-core rules that do not apply to this document. Only for what is not one of our pages:
   * an email's body is shown inside the mail client's own page, whose landmarks it must not repeat.
   */
  disableRules?: string[];
}

export interface Browsing {
  browser: Browser;
  /** A new browser profile: JavaScript off, phone-sized, the portal's self-signed certificate accepted. */
  newContext(): Promise<BrowserContext>;
  /**
   * Checks the page as it is now: no script, no horizontal scroll at phone width, a full-page
   * screenshot as `<name>.png`, and (the first time each kind of page is seen) zero axe-core
   * violations. Throws with the details on failure.
   */
  checkpoint(page: Page, name: string, options?: CheckpointOptions): Promise<Checkpoint>;
  /** Every checkpoint so far. */
  checked: Checkpoint[];
  close(): Promise<void>;
}

export async function launchBrowsing(): Promise<Browsing> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run the tests with \`npm test\`, which installs it (scripts/test-prerequisites.sh)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const contextOptions = { viewport: PHONE_VIEWPORT, ignoreHTTPSErrors: true };
  // axe-core needs script (its checks run in the page and wait on timers), which the journeys'
  // contexts do not have: each page is re-served as-is (same URL, same DOM, same stylesheet,
  // same viewport) to a page of this script-enabled context and analysed there.
  const axeContext = await browser.newContext(contextOptions);
  const checked: Checkpoint[] = [];
  const analysedKinds = new Set<string>();

  async function analyse(url: string, html: string, disableRules: string[]): Promise<string[]> {
    const mirror = await axeContext.newPage();
    try {
      await mirror.route(
        (candidate) => candidate.href === url,
        (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }),
      );
      await mirror.goto(url, { waitUntil: 'load' });
      const results = await new AxeBuilder({ page: mirror }).disableRules(disableRules).analyze();
      return results.violations.map(
        (violation) =>
          `${violation.id} (${violation.impact ?? 'n/a'}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
      );
    } finally {
      await mirror.close();
    }
  }

  return {
    browser,
    checked,
    newContext: () => browser.newContext({ ...contextOptions, javaScriptEnabled: false }),
    async checkpoint(page, name, options = {}) {
      await page.waitForLoadState('load');
      const url = page.url();
      const html = await page.content();
      const [scrollWidth, clientWidth] = (await page.evaluate(
        '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
      )) as [number, number];
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
      const kind = name.replace(/^[a-z0-9]+-/, '');
      const analysed = !analysedKinds.has(kind);
      const violations = analysed ? await analyse(url, html, options.disableRules ?? []) : [];
      if (analysed && violations.length === 0) analysedKinds.add(kind);
      const checkpoint = { name, kind, url, analysed, violations, scrollWidth, clientWidth };
      checked.push(checkpoint);
      const problems = [
        // Pages work without JavaScript (the journeys run with it off); a page may enhance itself
        // with our own script files, never with inline script.
        ...(/<script\b(?![^>]*\bsrc="\/assets\/[a-z-]+\.js")[^>]*>/i.test(html)
          ? ['the page has an inline or foreign <script>']
          : []),
        ...(scrollWidth > clientWidth
          ? [`horizontal scroll at ${PHONE_VIEWPORT.width}px: scrollWidth ${scrollWidth} > clientWidth ${clientWidth}`]
          : []),
        ...violations.map((violation) => `axe: ${violation}`),
      ];
      if (problems.length > 0) throw new Error(`page "${name}" (${url}):\n  ${problems.join('\n  ')}`);
      return checkpoint;
    },
    async close() {
      await browser.close();
    },
  };
}

/** Clicks a submit button and waits for the page it leads to (post/redirect/get, redirects followed). */
export async function submit(page: Page, buttonName: string): Promise<void> {
  await page.getByRole('button', { name: buttonName, exact: true }).click();
  await page.waitForLoadState('load');
}

/** The visible text of the page's first heading. */
export async function headingOf(page: Page): Promise<string> {
  return (await page.getByRole('heading', { level: 1 }).first().innerText()).trim();
}
