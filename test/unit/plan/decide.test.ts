import { describe, expect, it } from 'vitest';
import { decide, type Decided, type Decision, type DecideOptions, type Resource, type ResourceState } from '../../../lib/plan/decide.js';
import type { Intent, RuleIntent } from '../../../lib/plan/intents.js';
import { SNOOZE_TAG } from '../../../lib/plan/targets.js';
import type { Rule } from '../../../lib/schedule/rule.js';
import { compileText } from '../schedule/compile-text.js';

const t = (iso: string) => Date.parse(iso);
// Tue 2026-11-24 20:00 in Asia/Shanghai.
const AT = t('2026-11-24T20:00:00+08:00');
const OPTIONS: DecideOptions = { at: AT, maxStopsPerRun: 50, force: false };

const { rules, lines } = compileText(`version: 1
timezone: Asia/Shanghai
rules:
  - name: nights
    offPeak: ["daily 20:00-08:00"]
    restore: true
    targets:
      swas: [{ region: cn-hangzhou, instanceName: "*" }]
  - name: evenings
    offPeak: ["daily 20:00-23:00"]
    targets:
      swas: [{ region: cn-hangzhou, instanceName: "*" }]
  - name: berlin-days
    timezone: Europe/Berlin
    onPeak: ["Mon-Fri 13:00-17:00"]
    restore: true
    targets:
      sae: [{ region: cn-hangzhou, appName: "*" }]
    exclude:
      ids: [app-excluded]
      tags: { keep: "yes" }
`);

function rule(name: string): Rule {
  const found = rules.find((r) => r.name === name);
  if (!found) throw new Error(`no rule ${name}:\n${lines.join('\n')}`);
  return found;
}

const stopEdge: Intent = { action: 'stop', reason: 'off-peak began Tue 2026-11-24 20:00 +08:00', edgeAt: AT, catchUp: false, kind: 'edge' };
const startEdge: Intent = {
  action: 'start',
  reason: 'off-peak ended Tue 2026-11-24 20:00 +08:00',
  edgeAt: AT,
  catchUp: false,
  kind: 'edge',
};

function swas(id: string, state: ResourceState, over: Partial<Resource> = {}): Resource {
  const status = { running: 'Running', stopped: 'Stopped', stopping: 'Stopping', starting: 'Starting', unavailable: 'Resetting' }[state];
  return { product: 'swas', id, name: `web-${id}`, region: 'cn-hangzhou', tags: {}, state, status, ...over };
}

function sae(id: string, state: ResourceState, over: Partial<Resource> = {}): Resource {
  return {
    product: 'sae',
    id,
    name: `api-${id}`,
    region: 'cn-hangzhou',
    tags: {},
    state,
    status: state === 'running' ? '2/2 instances running' : '0/2 instances running',
    namespaceId: 'cn-hangzhou:dev',
    ...over,
  };
}

const run = (intents: RuleIntent[], selected: Record<string, Resource[]>, options: Partial<DecideOptions> = {}): Decided =>
  decide(intents, new Map(Object.entries(selected)), { ...OPTIONS, ...options });

/** The one decision of a run; fails otherwise. */
function only(decided: Decided): Decision {
  expect(decided.decisions).toHaveLength(1);
  return decided.decisions[0]!;
}

