import assert from 'node:assert/strict';
import { test } from 'node:test';
import { APP_CSP, appResponseHeaders, resolveAppPath } from './app-protocol.js';

const root = '/opt/ferry/dist/renderer';

test('app:// URLs map to files inside the renderer folder, / to index.html', () => {
  assert.equal(resolveAppPath(root, 'app://ferry/'), `${root}/index.html`);
  assert.equal(resolveAppPath(root, 'app://ferry/index.html'), `${root}/index.html`);
  assert.equal(resolveAppPath(root, 'app://ferry/assets/index-abc.js?x=1#y'), `${root}/assets/index-abc.js`);
});

test('a path escaping the folder, another host or a malformed URL serves nothing outside the folder', () => {
  // the URL parser folds plain `..` away, so those land inside the folder (or nowhere): never outside it
  for (const url of ['app://ferry/../../etc/passwd', 'app://ferry/%2e%2e/%2e%2e/etc/passwd', 'app://ferry/..%2f..%2fetc%2fpasswd', 'app://ferry/x/..%2f..%2f..%2fetc%2fpasswd']) {
    const file = resolveAppPath(root, url);
    assert.ok(file === undefined || file.startsWith(`${root}/`), `${url} -> ${file}`);
  }
  assert.equal(resolveAppPath(root, 'app://ferry/x/..%2f..%2f..%2fetc%2fpasswd'), undefined, 'an encoded escape is refused');
  for (const url of ['app://ferry/a%5c..%5c..%5cx', 'app://ferry/%00', 'app://ferry/%E0%A4%A', 'app://other/index.html', 'file:///etc/passwd', '::']) {
    assert.equal(resolveAppPath(root, url), undefined, url);
  }
});

test('every response carries the strict CSP: no inline scripts, no connections, no frames', () => {
  const h = appResponseHeaders('/x/index.html');
  assert.equal(h['Content-Security-Policy'], APP_CSP);
  assert.equal(h['Content-Type'], 'text/html; charset=utf-8');
  assert.match(APP_CSP, /script-src 'self';/);
  assert.doesNotMatch(APP_CSP, /unsafe-inline|unsafe-eval/);
  assert.match(APP_CSP, /connect-src 'none'/);
  assert.match(APP_CSP, /frame-ancestors 'none'/);
});
