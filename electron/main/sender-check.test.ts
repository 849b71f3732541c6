import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrustedSender } from './sender-check.js';

const ours = { frameUrl: 'app://ferry/index.html', topFrame: true, webContentsId: 7 };

test('a call from the top frame of our window on app://ferry/ is trusted', () => {
  assert.equal(isTrustedSender(ours, 7), true);
  assert.equal(isTrustedSender({ ...ours, frameUrl: 'app://ferry/index.html#review' }, 7), true);
});

test('another webContents, a sub-frame, a foreign origin or no window is refused', () => {
  assert.equal(isTrustedSender({ ...ours, webContentsId: 8 }, 7), false, 'another webContents');
  assert.equal(isTrustedSender(ours, undefined), false, 'no window yet');
  assert.equal(isTrustedSender({ ...ours, topFrame: false }, 7), false, 'a sub-frame');
  assert.equal(isTrustedSender({ ...ours, frameUrl: undefined }, 7), false, 'a frame that is gone');
  for (const url of ['https://ferry/index.html', 'file:///work/dist/renderer/index.html', 'app://evil/index.html', 'app://ferry.evil/x', 'app://user:pw@ferry/', 'app://ferry:8080/', 'http://127.0.0.1:5173/', 'not a url', 'about:blank']) {
    assert.equal(isTrustedSender({ ...ours, frameUrl: url }, 7), false, url);
  }
});
