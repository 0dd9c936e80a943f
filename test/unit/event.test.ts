import { describe, expect, it } from 'vitest';
import { EventError, parseEvent, type RunRequest } from '../../lib/event.js';

/**
 * parseEvent: the Function Compute event read strictly. A timer event runs at its triggerTime; a
 * manual event may narrow; every wrong event is one EventError naming the field and the form.
 */

const T = Date.parse('2026-11-24T12:00:00Z');

const parse = (text: string): RunRequest => parseEvent(Buffer.from(text));

/** The EventError parseEvent throws for `text`; fails the test when it returns instead. */
function refusal(text: string): EventError {
  let result: RunRequest | undefined;
  try {
    result = parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(EventError);
    const e = error as EventError;
    expect(e.name).toBe('EventError');
    // One clear line: no stack frames or "[object Object]" leaking into the message.
    expect(e.message).not.toMatch(/^\s+at /m);
    expect(e.message).not.toContain('[object');
    expect(e.message.split('\n')).toHaveLength(1);
    return e;
  }
  throw new Error(`expected an EventError for ${text}, got ${JSON.stringify(result)}`);
}

describe('parseEvent: timer events', () => {
  it('reads a timer event from a Buffer: trigger timer, at = triggerTime', () => {
    expect(parse('{"triggerTime":"2026-11-24T12:00:00Z","triggerName":"t","payload":"x"}')).toEqual({
      trigger: 'timer',
      at: T,
      dryRun: false,
      force: false,
    });
  });

  it('reads the same event given as a string, and without the optional fields', () => {
    expect(parseEvent('{"triggerTime":"2026-11-24T12:00:00Z"}')).toEqual({ trigger: 'timer', at: T, dryRun: false, force: false });
  });

  it('takes the offset of triggerTime into account', () => {
    expect(parse('{"triggerTime":"2026-11-24T20:00:00+08:00","triggerName":"t"}').at).toBe(T);
  });

  it('refuses a triggerTime that is not a date, naming triggerTime and the form', () => {
    const e = refusal('{"triggerTime":"yesterday","triggerName":"t"}');
    expect(e.message).toBe(
      `timer event: field "triggerTime": 'yesterday' is not an ISO instant with Z or an offset, e.g. "2026-11-24T12:00:00Z"`,
    );
  });

  it('refuses a triggerTime that is not text, naming triggerTime and an example', () => {
    const e = refusal('{"triggerTime":1795521600000,"triggerName":"t"}');
    expect(e.message).toContain('triggerTime');
    expect(e.message).toContain('"2026-11-24T12:00:00Z"');
  });

  // Date.parse alone would read "11/24/2026 20:00" in the process's zone (UTC in FC), 8 h off Shanghai.
  it('refuses a triggerTime that is not an ISO instant with an offset', () => {
    const e = refusal('{"triggerTime":"11/24/2026 20:00","triggerName":"t"}');
    expect(e.message).toContain('triggerTime');
    expect(e.message).toContain('11/24/2026 20:00');
  });

  // Dropping them silently would turn {"triggerTime", "dryRun": true} into a real run.
  it('refuses manual fields beside triggerTime instead of dropping them (dryRun would be ignored)', () => {
    const e = refusal('{"triggerTime":"2026-11-24T12:00:00Z","triggerName":"t","dryRun":true}');
    expect(e.message).toContain('dryRun');
  });

  it('names triggerName, not triggerTime, when triggerName has the wrong type', () => {
    const e = refusal('{"triggerTime":"2026-11-24T12:00:00Z","triggerName":5}');
    expect(e.message).toContain('triggerName');
  });
});

