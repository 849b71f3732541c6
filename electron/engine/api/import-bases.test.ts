import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API_INPUTS } from '../../../shared/api-contract.js';

test('bundle.import takes bases (a delta\'s earlier bundles) for a folder or containerd, never with a registry', () => {
  const schema = API_INPUTS['bundle.import'];
  const dirs = ['/media/stick/delta'];
  const bases = ['/media/stick/week-1', '/media/stick2/week-1'];
  assert.deepEqual(schema.parse({ dirs, toDir: '/var/lib/k0s/images', bases }).bases, bases);
  assert.deepEqual(schema.parse({ dirs, toContainerd: '/run/containerd/containerd.sock', bases }).bases, bases);
  const withRegistry = schema.safeParse({ dirs, to: 'registry.local:5000/mirror', bases });
  assert.equal(withRegistry.success, false);
  assert.match(JSON.stringify(withRegistry.error?.issues), /a registry \(to\) must hold them itself/);
  assert.equal(schema.safeParse({ dirs, to: 'registry.local:5000/mirror', bases: [] }).success, true);
});
