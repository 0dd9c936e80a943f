import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../lib/doors/event.js';

/** The console's wake event: {"wake": {"targets": [...], "for": "3h"}}. */
describe('wake events', () => {
  it('reads targets, the duration and the reason', () => {
    expect(parseEvent('{"wake":{"targets":["dev-api"],"for":"3h","reason":"demo"}}')).toEqual({
      trigger: 'manual',
      dryRun: false,
      force: false,
      wake: { targets: ['dev-api'], for: 3 * 3_600_000, reason: 'demo' },
    });
  });

  it('refuses a duration that is not one, and a wake mixed with a narrowing', () => {
    expect(() => parseEvent('{"wake":{"targets":["dev-api"],"for":"3 hours"}}')).toThrow(
      'field "wake.for": \'3 hours\' is not a positive duration such as "3h"',
    );
    expect(() => parseEvent('{"wake":{"targets":["dev-api"],"for":"3h"},"action":"stop"}')).toThrow(
      'field "wake" goes alone (with "at" and "dryRun" at most); leave out "action"',
    );
  });
});
