import { withLedger } from '../cloud/ledger.js';
import { MutationRefused } from '../cloud/refuse.js';
import type { Decision } from '../plan/decide.js';
import { snoozeEnded } from '../plan/snooze.js';
import { SNOOZE_TAG } from '../plan/targets.js';
import type { Rule } from '../schedule/rule.js';
import type { ExecuteContext } from './context.js';

/**
 * Ended snooze tags are removed once the run has acted on their resources (a wake's end is an
 * edge, seen once): only on the targets of rules that let people wake them, since those alone have
 * the tag permissions (lib/policy). A removal that fails is said in the result and tried again by
 * the next run, which finds the tag still ended and the resource already stopped.
 */

/** Removes the ended snooze tags of the decided resources; returns what to say per resource key. */
export async function forgetEndedSnoozes(
  decisions: readonly Decision[],
  rules: readonly Rule[],
  ctx: ExecuteContext,
): Promise<Map<string, string>> {
  const waking = new Set(rules.filter((r) => r.wake !== undefined).map((r) => r.name));
  const ended = decisions.filter((d) => d.rules.some((r) => waking.has(r)) && snoozeEnded(d.resource, ctx.at) !== undefined);
  const said = new Map<string, string>();
  await Promise.all(
    ended.map(async (d) => {
      const { product, region, id } = d.resource;
      const key = `${product}:${region}:${id}`;
      try {
        await withLedger(() => ctx.apis[product].untag(region, [id], [SNOOZE_TAG]));
        said.set(key, `ended ${SNOOZE_TAG} tag removed`);
      } catch (error) {
        if (error instanceof MutationRefused) return void said.set(key, `dry run: the ended ${SNOOZE_TAG} tag would be removed`);
        // Stryker: equivalent — what the clients throw carries a code (CloudError, the gate's DeadlineError): only a bug reaches 'error'.
        // Stryker disable next-line StringLiteral: equivalent (see the line above)
        const code = (error as { code?: string }).code ?? 'error';
        said.set(key, `ended ${SNOOZE_TAG} tag not removed (${code}); the next run tries again`);
      }
    }),
  );
  return said;
}
