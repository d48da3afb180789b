// The web portal end to end, in Debian's Chromium, against the contract in docs/portal.md: one seeded
// server and one browser for the file; every test saves screenshots at 360 and 1280 pixels wide
// (artifacts/screenshots) and fails on a console error, an uncaught exception or a CSP violation.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkAccessibility, closeBrowser, launchBrowser, screenshot, VIEWPORTS } from '../lib/browser.mjs';
import {
  FIXTURE_VIETQR_PNG,
  expectLayout,
  fullReport,
  open,
  readReceipt,
  setField,
  submitReportWithoutJs,
  track,
  withPage,
  wrongSecret,
} from '../lib/portal.mjs';
import { SEED, startServer } from '../lib/server.mjs';

const TEST = { timeout: 180_000 };

const SCAM_SMS =
  'Vietcombank thong bao: tai khoan cua quy khach bi tam khoa. Vui long xac thuc tai ' +
  'https://vietcombank-xacminh.com/login truoc 24h de tranh bi khoa vinh vien';

const MESSAGE_VERDICTS = ['safe', 'suspicious', 'scam'];
const CONTACT_VERDICTS = ['official_verified', 'no_data', 'reported', 'suspicious', 'high_risk', 'confirmed_scam'];

const XSS_NARRATIVE = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">';

/// The report sent in the full-report test, for the tracking test.
let fullReportReceipt;

const digits = (text) => text.replace(/\D/g, '');
/// The same Vietnamese phone number, however written (0912 000 111, +84912000111).
const samePhone = (a, b) => digits(a).replace(/^(84|0)/, '') === digits(b).replace(/^(84|0)/, '');

/// Types into the home page's search box and sends it.
async function search(page, text) {
  await open(page, '/');
  await page.locator('form#search-form textarea#q').fill(text);
  await page.locator('button#search-submit').click();
  await page.waitForLoadState('load');
}

