// The harness itself: the platform starts seeded, the browser launches, screenshots are written, and the
// checks the page tests rely on (axe, CSP violations, console errors) do catch what they are meant to catch.
// Independent of the portal's pages, so it says whether a failure is the harness's or the portal's.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { checkAccessibility, closeBrowser, closePage, launchBrowser, newPage, problems, screenshot } from '../lib/browser.mjs';
import { SEED, startServer } from '../lib/server.mjs';

// The payload in e2e/fixtures/vietqr.png (see fixtures/make_vietqr.py).
const FIXTURE_VIETQR = '00020101021238540010A00000072701240006970436011012345678900208QRIBFTTA53037045802VN63048DF2';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:";

const GOOD_PAGE = `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kiểm tra khung thử</title><link rel="stylesheet" href="/style.css"></head>
<body><header><a class="skip-link" href="#main">Bỏ qua</a></header>
<main id="main"><h1>Cảnh giác</h1><p>Trang thử của bộ kiểm thử.</p>
<form><label for="q">Số điện thoại</label><input id="q" name="q"><button>Kiểm tra</button></form></main>
<footer><p>e2e</p></footer><script src="/ok.js"></script></body></html>`;

const BAD_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>bad</title></head>
<body><img src="/pixel.png"><input type="text"><script>window.inline = 1</script></body></html>`;

const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/// A tiny site with the portal's CSP, for the harness's own checks.
function startStaticSite() {
  const pages = {
    '/good': ['text/html; charset=utf-8', GOOD_PAGE],
    '/bad': ['text/html; charset=utf-8', BAD_PAGE],
    '/style.css': ['text/css', 'body{font-family:sans-serif;color:#111;background:#fff;margin:1rem}'],
    '/ok.js': ['text/javascript', 'document.documentElement.dataset.js = "on";'],
    '/error.js': ['text/javascript', 'throw new Error("boom from error.js")'],
    '/pixel.png': ['image/png', PIXEL],
  };
  const server = http.createServer((request, response) => {
    const path = new URL(request.url, 'http://x').pathname;
    const page = pages[path];
    if (!page) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': page[0], 'content-security-policy': CSP }).end(page[1]);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}`, server }));
  });
}

describe('harness', () => {
  let platform;
  let site;

  before(async () => {
    platform = await startServer();
    site = await startStaticSite();
    await launchBrowser({ baseURL: platform.baseURL });
  });

  after(async () => {
    await closeBrowser();
    site?.server.close();
    await platform?.stop();
  });

  test('the server answers /healthz and knows the seeded contacts', async () => {
    const health = await fetch(`${platform.baseURL}/healthz`);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).status, 'ok');
    const cases = [
      [SEED.phone, '+84912000111'],
      [SEED.domain, SEED.domain],
      [`stk ${SEED.bankAccountNumber} VCB`, SEED.bankAccount],
      // The QR fixture pays the seeded account.
      [FIXTURE_VIETQR, SEED.bankAccount],
    ];
    for (const [query, canonical] of cases) {
      const response = await fetch(`${platform.baseURL}/v1/check?q=${encodeURIComponent(query)}`);
      assert.equal(response.status, 200, `GET /v1/check?q=${query}`);
      const body = await response.json();
      assert.equal(body.canonical, canonical, query);
      assert.notEqual(body.verdict, 'no_data', `${query} should be flagged by the seed`);
    }
    const unknown = await (await fetch(`${platform.baseURL}/v1/check?q=${encodeURIComponent('0987 654 321')}`)).json();
    assert.equal(unknown.verdict, 'no_data');
  });

  test('the browser reaches the server, takes screenshots and runs axe under a strict CSP', async () => {
    const page = await newPage();
    try {
      const response = await page.goto('/healthz');
      assert.equal(response.status(), 200);
      assert.match(await page.textContent('body'), /"status":"ok"/);

      await page.goto(`${site.url}/good`);
      // The page's own script ran: scripts from 'self' are allowed.
      await page.waitForSelector('html[data-js=on]');
      const files = await screenshot(page, 'harness-good');
      for (const file of files) {
        assert.ok(fs.statSync(file).size > 1000, `${file} written`);
      }
      assert.deepEqual(page.viewportSize(), { width: 1280, height: 800 }, 'the viewport is restored');
      const results = await checkAccessibility(page, 'harness-good');
      assert.ok(Array.isArray(results.violations), 'axe ran and reported');
    } finally {
      await closePage(page);
    }
  });

  test('the checks catch a CSP violation, an inaccessible page and a failed subresource', async () => {
    const page = await newPage();
    try {
      await page.goto(`${site.url}/bad`);
      await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)));
      await assert.rejects(checkAccessibility(page, 'harness-bad'), /image-alt|label/);
      // A script the page loads that throws, and one that is not there.
      await page.evaluate((url) => {
        for (const name of ['error.js', 'missing.js']) {
          const script = document.createElement('script');
          script.src = `${url}/${name}`;
          document.body.append(script);
        }
      }, site.url);
      await page.waitForTimeout(500);
      const found = problems(page).join('\n');
      assert.match(found, /CSP violation .*script-src/, found);
      assert.match(found, /boom from error\.js/, found);
      assert.match(found, /missing\.js answered 404/, found);
    } finally {
      await page.context().close();
    }
  });

  test('a document answered 4xx is not a problem in itself', async () => {
    const page = await newPage();
    try {
      const response = await page.goto('/no-such-page-e2e');
      assert.equal(response.status(), 404);
    } finally {
      await closePage(page);
    }
  });
});
