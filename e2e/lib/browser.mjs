// The browser side of the tests: Debian's Chromium driven by playwright-core (no browser download), one
// browser per test file, one context (cookies, storage) per page.
//
//   await launchBrowser({ baseURL });
//   const page = await newPage();                 // 1280x800; newPage(VIEWPORTS.narrow), newPage(v, { javaScriptEnabled: false })
//   await page.goto('/');
//   await screenshot(page, 'home');               // artifacts/screenshots/home-360.png and home-1280.png
//   await checkAccessibility(page, 'home');       // axe-core: fails on a serious or critical violation
//   await closePage(page);                        // fails on a console error, a page error or a CSP violation
//   await closeBrowser();

import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS_DIR } from './server.mjs';

const require = createRequire(import.meta.url);

export const SCREENSHOTS_DIR = path.join(ARTIFACTS_DIR, 'screenshots');
export const AXE_DIR = path.join(ARTIFACTS_DIR, 'axe');

export const VIEWPORTS = {
  narrow: { width: 360, height: 740 },
  wide: { width: 1280, height: 800 },
};

/// Chromium: $CHROMIUM, else Debian's.
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// The background-networking flags keep Chromium from calling home: on a closed network those
// connections are refused and show up as errors.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const AXE_FAILING_IMPACTS = new Set(['serious', 'critical']);

let browser = null;
let defaultBaseURL;

/// What went wrong on each page: console errors, uncaught exceptions, CSP violations, failed subresources.
const problemsOf = new WeakMap();

