import assert from 'node:assert/strict';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';

/**
 * Runs axe-core (WCAG 2.1 A and AA rules) on the page as it is, in light and dark, and fails listing every violation with
 * the elements at fault; the page is left in the light scheme.
 */
export async function auditPage(page: Page, state: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    const problems = result.violations.map((v) => `${v.id} (${v.impact ?? '?'}): ${v.help}\n    ${v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} — ${n.failureSummary?.replace(/\s+/g, ' ') ?? ''}`).join('\n    ')}`);
    assert.deepEqual(problems, [], `${state} (${scheme}): ${problems.length} accessibility violation(s):\n  ${problems.join('\n  ')}`);
    assert.ok(result.passes.length > 10, `${state} (${scheme}): axe ran its checks (${result.passes.length} rules passed)`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}
