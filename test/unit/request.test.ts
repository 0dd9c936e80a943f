import { describe, expect, it } from 'vitest';
import { narrowingOf, RequestError, type RunRequest } from '../../lib/request.js';

/**
 * narrowingOf: the one place a request's narrowing is worked out, for the handler, `offpeak run`
 * and the tests alike. The rule-name check lives here so no door can skip it or word it otherwise.
 */

const KNOWN = ['dev-nights', 'staging-weekends', 'demo-boxes'];
const timer: RunRequest = { trigger: 'timer', at: 0, dryRun: false, force: false };
const manual: RunRequest = { trigger: 'manual', dryRun: false, force: false };

function refusal(request: RunRequest, known: readonly string[] = KNOWN): RequestError {
  try {
    narrowingOf(request, known);
  } catch (error) {
    expect(error).toBeInstanceOf(RequestError);
    return error as RequestError;
  }
  throw new Error('expected a RequestError');
}

describe('narrowingOf', () => {
  it('a timer tick follows edges: not manual, no narrowing', () => {
    expect(narrowingOf(timer, KNOWN)).toEqual({ manual: false });
  });

  it('a manual request with an action converges on the state at T (manual); without one it follows edges', () => {
    expect(narrowingOf({ ...manual, action: 'stop' }, KNOWN)).toEqual({ manual: true, action: 'stop' });
    expect(narrowingOf({ ...manual, rules: ['dev-nights'] }, KNOWN)).toEqual({ manual: false, rules: ['dev-nights'] });
    expect(narrowingOf(manual, KNOWN)).toEqual({ manual: false });
  });

  it('refuses an unknown rule name, listing the known rules, and names the request field', () => {
    const e = refusal({ ...manual, rules: ['dev-nights', 'nope'], action: 'stop' });
    expect(e.field).toBe('rules');
    expect(e.message).toBe(`no rule named 'nope'; the schedules have 'dev-nights', 'staging-weekends', 'demo-boxes'`);
  });

  it('says "no rules" when the schedules have none', () => {
    expect(refusal({ ...manual, rules: ['dev-nights'] }, []).message).toBe(`no rule named 'dev-nights'; the schedules have no rules`);
  });

  it('20,000 unknown names give a message of bounded size: a few named, then how many more', () => {
    const rules = Array.from({ length: 20_000 }, (_, i) => `rule-${i}`);
    const e = refusal({ ...manual, rules });
    expect(e.message.length).toBeLessThan(400);
    expect(e.message).toContain("'rule-0', 'rule-1'");
    expect(e.message).toContain('and 19,995 more');
  });
});