describe('parseEvent: manual events', () => {
  it('reads an empty Buffer as a manual run at "now" (no at)', () => {
    const request = parseEvent(Buffer.alloc(0));
    expect(request).toEqual({ trigger: 'manual', dryRun: false, force: false });
    expect('at' in request).toBe(false);
  });

  it('reads whitespace, undefined, null and {} the same way', () => {
    const expected: RunRequest = { trigger: 'manual', dryRun: false, force: false };
    expect(parse(' \n\t')).toEqual(expected);
    expect(parseEvent(undefined)).toEqual(expected);
    expect(parseEvent(null)).toEqual(expected);
    expect(parse('{}')).toEqual(expected);
  });

  it('reads {"dryRun":true}', () => {
    expect(parse('{"dryRun":true}')).toEqual({ trigger: 'manual', dryRun: true, force: false });
  });

  it('reads {"at": ...+08:00} as that instant', () => {
    expect(parse('{"at":"2026-11-24T20:00:00+08:00"}')).toEqual({ trigger: 'manual', at: T, dryRun: false, force: false });
    expect(parse('{"at":"2026-11-24T12:00:00Z"}').at).toBe(T);
  });

  it('reads rules and action', () => {
    expect(parse('{"rules":["dev-nights"],"action":"stop"}')).toEqual({
      trigger: 'manual',
      rules: ['dev-nights'],
      action: 'stop',
      dryRun: false,
      force: false,
    });
    expect(parse('{"rules":["dev-nights","demo-boxes"],"action":"start","force":true,"dryRun":true}')).toEqual({
      trigger: 'manual',
      rules: ['dev-nights', 'demo-boxes'],
      action: 'start',
      dryRun: true,
      force: true,
    });
  });
});

describe('parseEvent: wrong events', () => {
  it('refuses text that is not JSON, saying so and showing the manual form', () => {
    const e = refusal('{dryRun: true}');
    expect(e.message).toMatch(/^the event is not JSON \(/);
    expect(e.message).toContain('"dryRun"?: true|false');
  });

  it.each(['[]', '[{"dryRun":true}]', 'null', '42', '"dryRun"', 'true'])('refuses %s: the event must be a JSON object', (text) => {
    const e = refusal(text);
    expect(e.message).toMatch(/^the event must be a JSON object: \{"at"\?: ISO instant/);
  });

  it('refuses an unknown field, naming it ("dryrun", not "dryRun")', () => {
    const e = refusal('{"dryrun":true}');
    expect(e.message).toMatch(/^unknown field "dryrun"; a manual event is \{/);
  });

  it('names every unknown field', () => {
    const e = refusal('{"dryRun":true,"when":"now","rule":"dev-nights"}');
    expect(e.message).toContain('"when"');
    expect(e.message).toContain('"rule"');
  });

  it('refuses a wrong type, naming the field and the expected type', () => {
    const e = refusal('{"dryRun":"yes"}');
    expect(e.message).toMatch(/^field "dryRun": /);
    expect(e.message).toContain('expected boolean');
    expect(refusal('{"force":1}').message).toMatch(/^field "force": .*expected boolean/);
    expect(refusal('{"rules":"dev-nights"}').message).toMatch(/^field "rules": .*expected array/);
    expect(refusal('{"at":1795521600000}').message).toMatch(/^field "at": .*expected string/);
  });

  it('refuses `at` without an offset, naming at and showing an example with one', () => {
    const e = refusal('{"at":"2026-11-24T20:00:00"}');
    expect(e.message).toBe(`field "at": '2026-11-24T20:00:00' needs an offset or Z, e.g. "2026-11-24T20:00:00+08:00"`);
  });

  it('refuses an `at` that is not a date-time', () => {
    const e = refusal('{"at":"2026-13-24T20:00:00Z"}');
    expect(e.message).toMatch(/^field "at": '2026-13-24T20:00:00Z' /);
  });

  it('refuses a bad action, naming action and the two allowed values', () => {
    const e = refusal('{"action":"pause"}');
    expect(e.message).toMatch(/^field "action": /);
    expect(e.message).toContain('"stop"');
    expect(e.message).toContain('"start"');
  });

  it('refuses an empty rules list and a rule name that cannot exist', () => {
    expect(refusal('{"rules":[]}').message).toMatch(/^field "rules": /);
    expect(refusal('{"rules":["Dev_Nights"]}').message).toMatch(/^field "rules\.0": /);
  });
});
