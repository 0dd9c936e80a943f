import { describe, expect, it } from 'vitest';
import { compileSchedules } from '../../../lib/schedule/compile.js';
import { formatDiagnostic } from '../../../lib/schedule/diagnostics.js';
import { parseSource } from '../../../lib/schedule/source.js';
import { AT } from './compile-text.js';

function compileFiles(files: Record<string, string>) {
  const sources = Object.entries(files).map(([path, text]) => parseSource(path, text));
  const set = compileSchedules(sources, new Map(), { at: AT });
  return { ...set, lines: set.diagnostics.map(formatDiagnostic) };
}

const STAGING = 'acs:ram::1234567890123456:role/offpeak-member';

describe('member accounts in schedules', () => {
  it('a target names an account declared in another file; the rule keeps the name on the target', () => {
    const set = compileFiles({
      'schedules/a-accounts.yaml': `version: 1\naccounts:\n  staging: { roleArn: "${STAGING}", externalId: ext-1, description: the staging account }\nrules: []\n`,
      'schedules/b-rules.yaml': `version: 1
timezone: Asia/Shanghai
rules:
  - name: staging-nights
    offPeak: ["daily 20:00-08:00"]
    targets:
      sae: [{ region: cn-hangzhou, namespaceId: "cn-hangzhou:staging", account: staging }, { region: cn-hangzhou, appId: home-app }]
      swas: [{ region: cn-hangzhou, instanceIds: [i-1], account: staging }]
`,
    });
    expect(set.lines).toEqual([]);
    expect([...set.accounts.values()]).toEqual([
      {
        name: 'staging',
        roleArn: STAGING,
        accountId: '1234567890123456',
        roleName: 'offpeak-member',
        externalId: 'ext-1',
        description: 'the staging account',
        file: 'schedules/a-accounts.yaml',
        line: 3,
      },
    ]);
    expect(set.rules[0]!.targets).toEqual({
      sae: [
        { region: 'cn-hangzhou', namespaceId: 'cn-hangzhou:staging', account: 'staging' },
        { region: 'cn-hangzhou', appId: 'home-app' },
      ],
      swas: [{ region: 'cn-hangzhou', instanceIds: ['i-1'], account: 'staging' }],
    });
  });

  it('schedules without accounts have none', () => {
    const set = compileFiles({
      'schedules/a.yaml': `version: 1\ntimezone: UTC\nrules:\n  - name: a\n    offPeak: ["Sat-Sun"]\n    targets:\n      sae: [{ region: cn-hangzhou, appId: x }]\n`,
    });
    expect(set.lines).toEqual([]);
    expect(set.accounts.size).toBe(0);
  });

  it('an account name is lowercase like a rule name', () => {
    const set = compileFiles({ 'schedules/a.yaml': `version: 1\naccounts:\n  Staging: { roleArn: "${STAGING}" }\nrules: []\n` });
    expect(set.lines).toEqual([
      "schedules/a.yaml:3:3: error: accounts.Staging: 'Staging' is not a name here; names are lowercase letters, digits and '-', e.g. 'staging'",
    ]);
  });

  it('an unknown name is not reported while a declaration is wrong: it may be the one meant', () => {
    const set = compileFiles({
      'schedules/a.yaml': `version: 1\naccounts:\n  staging: { roleArn: "acs:ram::1:role/x" }\nrules: []\n`,
      'schedules/b.yaml': `version: 1
timezone: UTC
rules:
  - name: b
    offPeak: ["Sat-Sun"]
    targets:
      sae: [{ region: cn-hangzhou, appId: x, account: staging }]
`,
    });
    expect(set.lines).toHaveLength(1);
    expect(set.lines[0]).toMatch(/^schedules\/a\.yaml:3:23: error: accounts\.staging\.roleArn: /);
  });
});