describe('one rule, one resource', () => {
  it('compiles the rules', () => {
    expect(lines).toEqual([]);
    expect(rules.map((r) => r.name)).toEqual(['nights', 'evenings', 'berlin-days']);
  });

  it('a stop intent and a running resource: act, with the intent reason, edge and kind', () => {
    const resource = swas('i-1', 'running');
    const decided = run([{ rule: rule('nights'), intent: stopEdge }], { nights: [resource] });
    expect(decided.guard).toBeUndefined();
    expect(only(decided)).toEqual({
      resource,
      action: 'stop',
      rules: ['nights'],
      verdict: 'act',
      reason: 'off-peak began Tue 2026-11-24 20:00 +08:00',
      edgeAt: AT,
      catchUp: false,
      kind: 'edge',
    });
  });

  it('a stop intent and a stopped resource: skip already', () => {
    const d = only(run([{ rule: rule('nights'), intent: stopEdge }], { nights: [swas('i-1', 'stopped')] }));
    expect(d.verdict).toBe('skip');
    expect(d.skip).toBe('already');
    expect(d.reason).toBe('already stopped');
  });

  it('a stop intent and a stopping resource: skip already', () => {
    const d = only(run([{ rule: rule('nights'), intent: stopEdge }], { nights: [swas('i-1', 'stopping')] }));
    expect(d.verdict).toBe('skip');
    expect(d.skip).toBe('already');
    expect(d.reason).toBe('already stopping');
  });

  it('a start intent: acts on a stopped resource, skips a running or starting one', () => {
    const decided = run([{ rule: rule('nights'), intent: startEdge }], {
      nights: [swas('a', 'stopped'), swas('b', 'running'), swas('c', 'starting')],
    });
    expect(decided.decisions.map((d) => [d.resource.id, d.action, d.verdict, d.skip ?? '-', d.reason])).toEqual([
      ['a', 'start', 'act', '-', 'off-peak ended Tue 2026-11-24 20:00 +08:00'],
      ['b', 'start', 'skip', 'already', 'already running'],
      ['c', 'start', 'skip', 'already', 'already starting'],
    ]);
  });

  it("an 'unavailable' resource is skipped as unavailable, naming its provider status", () => {
    for (const intent of [stopEdge, startEdge]) {
      const d = only(run([{ rule: rule('nights'), intent }], { nights: [swas('i-1', 'unavailable')] }));
      expect(d.verdict).toBe('skip');
      expect(d.skip).toBe('unavailable');
      expect(d.reason).toBe('in state Resetting; left alone');
    }
  });

  it('a rule with no selected resources decides nothing', () => {
    expect(run([{ rule: rule('nights'), intent: stopEdge }], {})).toEqual({ decisions: [] });
    expect(run([{ rule: rule('nights'), intent: stopEdge }], { nights: [] })).toEqual({ decisions: [] });
  });

  it('caught-up and enforce intents carry their flags through', () => {
    const caught: Intent = { ...stopEdge, reason: `${stopEdge.reason} (caught up)`, catchUp: true };
    const d = only(run([{ rule: rule('nights'), intent: caught }], { nights: [swas('i-1', 'running')] }));
    expect(d.catchUp).toBe(true);
    expect(d.reason).toContain('(caught up)');
    const enforce: Intent = { action: 'stop', reason: 'enforce: off-peak at Tue 2026-11-24 23:00 +08:00', catchUp: false, kind: 'enforce' };
    const e = only(run([{ rule: rule('nights'), intent: enforce }], { nights: [swas('i-1', 'running')] }));
    expect(e.kind).toBe('enforce');
    expect(e.verdict).toBe('act');
    expect('edgeAt' in e).toBe(false);
  });
});

describe('holds', () => {
  // berlin-days: on-peak Mon-Fri 13:00-17:00 Europe/Berlin; Tue 2026-11-24 17:00 +01:00 is a stop edge.
  const berlinStop: Intent = {
    action: 'stop',
    reason: 'off-peak began Tue 2026-11-24 17:00 +01:00',
    edgeAt: t('2026-11-24T17:00:00+01:00'),
    catchUp: false,
    kind: 'edge',
  };
  const at = t('2026-11-24T17:00:00+01:00');

  it('a resource excluded by id is skipped as excluded, even when it would be acted on', () => {
    const d = only(run([{ rule: rule('berlin-days'), intent: berlinStop }], { 'berlin-days': [sae('app-excluded', 'running')] }, { at }));
    expect(d.verdict).toBe('skip');
    expect(d.skip).toBe('excluded');
    expect(d.reason).toBe('excluded by id');
    expect(d.rules).toEqual(['berlin-days']);
    expect(d.edgeAt).toBe(at);
  });

  it('a resource excluded by tag is skipped as excluded', () => {
    const d = only(
      run(
        [{ rule: rule('berlin-days'), intent: berlinStop }],
        { 'berlin-days': [sae('app-1', 'running', { tags: { keep: 'yes' } })] },
        { at },
      ),
    );
    expect(d.skip).toBe('excluded');
    expect(d.reason).toBe('excluded by tag keep=yes');
  });

  it('a snoozed resource is skipped as snoozed until the snooze ends, then acted on', () => {
    const resource = sae('app-1', 'running', { tags: { [SNOOZE_TAG]: '2026-11-24T18:00:00+01:00' } });
    const held = only(run([{ rule: rule('berlin-days'), intent: berlinStop }], { 'berlin-days': [resource] }, { at }));
    expect(held.verdict).toBe('skip');
    expect(held.skip).toBe('snoozed');
    expect(held.reason).toBe('snoozed until 2026-11-24T17:00:00.000Z');
    const later = only(
      run([{ rule: rule('berlin-days'), intent: berlinStop }], { 'berlin-days': [resource] }, { at: t('2026-11-24T18:00:00+01:00') }),
    );
    expect(later.verdict).toBe('act');
  });

  it('a hold is not counted as a stop by the guard', () => {
    const decided = run(
      [{ rule: rule('berlin-days'), intent: berlinStop }],
      { 'berlin-days': [sae('app-excluded', 'running'), sae('app-2', 'running', { tags: { keep: 'yes' } }), sae('app-3', 'running')] },
      { at, maxStopsPerRun: 1 },
    );
    expect(decided.guard).toBeUndefined();
    expect(decided.decisions.map((d) => `${d.resource.id}:${d.verdict}:${d.skip ?? ''}`)).toEqual([
      'app-2:skip:excluded',
      'app-3:act:',
      'app-excluded:skip:excluded',
    ]);
  });
});