export async function launchBrowser({ baseURL } = {}) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM); never 'npx playwright install'`);
  }
  defaultBaseURL = baseURL;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
  return browser;
}

export async function closeBrowser() {
  if (browser) {
    const closing = browser;
    browser = null;
    await closing.close();
  }
}

function safeName(name) {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-');
}

/// A new page in a context of its own (fresh cookies and storage). `options` go to `browser.newContext`
/// (e.g. `javaScriptEnabled: false`).
export async function newPage(viewport = VIEWPORTS.wide, options = {}) {
  assert.ok(browser, 'launchBrowser() first');
  const context = await browser.newContext({
    baseURL: defaultBaseURL,
    viewport,
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
    ...options,
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  const problems = [];
  const documentURLs = new Set();

  if (options.javaScriptEnabled !== false) {
    // Reported from inside the page: the event carries the directive and the blocked URL.
    await context.exposeBinding('__e2eCspViolation', ({ page }, violation) => {
      problems.push(
        `CSP violation on ${page.url()}: ${violation.directive} blocked ${violation.blocked || '(inline)'}` +
          (violation.sample ? ` (${violation.sample})` : '') +
          (violation.source ? ` at ${violation.source}:${violation.line}` : ''),
      );
    });
    await context.addInitScript(() => {
      document.addEventListener(
        'securitypolicyviolation',
        (event) => {
          window.__e2eCspViolation({
            directive: event.effectiveDirective || event.violatedDirective,
            blocked: event.blockedURI,
            sample: event.sample,
            source: event.sourceFile,
            line: event.lineNumber,
          });
        },
        true,
      );
    });
  }

  const page = await context.newPage();
  problemsOf.set(page, problems);
  page.on('response', (response) => {
    const request = response.request();
    if (request.resourceType() === 'document') {
      documentURLs.add(response.url());
    } else if (response.status() >= 400 && !isFavicon(response.url())) {
      problems.push(`${request.resourceType()} ${response.url()} answered ${response.status()}`);
    }
  });
  page.on('requestfailed', (request) => {
    const failure = request.failure()?.errorText ?? 'failed';
    // A navigation away cancels what the page was still loading: not a fault.
    if (failure.includes('ERR_ABORTED') || isFavicon(request.url())) return;
    problems.push(`${request.resourceType()} ${request.url()} failed: ${failure}`);
  });
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const where = message.location()?.url ?? '';
    // Chromium logs every response >= 400 as "Failed to load resource", the document's too: a form
    // answered 422 with its errors is the page working; a subresource's failure is caught above.
    if (/^Failed to load resource/.test(message.text()) && (documentURLs.has(where) || isFavicon(where))) return;
    problems.push(`console error on ${page.url()}: ${message.text()}${where ? ` (${where})` : ''}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught exception on ${page.url()}: ${error.message}`));
  return page;
}

function isFavicon(url) {
  try {
    return new URL(url).pathname === '/favicon.ico';
  } catch {
    return false;
  }
}

/// The problems the page has met so far.
export function problems(page) {
  return [...(problemsOf.get(page) ?? [])];
}

/// Fails on any console error, uncaught exception, CSP violation or failed subresource on this page;
/// `allow`: regular expressions for problems the test expects.
export function expectNoProblems(page, { allow = [] } = {}) {
  const found = problems(page).filter((problem) => !allow.some((pattern) => pattern.test(problem)));
  assert.deepEqual(found, [], `the page had problems:\n  ${found.join('\n  ')}`);
}

/// Checks the page's problems, then closes its context; closes it even when the check fails.
export async function closePage(page, options) {
  try {
    expectNoProblems(page, options);
  } finally {
    await page.context().close();
  }
}

/// Full-page screenshots at 360x740 and 1280x800: artifacts/screenshots/<name>-360.png and -1280.png. The
/// page keeps its viewport afterwards.
export async function screenshot(page, name) {
  await fsp.mkdir(SCREENSHOTS_DIR, { recursive: true });
  const original = page.viewportSize();
  const files = [];
  try {
    for (const viewport of [VIEWPORTS.narrow, VIEWPORTS.wide]) {
      await page.setViewportSize(viewport);
      const file = path.join(SCREENSHOTS_DIR, `${safeName(name)}-${viewport.width}.png`);
      await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
      files.push(file);
    }
  } finally {
    if (original) await page.setViewportSize(original);
  }
  return files;
}

let axeSource;

/// Runs axe-core on the page (WCAG 2.0/2.1 A and AA, and best practices); fails on any violation of
/// impact serious or critical. The whole result is kept in artifacts/axe/<name>.json.
///
/// axe is evaluated through the DevTools protocol, which the page's Content-Security-Policy
/// (`script-src 'self'`) does not govern, so the page is checked as served, its CSP in force.
export async function checkAccessibility(page, name) {
  axeSource ??= require('axe-core').source;
  const loaded = await page.evaluate(() => typeof window.axe === 'object');
  if (!loaded) {
    await page.evaluate(axeSource);
  }
  const results = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    AXE_TAGS,
  );
  await fsp.mkdir(AXE_DIR, { recursive: true });
  await fsp.writeFile(
    path.join(AXE_DIR, `${safeName(name)}.json`),
    JSON.stringify({ url: results.url, violations: results.violations }, null, 2),
  );
  const failing = results.violations.filter((violation) => AXE_FAILING_IMPACTS.has(violation.impact));
  const describe = (violation) => {
    const targets = violation.nodes
      .slice(0, 3)
      .map((node) => node.target.join(' '))
      .join(' | ');
    const more = violation.nodes.length > 3 ? ` (+${violation.nodes.length - 3} more)` : '';
    return `[${violation.impact}] ${violation.id}: ${violation.help} — ${targets}${more}\n      ${violation.helpUrl}`;
  };
  const minor = results.violations.filter((violation) => !AXE_FAILING_IMPACTS.has(violation.impact));
  if (minor.length > 0) {
    console.log(`axe ${name}: ${minor.length} minor/moderate finding(s):\n    ${minor.map(describe).join('\n    ')}`);
  }
  assert.equal(
    failing.length,
    0,
    `axe found ${failing.length} serious or critical violation(s) on ${name} (${page.url()}):\n    ${failing.map(describe).join('\n    ')}`,
  );
  return results;
}
