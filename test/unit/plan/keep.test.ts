import { describe, expect, it } from 'vitest';
import { INSTANCES_TAG, savedSize } from '../../../lib/plan/keep.js';
import { ruleFrom } from '../schedule/compile-text.js';

/** What a keep-N rule saves: only the instances it takes away, counted from the count the app had. */
describe('savedSize', () => {
  const rule = (extra: string) =>
    ruleFrom(`version: 1
timezone: Asia/Shanghai
rules:
  - name: r
    offPeak: ["daily 20:00-08:00"]
${extra}    targets:
      sae: [{ region: cn-hangzhou, appId: a1 }]
`);
  const keep1 = rule('    offPeakInstances: 1\n');
  const stop = rule('');
  const size = { instances: 4, cpu: 1000, memory: 2048 };

  it('a plain rule saves the whole app; keeping 1 of 4 saves 3', () => {
    expect(savedSize(stop, { size, tags: {} })).toEqual(size);
    expect(savedSize(keep1, { size, tags: {} })).toEqual({ ...size, instances: 3 });
  });

  it('at night, while scaled in, it counts from the remembered count, not the 1 running', () => {
    expect(savedSize(keep1, { size: { ...size, instances: 1 }, tags: { [INSTANCES_TAG]: '4' } })).toEqual({ ...size, instances: 3 });
  });

  it('an app at or below the count saves nothing; an app without a size has no figure', () => {
    expect(savedSize(keep1, { size: { ...size, instances: 1 }, tags: {} })).toEqual({ ...size, instances: 0 });
    expect(savedSize(keep1, { tags: {} })).toBeUndefined();
  });
});