describe('several rules on one resource', () => {
  it('two rules with the same action make one decision naming both', () => {
    const resource = swas('i-1', 'running');
    const decided = run(
      [
        { rule: rule('nights'), intent: stopEdge },
        { rule: rule('evenings'), intent: stopEdge },
      ],
      { nights: [resource], evenings: [resource] },
    );
    const d = only(decided);
    expect(d.verdict).toBe('act');
    expect(d.action).toBe('stop');
    expect(d.rules).toEqual(['nights', 'evenings']);
    expect(d.reason).toBe('off-peak began Tue 2026-11-24 20:00 +08:00 (rules nights, evenings)');
  });

  it('two agreeing rules on an already stopped resource: one skip naming both', () => {
    const resource = swas('i-1', 'stopped');
    const d = only(
      run(
        [
          { rule: rule('nights'), intent: stopEdge },
          { rule: rule('evenings'), intent: stopEdge },
        ],
        { nights: [resource], evenings: [resource] },
      ),
    );
    expect(d.skip).toBe('already');
    expect(d.rules).toEqual(['nights', 'evenings']);
  });

  it('when agreeing rules differ in catch-up, the fresh edge decides', () => {
    const resource = swas('i-1', 'running');
    const caught: Intent = {
      ...stopEdge,
      reason: 'off-peak began Tue 2026-11-24 19:55 +08:00 (caught up)',
      edgeAt: t('2026-11-24T19:55:00+08:00'),
      catchUp: true,
    };
    const d = only(
      run(
        [
          { rule: rule('nights'), intent: caught },
          { rule: rule('evenings'), intent: stopEdge },
        ],
        { nights: [resource], evenings: [resource] },
      ),
    );
    expect(d.catchUp).toBe(false);
    expect(d.edgeAt).toBe(AT);
    expect(d.reason).toContain('off-peak began Tue 2026-11-24 20:00 +08:00');
    expect(d.rules).toEqual(['nights', 'evenings']);
  });

  it('two rules with opposite actions: one conflict skip naming both, whatever the state', () => {
    for (const state of ['running', 'stopped'] as const) {
      const resource = swas('i-1', state);
      const decided = run(
        [
          { rule: rule('nights'), intent: startEdge },
          { rule: rule('evenings'), intent: stopEdge },
        ],
        { nights: [resource], evenings: [resource] },
      );
      const d = only(decided);
      expect(d.verdict).toBe('skip');
      expect(d.skip).toBe('conflict');
      expect(d.rules).toEqual(['nights', 'evenings']);
      expect(d.reason).toContain('nights wants start');
      expect(d.reason).toContain('evenings wants stop');
      expect(d.reason).toContain('left alone');
      expect(decided.guard).toBeUndefined();
    }
  });

  it('a conflict is a plain edge decision: not a catch-up, named a stop, whatever the intents say', () => {
    const resource = swas('i-1', 'running');
    const caughtUpStart: Intent = { ...startEdge, catchUp: true, kind: 'enforce' };
    const decided = run(
      [
        { rule: rule('nights'), intent: caughtUpStart },
        { rule: rule('evenings'), intent: stopEdge },
      ],
      { nights: [resource], evenings: [resource] },
    );
    expect(decided.decisions).toEqual([
      {
        resource,
        action: 'stop',
        rules: ['nights', 'evenings'],
        verdict: 'skip',
        skip: 'conflict',
        reason: 'conflict: nights wants start, evenings wants stop; left alone',
        catchUp: false,
        kind: 'edge',
      },
    ]);
  });

  it('the same id in two products or two regions is two resources', () => {
    const a = swas('x-1', 'running');
    const b = swas('x-1', 'running', { region: 'cn-shanghai' });
    const c = sae('x-1', 'running');
    const decided = run(
      [
        { rule: rule('nights'), intent: stopEdge },
        { rule: rule('evenings'), intent: startEdge },
      ],
      { nights: [a, c], evenings: [b] },
    );
    expect(decided.decisions.map((d) => `${d.resource.product}/${d.resource.region}:${d.action}:${d.verdict}`)).toEqual([
      'sae/cn-hangzhou:stop:act',
      'swas/cn-hangzhou:stop:act',
      'swas/cn-shanghai:start:skip',
    ]);
  });
});

