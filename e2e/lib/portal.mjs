// What the page tests share, written against the portal's contract (docs/portal.md, "Stable hooks for the
// browser tests"): the layout every page has, a page per test, and the report form.

import assert from 'node:assert/strict';
import path from 'node:path';
import { closePage, newPage, problems, screenshot, VIEWPORTS } from './browser.mjs';
import { E2E_DIR } from './server.mjs';

export const FIXTURES_DIR = path.join(E2E_DIR, 'fixtures');
export const FIXTURE_VIETQR_PNG = path.join(FIXTURES_DIR, 'vietqr.png');
export const FIXTURE_EVIDENCE_PNG = path.join(FIXTURES_DIR, 'evidence.png');

/// Opens `path` and expects `status` (200 by default).
export async function open(page, target, status = 200) {
  const response = await page.goto(target);
  assert.ok(response, `no response for ${target}`);
  assert.equal(response.status(), status, `GET ${target}`);
  return response;
}

/// Every page: `<html lang="vi|en">`, the header, nav, main#main and footer landmarks, the skip link to
/// #main, and the language switch.
export async function expectLayout(page, { lang } = {}) {
  const htmlLang = await page.getAttribute('html', 'lang');
  if (lang) {
    assert.equal(htmlLang, lang, `html[lang] on ${page.url()}`);
  } else {
    assert.ok(['vi', 'en'].includes(htmlLang), `html[lang] is vi or en on ${page.url()}, found ${htmlLang}`);
  }
  for (const selector of ['header', 'nav', 'main#main', 'footer', 'a#lang-switch']) {
    assert.ok((await page.locator(selector).count()) >= 1, `${selector} on ${page.url()}`);
  }
  assert.equal(await page.locator('main#main').count(), 1, `one main#main on ${page.url()}`);
  const skip = page.locator('a.skip-link').first();
  assert.equal(await skip.count(), 1, `a.skip-link on ${page.url()}`);
  assert.match((await skip.getAttribute('href')) ?? '', /#main$/, 'the skip link goes to #main');
}

/// Runs `body` with a fresh page (a context of its own), then fails on the page's console errors, CSP
/// violations and failed subresources (see browser.mjs). On failure, a screenshot `FAILED-<name>` is kept and
/// the page's problems are printed.
export async function withPage(t, body, { viewport = VIEWPORTS.wide, context = {}, allow = [] } = {}) {
  const page = await newPage(viewport, context);
  let passed = false;
  try {
    await body(page);
    passed = true;
  } finally {
    if (passed) {
      await closePage(page, { allow });
    } else {
      const label = t?.name ?? 'test';
      const name = `FAILED-${/^\((\w+)\)/.exec(label)?.[1] ?? label.slice(0, 40)}`;
      await screenshot(page, name).catch(() => {});
      for (const problem of problems(page)) t?.diagnostic?.(`page problem: ${problem}`);
      await page.context().close().catch(() => {});
    }
  }
}

/// A date and a local date-time in Vietnam, `daysAgo` days back: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM`.
export function vietnamTime(daysAgo = 3) {
  const iso = new Date(Date.now() - daysAgo * 86_400_000 + 7 * 3_600_000).toISOString();
  return { date: iso.slice(0, 10), dateTime: iso.slice(0, 16) };
}

/// The value of the scam type to choose: `preferred` when the select offers it, else its first real option.
export async function scamTypeValue(page, preferred = 'impersonation_bank') {
  const values = await page.locator('select#scam_type option').evaluateAll((options) => options.map((o) => o.value));
  const real = values.filter((value) => value !== '');
  assert.ok(real.length > 0, 'select#scam_type offers scam types');
  return real.includes(preferred) ? preferred : real[0];
}

/// The fields of a full report, by selector: `fill`, `select`, `check` or `files`.
export function fullReport({ narrative, contacts = '0912 000 111' }) {
  const when = vietnamTime(3);
  return [
    ['select#scam_type', 'select', 'impersonation_bank'],
    ['textarea#narrative', 'fill', narrative],
    ['input#occurred_at', 'fill', when.date],
    ['textarea#contacts', 'fill', contacts],
    ['input#loss_vnd', 'fill', '15000000'],
    ['input[name=from_bank]', 'fill', 'VCB'],
    ['input[name=from_account]', 'fill', '0011001234567'],
    ['input[name=to_bank]', 'fill', 'BIDV'],
    ['input[name=to_account]', 'fill', '21510001234567'],
    ['input[name=amount_vnd]', 'fill', '15000000'],
    ['input[name=transfer_at]', 'fill', when.dateTime],
    ['input#files', 'files', FIXTURE_EVIDENCE_PNG],
    ['input[name=identity][value=anonymous]', 'check'],
    ['input#consent', 'check'],
  ];
}

/// The fewest fields a report needs.
export function minimalReport({ narrative, contacts = '0912 000 111' }) {
  return [
    ['select#scam_type', 'select', 'impersonation_bank'],
    ['textarea#narrative', 'fill', narrative],
    ['input#occurred_at', 'fill', vietnamTime(1).date],
    ['textarea#contacts', 'fill', contacts],
    ['input[name=identity][value=anonymous]', 'check'],
    ['input#consent', 'check'],
  ];
}

/// Sets one field of the report form, found inside `scope` (a locator or the page).
export async function setField(page, scope, [selector, action, value]) {
  const field = scope.locator(selector).first();
  switch (action) {
    case 'fill':
      await field.fill(value);
      break;
    case 'select':
      await field.selectOption(await scamTypeValue(page, value));
      break;
    case 'check':
      await field.check();
      break;
    case 'files':
      await field.setInputFiles(value);
      break;
    default:
      throw new Error(`unknown action ${action}`);
  }
}

/// The receipt after a report: the tracking code and secret.
export async function readReceipt(page) {
  await page.locator('#tracking-code').waitFor({ state: 'visible', timeout: 30_000 });
  const code = (await page.locator('#tracking-code').innerText()).trim();
  const secret = (await page.locator('#tracking-secret').innerText()).trim();
  assert.match(code, /^CG-[2-9A-Z]{4}-[2-9A-Z]{4}$/, `#tracking-code is a tracking code, found ${code}`);
  assert.ok(secret.length >= 16, `#tracking-secret holds the secret, found ${secret}`);
  return { code, secret };
}

/// Sends a report through the form without JavaScript (every step shown, `#report-submit` sends it all);
/// returns its receipt.
export async function submitReportWithoutJs(t, { narrative, fields, screenshotName } = {}) {
  let receipt;
  await withPage(
    t,
    async (page) => {
      await open(page, '/report');
      for (const field of fields ?? minimalReport({ narrative })) {
        await setField(page, page, field);
      }
      await page.locator('button#report-submit').click();
      receipt = await readReceipt(page);
      if (screenshotName) await screenshot(page, screenshotName);
    },
    { context: { javaScriptEnabled: false } },
  );
  return receipt;
}

/// Looks a report up on /track; leaves the page on the answer.
export async function track(page, { code, secret }) {
  await open(page, '/track');
  await page.locator('input#code').fill(code);
  await page.locator('input#secret').fill(secret);
  await page.locator('button#track-submit').click();
  await page.waitForLoadState('load');
}

/// The secret with its last letter or digit changed: well-formed, wrong.
export function wrongSecret(secret) {
  const chars = [...secret];
  for (let i = chars.length - 1; i >= 0; i -= 1) {
    if (/[a-z0-9]/i.test(chars[i])) {
      chars[i] = chars[i].toLowerCase() === 'a' ? 'b' : 'a';
      return chars.join('');
    }
  }
  return `${secret}a`;
}
