// The app shell's store: which wizard opens, over a real in-memory storage with localStorage's getItem/setItem
// semantics (the store calls no API, so there is no host to run it over).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FIRST_WIZARD, WIZARD_KEY, WIZARDS, createAppStore, isWizard, storedWizard, type WizardStorage } from './app-store.js';

/** A storage like the browser's: string values by key. */
function memoryStorage(initial: Record<string, string> = {}): WizardStorage & { values: Map<string, string> } {
  const values = new Map(Object.entries(initial));
  return { values, getItem: (key) => values.get(key) ?? null, setItem: (key, value) => void values.set(key, String(value)) };
}

describe('the app store', () => {
  test('opens on Prepare when nothing is remembered (or there is no storage)', () => {
    assert.equal(FIRST_WIZARD, 'prepare');
    assert.equal(createAppStore(memoryStorage()).getState().wizard, 'prepare');
    assert.equal(createAppStore(undefined).getState().wizard, 'prepare');
  });

  test('remembers the last wizard shown, and a new store (a restart) opens on it', () => {
    const storage = memoryStorage();
    const store = createAppStore(storage);
    store.getState().showWizard('import');
    assert.equal(store.getState().wizard, 'import');
    assert.equal(storage.values.get(WIZARD_KEY), 'import');
    assert.equal(createAppStore(storage).getState().wizard, 'import');
    store.getState().showWizard('review');
    assert.equal(createAppStore(storage).getState().wizard, 'review');
  });

  test('ignores a stored value that is not a wizard', () => {
    for (const bad of ['settings', 'Review', ' review', '', '"review"', '{"wizard":"review"}', '__proto__', 'constructor', 'x'.repeat(10_000)]) {
      assert.equal(createAppStore(memoryStorage({ [WIZARD_KEY]: bad })).getState().wizard, 'prepare', JSON.stringify(bad.slice(0, 30)));
    }
    assert.equal(storedWizard(memoryStorage({ [WIZARD_KEY]: 'import' })), 'import');
  });

  test('a storage that throws (refused, full) neither breaks opening nor switching', () => {
    const refusing: WizardStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    const store = createAppStore(refusing);
    assert.equal(store.getState().wizard, 'prepare');
    store.getState().showWizard('review');
    assert.equal(store.getState().wizard, 'review');
  });

  test('showWizard refuses a name that is not a wizard (a host command is outside input)', () => {
    const storage = memoryStorage();
    const store = createAppStore(storage);
    store.getState().showWizard('review');
    store.getState().showWizard('settings' as never);
    assert.equal(store.getState().wizard, 'review');
    assert.equal(storage.values.get(WIZARD_KEY), 'review');
    assert.deepEqual(WIZARDS.filter(isWizard), [...WIZARDS]);
  });
});