describe('portal', () => {
  let platform;

  before(async () => {
    platform = await startServer();
    await launchBrowser({ baseURL: platform.baseURL });
  });

  after(async () => {
    await closeBrowser();
    await platform?.stop();
  });

  test('(a) home: the search box, the rising scam types, the hotlines', TEST, async (t) => {
    await withPage(t, async (page) => {
      await open(page, '/');
      await expectLayout(page, { lang: 'vi' });
      const form = page.locator('form#search-form');
      assert.equal((await form.getAttribute('method'))?.toLowerCase(), 'post', 'form#search-form is a POST');
      assert.match((await form.getAttribute('action')) ?? '', /\/search$/, 'form#search-form goes to /search');
      await page.locator('form#search-form textarea#q[name=q]').waitFor();
      await page.locator('button#search-submit').waitFor();
      await page.locator('section#rising').waitFor();
      const hotlines = await page.locator('section#hotlines').innerText();
      for (const number of ['113', '156', '5656']) {
        assert.match(hotlines, new RegExp(`(^|\\D)${number}(\\D|$)`), `#hotlines names ${number}: ${hotlines}`);
      }
      await checkAccessibility(page, 'home');
      await screenshot(page, 'home');
    });
  });

  test('(b) a check: a seeded phone gets a verdict with reasons; an unknown one has no data', TEST, async (t) => {
    await withPage(t, async (page) => {
      await search(page, SEED.phone);
      assert.match(new URL(page.url()).pathname, /^\/check$/, `the search lands on /check, at ${page.url()}`);
      assert.ok(samePhone(new URL(page.url()).searchParams.get('q') ?? '', SEED.phone), `/check?q= names the phone: ${page.url()}`);
      await expectLayout(page);
      const verdict = page.locator('#verdict');
      const value = await verdict.getAttribute('data-verdict');
      assert.ok(CONTACT_VERDICTS.includes(value), `#verdict[data-verdict] is a verdict, found ${value}`);
      assert.notEqual(value, 'no_data', 'the seeded phone is flagged');
      assert.match(await verdict.innerText(), /\p{L}{2,}/u, '#verdict says the verdict in words');
      assert.ok((await page.locator('#reasons li').count()) >= 1, 'reasons are listed');
      for (const selector of ['#counts', '#advice']) {
        assert.equal(await page.locator(selector).count(), 1, `${selector} on /check`);
      }
      const reportLink = page.locator('a#report-contact');
      assert.match((await reportLink.getAttribute('href')) ?? '', /^\/report\?contact=/, 'a#report-contact goes to the report form');
      await checkAccessibility(page, 'check-flagged');
      await screenshot(page, 'check-flagged');

      await search(page, '0987 654 321');
      assert.match(new URL(page.url()).pathname, /^\/check$/);
      assert.equal(await page.locator('#verdict').getAttribute('data-verdict'), 'no_data');
      await checkAccessibility(page, 'check-no-data');
      await screenshot(page, 'check-no-data');

      // The report link carries the contact into the form.
      await open(page, `/report?contact=${encodeURIComponent(SEED.phone)}`);
      const prefilled = await page.locator('textarea#contacts').inputValue();
      assert.ok(samePhone(prefilled, SEED.phone), `the form starts with the contact, found ${prefilled}`);
    });
  });

  test('(c) an analysis: a scam SMS with a look-alike link gets its red flags marked', TEST, async (t) => {
    await withPage(t, async (page) => {
      const expectAnalysis = async (name) => {
        const verdict = page.locator('#message-verdict');
        await verdict.waitFor();
        await expectLayout(page);
        const value = await verdict.getAttribute('data-verdict');
        assert.ok(MESSAGE_VERDICTS.includes(value), `#message-verdict[data-verdict], found ${value}`);
        assert.ok(['scam', 'suspicious'].includes(value), `the SMS is a scam or suspicious, found ${value}`);
        assert.ok((await page.locator('#message mark.flag').count()) >= 1, 'a red flag is marked in #message');
        for (const code of await page.locator('#message mark.flag').evaluateAll((marks) => marks.map((m) => m.dataset.flag))) {
          assert.ok(code, 'each mark.flag names its flag (data-flag)');
        }
        assert.ok((await page.locator('#flags li[data-flag]').count()) >= 1, 'the flags are explained in #flags');
        const contacts = page.locator('#contacts li');
        assert.ok((await contacts.count()) >= 1, 'the link is listed in #contacts');
        const verdicts = await page.locator('#contacts li[data-verdict]').evaluateAll((items) => items.map((i) => i.dataset.verdict));
        assert.ok(verdicts.length >= 1, '#contacts li carry data-verdict');
        assert.ok(verdicts.some((v) => v !== 'no_data'), `the seeded domain is flagged among ${verdicts}`);
        assert.equal(await page.locator('#advice').count(), 1, '#advice');
        await checkAccessibility(page, name);
        await screenshot(page, name);
      };

      // From the home page's search box: text that is not a single contact is analysed.
      await search(page, SCAM_SMS);
      await expectAnalysis('analysis-from-home');

      // And from the analysis page's own form.
      await open(page, '/analyze');
      await page.locator('form#analyze-form textarea#text[name=text]').fill(SCAM_SMS);
      await page.locator('button#analyze-submit').click();
      await page.waitForLoadState('load');
      await expectAnalysis('analysis-form');
    });
  });

  test('(d) a QR upload: the account inside a VietQR is decoded and checked; a text file is refused', TEST, async (t) => {
    await withPage(t, async (page) => {
      await open(page, '/qr');
      await expectLayout(page);
      const form = page.locator('form#qr-form');
      assert.equal((await form.getAttribute('enctype'))?.toLowerCase(), 'multipart/form-data', 'form#qr-form is multipart');
      await checkAccessibility(page, 'qr-form');
      await screenshot(page, 'qr-form');

      await page.locator('input#qr-image[type=file][name=image]').setInputFiles(FIXTURE_VIETQR_PNG);
      await page.locator('button#qr-submit').click();
      await page.locator('#qr-result').waitFor({ timeout: 30_000 });
      const payload = await page.locator('#qr-payload').innerText();
      assert.ok(digits(payload).includes(SEED.bankAccountNumber), `#qr-payload shows the account, found ${payload}`);
      const verdict = await page.locator('#qr-result #verdict, #verdict').first().getAttribute('data-verdict');
      assert.ok(CONTACT_VERDICTS.includes(verdict), `#verdict[data-verdict], found ${verdict}`);
      assert.notEqual(verdict, 'no_data', 'the seeded account is flagged');
      await checkAccessibility(page, 'qr-result');
      await screenshot(page, 'qr-result');

      await open(page, '/qr');
      await page.locator('input#qr-image').setInputFiles({
        name: 'not-an-image.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from('this is not a picture of a QR code\n'),
      });
      await page.locator('button#qr-submit').click();
      await page.locator('#form-error').waitFor({ timeout: 30_000 });
      assert.match(await page.locator('#form-error').innerText(), /\p{L}{2,}/u, '#form-error explains');
      assert.equal(await page.locator('#qr-result').count(), 0, 'no result for a text file');
      assert.equal(await page.locator('input#qr-image').getAttribute('aria-invalid'), 'true', 'the file field is marked invalid');
      await checkAccessibility(page, 'qr-error');
      await screenshot(page, 'qr-error');
    });
  });

  test('(e) a full report, step by step with JavaScript; the draft survives a reload', TEST, async (t) => {
    await withPage(t, async (page) => {
      await open(page, '/report');
      await expectLayout(page);
      const steps = page.locator('form#report-form fieldset.step');
      const stepCount = await steps.count();
      assert.ok(stepCount >= 5, `the form has its five steps, found ${stepCount}`);
      const fields = fullReport({
        narrative:
          'Ngày hôm qua có người gọi tự xưng nhân viên Vietcombank, nói tài khoản của tôi bị khóa và bảo tôi ' +
          'chuyển 15 triệu sang tài khoản BIDV để "xác minh". Sau đó họ chặn số.',
      });
      const placed = new Set();
      for (let step = 1; step <= stepCount; step += 1) {
        const current = page.locator(`form#report-form fieldset.step[data-step="${step}"]`);
        await current.waitFor({ state: 'visible' });
        assert.equal(await steps.filter({ visible: true }).count(), 1, `only step ${step} is shown`);
        for (const field of fields) {
          if (!placed.has(field[0]) && (await current.locator(field[0]).count()) > 0) {
            await setField(page, current, field);
            placed.add(field[0]);
          }
        }
        await checkAccessibility(page, `report-step-${step}`);
        await screenshot(page, `report-step-${step}`);
        if (step < stepCount) {
          await current.locator('button.step-next').click();
        }
      }
      const missing = fields.map(([selector]) => selector).filter((selector) => !placed.has(selector));
      assert.deepEqual(missing, [], 'every field is in one of the steps');

      // Back and forth keeps what was typed.
      const last = page.locator(`form#report-form fieldset.step[data-step="${stepCount}"]`);
      await last.locator('button.step-back').click();
      await page.locator(`form#report-form fieldset.step[data-step="${stepCount - 1}"]`).waitFor({ state: 'visible' });
      await page.locator(`form#report-form fieldset.step[data-step="${stepCount - 1}"] button.step-next`).click();
      await last.waitFor({ state: 'visible' });

      // The last step's submit button (#report-submit, the no-JavaScript one, or the script's own).
      await page
        .locator('form#report-form')
        .locator('button#report-submit, button[type=submit]')
        .filter({ visible: true })
        .first()
        .click();
      fullReportReceipt = await readReceipt(page);
      await expectLayout(page);
      const nextSteps = await page.locator('#next-steps').innerText();
      assert.ok(digits(nextSteps).includes('1900545413'), `#next-steps names Vietcombank's hotline 1900 54 54 13: ${nextSteps}`);
      await checkAccessibility(page, 'report-receipt');
      await screenshot(page, 'report-receipt');
    });

    // Another attempt: the draft is kept in the browser and comes back after a reload.
    await withPage(t, async (page) => {
      const draft = 'Bản nháp: kẻ gian gọi từ số 0912 000 111, tự xưng công an.';
      await open(page, '/report');
      await page.locator('textarea#narrative').fill(draft);
      await page.locator('textarea#narrative').blur();
      // Saved as it is typed, on change, or when the page goes: any of them will do.
      const savedBeforeReload = await page
        .waitForFunction(
          (text) => (window.localStorage.getItem('canhgiac.report-draft') ?? '').includes(text.slice(0, 20)),
          draft,
          { timeout: 5_000 },
        )
        .then(() => true, () => false);
      await page.reload();
      assert.ok(
        await page.evaluate(() => window.localStorage.getItem('canhgiac.report-draft') !== null),
        `the draft is kept in localStorage under canhgiac.report-draft (saved before the reload: ${savedBeforeReload})`,
      );
      await page.locator('textarea#narrative').waitFor();
      await page.waitForFunction((text) => document.querySelector('textarea#narrative')?.value === text, draft, {
        timeout: 10_000,
      });
      await screenshot(page, 'report-draft-restored');
    });
  });

  test('(m) several transfers with JavaScript: a row added in the page, kept by the draft, both payer banks named', TEST, async (t) => {
    await withPage(t, async (page) => {
      await open(page, '/report');
      await page.evaluate(() => window.localStorage.removeItem('canhgiac.report-draft'));
      await page.reload();
      const step = (n) => page.locator(`form#report-form fieldset.step[data-step="${n}"]`);
      await setField(page, step(1), ['select#scam_type', 'select', 'task_scam']);
      await step(1).locator('textarea#narrative').fill('Họ bảo làm nhiệm vụ; tôi nộp tiền hai lần, từ hai ngân hàng.');
      await step(1).locator('button.step-next').click();
      await step(2).locator('textarea#contacts').fill('0912 000 111');
      await step(2).locator('button.step-next').click();
      await step(3).locator('#from_bank').fill('VCB');
      await step(3).locator('#to_bank').fill('BIDV');
      await step(3).locator('#to_account').fill('21510001234567');
      await step(3).locator('#amount_vnd').fill('5000000');
      await step(3).locator('button.add-transfer').click();
      await step(3).locator('#from_bank-2').waitFor({ state: 'visible' });
      assert.equal(await page.locator('fieldset.transfer').count(), 2, 'a second row of the money trail');
      assert.equal(await page.locator('#to_account-2').inputValue(), '', 'the new row starts empty');
      await step(3).locator('#from_bank-2').fill('BIDV');
      await step(3).locator('#to_bank-2').fill('MB');
      await step(3).locator('#to_account-2').fill('0981234567');
      await step(3).locator('#amount_vnd-2').fill('20000000');
      // The draft keeps the added row across a reload.
      await page.reload();
      await page.waitForFunction(() => document.querySelector('#to_account-2')?.value === '0981234567', null, {
        timeout: 10_000,
      });
      await step(1).locator('button.step-next').click();
      await step(2).locator('button.step-next').click();
      await step(3).waitFor({ state: 'visible' });
      await checkAccessibility(page, 'report-two-transfers');
      await screenshot(page, 'report-two-transfers');
      await step(3).locator('button.step-next').click();
      await step(4).locator('button.step-next').click();
      await step(5).locator('input[name=identity][value=anonymous]').check();
      await step(5).locator('button#report-submit').click();
      await readReceipt(page);
      const nextSteps = await page.locator('#next-steps').innerText();
      assert.ok(
        digits(nextSteps).includes('1900545413') && digits(nextSteps).includes('19009247'),
        `#next-steps names both payer banks' hotlines (Vietcombank 1900 54 54 13, BIDV 1900 9247): ${nextSteps}`,
      );
    });
  });

  test('(f) tracking: the code and secret show the status and its history; a wrong secret is refused', TEST, async (t) => {
    let receipt = fullReportReceipt;
    if (!receipt) {
      t.diagnostic('the full-report test left no receipt: sending a report without JavaScript for this test');
      receipt = await submitReportWithoutJs(t, { narrative: 'Báo cáo để thử tra cứu: số 0912 000 111 gọi lừa.' });
    }
    await withPage(t, async (page) => {
      await open(page, '/track');
      await expectLayout(page);
      await checkAccessibility(page, 'track-form');
      await screenshot(page, 'track-form');

      await track(page, receipt);
      const status = page.locator('#report-status');
      await status.waitFor();
      assert.ok(await status.getAttribute('data-status'), '#report-status[data-status]');
      assert.ok((await page.locator('#status-history li').count()) >= 1, 'the history has an entry');
      assert.ok((await page.locator('#narrative').innerText()).trim().length > 0, "the report's own words are shown");
      await checkAccessibility(page, 'track-result');
      await screenshot(page, 'track-result');

      await track(page, { code: receipt.code, secret: wrongSecret(receipt.secret) });
      await page.locator('#form-error').waitFor();
      assert.equal(await page.locator('#report-status').count(), 0, 'no status for a wrong secret');
      await checkAccessibility(page, 'track-wrong-secret');
      await screenshot(page, 'track-wrong-secret');
    });
  });

  test('(g) the language switch: English is remembered across pages, and back', TEST, async (t) => {
    await withPage(t, async (page) => {
      await open(page, '/');
      await expectLayout(page, { lang: 'vi' });
      await page.locator('a#lang-switch').click();
      await page.locator('html[lang=en]').waitFor({ state: 'attached' });
      assert.equal(new URL(page.url()).pathname, '/', 'the switch comes back to the page it was on');
      await checkAccessibility(page, 'home-en');
      await screenshot(page, 'home-en');

      await open(page, '/scams');
      await expectLayout(page, { lang: 'en' });
      await open(page, '/report');
      await expectLayout(page, { lang: 'en' });
      await screenshot(page, 'report-en');

      await page.locator('a#lang-switch').click();
      await page.locator('html[lang=vi]').waitFor({ state: 'attached' });
      assert.equal(new URL(page.url()).pathname, '/report', 'the switch comes back to the page it was on');
      await open(page, '/');
      await expectLayout(page, { lang: 'vi' });
    });
  });

  test('(h) without JavaScript: every step shows and the whole form is sent', TEST, async (t) => {
    await withPage(
      t,
      async (page) => {
        await open(page, '/report');
        await expectLayout(page);
        const steps = page.locator('form#report-form fieldset.step');
        const total = await steps.count();
        assert.ok(total >= 5, `five steps, found ${total}`);
        assert.equal(await steps.filter({ visible: true }).count(), total, 'every step is shown');
        assert.equal(await page.locator('form#report-form input[type=hidden][name=csrf]').count(), 1, 'the form carries its csrf field');
        await screenshot(page, 'report-no-js');
      },
      { context: { javaScriptEnabled: false } },
    );
    const receipt = await submitReportWithoutJs(t, {
      narrative: 'Không có JavaScript: số 0912 000 111 gọi giả danh ngân hàng.',
      screenshotName: 'report-no-js-receipt',
    });
    assert.ok(receipt.code);
  });

  test('(i) a report narrative is shown as text, never run as HTML', TEST, async (t) => {
    const receipt = await submitReportWithoutJs(t, { narrative: XSS_NARRATIVE });
    await withPage(t, async (page) => {
      await track(page, receipt);
      const narrative = page.locator('#narrative');
      await narrative.waitFor();
      const text = await narrative.textContent();
      assert.ok(text.includes('<script>window.__xss=1</script>'), `#narrative shows the markup as text: ${text}`);
      assert.ok(text.includes('<img src=x'), `#narrative shows the img tag as text: ${text}`);
      assert.equal(await narrative.locator('img, script').count(), 0, 'no element made from the narrative');
      await page.waitForTimeout(300);
      assert.equal(await page.evaluate(() => window.__xss), undefined, 'the injected script never ran');
      await screenshot(page, 'track-xss');
    });
  });

  test('(j) the scam library: at least 20 scams, each with how it works, its signs, what to do', TEST, async (t) => {
    await withPage(t, async (page) => {
      await open(page, '/scams');
      await expectLayout(page);
      const links = page.locator('a.scam-link');
      const count = await links.count();
      assert.ok(count >= 20, `at least 20 a.scam-link, found ${count}`);
      await checkAccessibility(page, 'scams');
      await screenshot(page, 'scams');

      const href = await links.first().getAttribute('href');
      assert.match(href ?? '', /\/scams\/[a-z_]+$/, `a.scam-link goes to /scams/{code}, found ${href}`);
      await links.first().click();
      await page.waitForURL(/\/scams\/[a-z_]+$/);
      await expectLayout(page);
      for (const selector of ['h1', '#how', '#signs', '#what-to-do']) {
        assert.ok((await page.locator(selector).count()) >= 1, `${selector} on ${page.url()}`);
        assert.ok((await page.locator(selector).first().innerText()).trim().length > 0, `${selector} has text`);
      }
      await checkAccessibility(page, 'scam-detail');
      await screenshot(page, 'scam-detail');

      await open(page, '/scams/no_such_scam', 404);
    });
  });

  test('(k) /docs: the Swagger UI renders the API reference under the CSP', TEST, async (t) => {
    await withPage(t, async (page) => {
      await open(page, '/docs');
      await page.locator('.swagger-ui').first().waitFor({ timeout: 60_000 });
      await page.locator('.swagger-ui .opblock').first().waitFor({ timeout: 60_000 });
      assert.ok((await page.locator('.swagger-ui .opblock').count()) >= 1, 'at least one operation');
      await screenshot(page, 'docs');
    });
  });

  test('(l) the home page weighs at most 100 KB over the wire', TEST, async (t) => {
    await withPage(t, async (page) => {
      const responses = [];
      page.on('response', (response) => responses.push(response));
      await open(page, '/');
      await page.waitForLoadState('networkidle');
      let total = 0;
      const lines = [];
      for (const response of responses) {
        const sizes = await response.request().sizes().catch(() => null);
        let bytes = sizes?.responseBodySize ?? 0;
        if (bytes <= 0 && response.status() === 200) {
          bytes = (await response.body().catch(() => Buffer.alloc(0))).length;
        }
        total += bytes;
        lines.push(`${String(bytes).padStart(8)}  ${response.status()} ${response.request().resourceType()} ${response.url()}`);
      }
      t.diagnostic(`home page transfer: ${total} bytes`);
      for (const line of lines) t.diagnostic(line);
      assert.ok(responses.length >= 1);
      assert.ok(total <= 100 * 1024, `the home page is ${total} bytes, over 100 KB:\n${lines.join('\n')}`);
      await screenshot(page, 'home-weight');
    }, { viewport: VIEWPORTS.narrow });
  });
});