describe('the blast-radius guard', () => {
  const three = [swas('i-1', 'running'), swas('i-2', 'running'), swas('i-3', 'running')];

  it('holds every stop back when a run would stop more than maxStopsPerRun', () => {
    const decided = run([{ rule: rule('nights'), intent: stopEdge }], { nights: three }, { maxStopsPerRun: 2, force: false });
    expect(decided.decisions).toHaveLength(3);
    for (const d of decided.decisions) {
      expect(d.verdict).toBe('skip');
      expect(d.skip).toBe('guard');
      expect(d.reason).toBe('held back by the blast-radius guard');
    }
    expect(decided.guard).toBe(
      `this run would stop 3 resources, more than maxStopsPerRun (2); nothing was stopped. Check the schedules' selectors, then raise OFFPEAK_MAX_STOPS_PER_RUN or invoke with {"force": true}`,
    );
  });

  it('lets the stops through when forced', () => {
    const decided = run([{ rule: rule('nights'), intent: stopEdge }], { nights: three }, { maxStopsPerRun: 2, force: true });
    expect(decided.guard).toBeUndefined();
    expect(decided.decisions.map((d) => d.verdict)).toEqual(['act', 'act', 'act']);
  });

  it('lets exactly maxStopsPerRun stops through', () => {
    const decided = run([{ rule: rule('nights'), intent: stopEdge }], { nights: three.slice(0, 2) }, { maxStopsPerRun: 2 });
    expect(decided.guard).toBeUndefined();
    expect(decided.decisions.map((d) => d.verdict)).toEqual(['act', 'act']);
  });

  it('counts only stops that would act: starts and already-stopped resources do not count', () => {
    const stopped = [swas('s-1', 'stopped'), swas('s-2', 'stopped'), swas('s-3', 'stopped')];
    const toStart = [sae('a-1', 'stopped'), sae('a-2', 'stopped'), sae('a-3', 'stopped')];
    const decided = run(
      [
        { rule: rule('nights'), intent: stopEdge },
        { rule: rule('berlin-days'), intent: startEdge },
      ],
      { nights: [...stopped, swas('i-1', 'running')], 'berlin-days': toStart },
      { maxStopsPerRun: 1 },
    );
    expect(decided.guard).toBeUndefined();
    const acts = decided.decisions.filter((d) => d.verdict === 'act');
    expect(acts.map((d) => `${d.action}:${d.resource.id}`)).toEqual(['start:a-1', 'start:a-2', 'start:a-3', 'stop:i-1']);
  });

  it('when it holds stops back, starts in the same run still act', () => {
    const decided = run(
      [
        { rule: rule('nights'), intent: stopEdge },
        { rule: rule('berlin-days'), intent: startEdge },
      ],
      { nights: [...three, swas('s-1', 'stopped')], 'berlin-days': [sae('a-1', 'stopped')] },
      { maxStopsPerRun: 2 },
    );
    expect(decided.guard).toContain('OFFPEAK_MAX_STOPS_PER_RUN');
    // Only stops that would act are held; a stop skipped for another reason keeps its own.
    expect(decided.decisions.map((d) => `${d.action}:${d.resource.id}:${d.verdict}:${d.skip ?? ''}`)).toEqual([
      'start:a-1:act:',
      'stop:i-1:skip:guard',
      'stop:i-2:skip:guard',
      'stop:i-3:skip:guard',
      'stop:s-1:skip:already',
    ]);
  });
});

describe('ordering', () => {
  it('sorts decisions by product, region, then name', () => {
    const resources = [
      swas('1', 'running', { name: 'zeta', region: 'cn-shanghai' }),
      swas('2', 'running', { name: 'beta', region: 'cn-hangzhou' }),
      sae('3', 'running', { name: 'omega', region: 'cn-shanghai' }),
      swas('4', 'running', { name: 'alpha', region: 'cn-shanghai' }),
      sae('5', 'running', { name: 'gamma', region: 'cn-beijing' }),
      swas('6', 'running', { name: 'alpha', region: 'cn-hangzhou' }),
    ];
    const decided = run([{ rule: rule('nights'), intent: stopEdge }], { nights: resources });
    expect(decided.decisions.map((d) => `${d.resource.product}/${d.resource.region}/${d.resource.name}`)).toEqual([
      'sae/cn-beijing/gamma',
      'sae/cn-shanghai/omega',
      'swas/cn-hangzhou/alpha',
      'swas/cn-hangzhou/beta',
      'swas/cn-shanghai/alpha',
      'swas/cn-shanghai/zeta',
    ]);
  });
});
