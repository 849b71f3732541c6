// The command line's words for the engine's hints: every hint names a flag or command, errors and warnings carry
// the advice in text and --json (hint kept as a field), and a subject's control characters never reach a terminal.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { ERROR_HINTS, registryOfSubject } from '../../../shared/errors.js';
import { FerryError } from '../../engine/errors/ferry-error.js';
import { CLI_HINTS, cliAdvice, cliErrorJson, withAdviceField, withCliAdvice } from './error-hints.js';
import { createProgressPrinter } from './progress-printer.js';

function sink(): Writable & { text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return Object.assign(stream, { isTTY: false, text: () => Buffer.concat(chunks).toString('utf8') });
}

describe('CLI hints', () => {
  test('every hint has advice naming a flag or a command', () => {
    assert.deepEqual(Object.keys(CLI_HINTS).sort(), [...ERROR_HINTS].sort());
    for (const hint of ERROR_HINTS) {
      const text = cliAdvice(hint, 'registry.local:5000/team/app:1');
      assert.ok(text && /--[a-z]|ferry [a-z]|docker login/.test(text), `${hint}: ${text}`);
      assert.match(text, /\.$/, hint);
    }
  });

  test('a TLS failure names the registry of its subject, as the old message did', () => {
    assert.equal(
      cliAdvice('tls-trust', '127.0.0.1:5000/test/single:1'),
      "If the registry uses a private CA, pass --ca-file with that CA's PEM file; if you trust it as it is, pass --insecure-registry 127.0.0.1:5000.",
    );
    assert.match(cliAdvice('tls-trust', 'registry.local')!, /--insecure-registry registry\.local\.$/);
    assert.match(cliAdvice('tls-trust', undefined)!, /--insecure-registry HOST\[:PORT\]\.$/);
    assert.match(cliAdvice('log-in', 'docker.io/library/nginx:1.27')!, /docker login docker\.io/);
    assert.equal(registryOfSubject('library/nginx:1'), 'docker.io');
    assert.equal(registryOfSubject('localhost/app:1'), 'localhost');
    assert.equal(registryOfSubject('nginx'), undefined);
  });

  test('errors: the message, then the advice; --json keeps hint and adds advice', () => {
    const error = new FerryError('tls', 'The TLS connection to 127.0.0.1:5000 failed (SELF_SIGNED_CERT_IN_CHAIN).', { subject: '127.0.0.1:5000/a/b:1', hint: 'tls-trust' });
    const serialized = error.toJSON();
    assert.equal(serialized.hint, 'tls-trust');
    assert.match(withCliAdvice(serialized.message, serialized.hint, serialized.subject), /failed \(SELF_SIGNED_CERT_IN_CHAIN\)\. If the registry uses a private CA, pass --ca-file/);
    const json = cliErrorJson(serialized);
    assert.equal(json.hint, 'tls-trust');
    assert.match(json.advice ?? '', /--insecure-registry 127\.0\.0\.1:5000/);
    // no hint: unchanged
    assert.deepEqual(cliErrorJson({ code: 'io', message: 'x' }), { code: 'io', message: 'x' });
    assert.equal(withCliAdvice('x', undefined), 'x');
    // a policy violation or a media problem in --json: the same
    const violation = withAdviceField({ rule: 'requireCosignSignature', message: 'not checked', subject: 'a/b:1', hint: 'cosign-key' as const });
    assert.equal(violation.hint, 'cosign-key');
    assert.equal(violation.advice, 'Give the cosign public keys with --cosign-key PUB.');
    const plainViolation: { rule: string; message: string; subject?: string } = { rule: 'x', message: 'y' };
    assert.equal(withAdviceField(plainViolation).advice, undefined);
  });

  test('warnings print their advice, plain and --json; a hostile subject is escaped', async () => {
    const plain = sink();
    (await createProgressPrinter('plain', plain)).onProgress({ kind: 'warning', message: 'Foreign layer sha256:1 of a/b:1 is not carried.', subject: 'a/b:1', hint: 'include-foreign-layers' });
    assert.equal(plain.text(), 'warning: Foreign layer sha256:1 of a/b:1 is not carried. Bundle again with --include-foreign-layers to carry them.\n');

    const json = sink();
    (await createProgressPrinter('json', json)).onProgress({ kind: 'warning', message: 'one part', hint: 'split' });
    const line = JSON.parse(json.text()) as Record<string, unknown>;
    assert.equal(line.hint, 'split');
    assert.match(String(line.advice), /--split SIZE/);

    const hostile = cliAdvice('tls-trust', 'evil\u001b]0;x\u0007.host/a:1')!;
    // eslint-disable-next-line no-control-regex -- the characters under test
    assert.doesNotMatch(hostile, /[\u0000-\u001f\u007f-\u009f]/);
  });
});
