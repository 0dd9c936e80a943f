import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildPolicy, type PolicyDocument } from '../../../lib/policy/build.js';
import { loadSchedules } from '../../../lib/doors/schedule-files.js';
import type { Rule } from '../../../lib/schedule/rule.js';
import { AT, compileText } from '../schedule/compile-text.js';

const ACCOUNT = '1234567890123456';
const READS = ['sae:ListApplications', 'sae:DescribeApplicationStatus', 'sae:DescribeChangeOrder'];

/** Rules from YAML rule bodies (each a list item under `rules:`), in one file; fails on any error. */
function rules(body: string): Rule[] {
  const { rules, diagnostics, lines } = compileText(`version: 1\ntimezone: Asia/Shanghai\nrules:\n${body}`);
  if (diagnostics.some((d) => d.severity === 'error')) throw new Error(lines.join('\n'));
  return rules;
}

/** Action → resources, for assertions that do not care how statements are grouped. */
function grants(document: PolicyDocument): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of document.Statement) for (const a of s.Action) out[a] = [...(out[a] ?? []), ...s.Resource];
  return out;
}

const actions = (document: PolicyDocument): string[] => document.Statement.flatMap((s) => s.Action);

describe('buildPolicy: explicit ids', () => {
  const explicit = rules(`
  - name: nights
    offPeak: ["daily 20:00-08:00"]
    targets:
      sae: [{ region: cn-hangzhou, appId: 0099b7be-5f5b-4512-a7fc-56049ef1aaaa }]
      swas: [{ region: cn-hangzhou, instanceIds: [ace0706b2ac4454d984295a94213aaaa, ace0706b2ac4454d984295a94213bbbb] }]
`);

  it('grants the exact ARNs, and only the actions a stopping rule calls', () => {
    const { document } = buildPolicy(explicit, { account: ACCOUNT });
    expect(document).toEqual({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: READS, Resource: ['*'] },
        {
          Effect: 'Allow',
          Action: ['sae:StopApplication'],
          Resource: [`acs:sae:cn-hangzhou:${ACCOUNT}:application/*/0099b7be-5f5b-4512-a7fc-56049ef1aaaa`],
        },
        { Effect: 'Allow', Action: ['swas-open:ListInstances'], Resource: [`acs:swas-open:cn-hangzhou:${ACCOUNT}:instance/*`] },
        {
          Effect: 'Allow',
          Action: ['swas-open:StopInstances'],
          Resource: [
            `acs:swas-open:cn-hangzhou:${ACCOUNT}:instance/ace0706b2ac4454d984295a94213aaaa`,
            `acs:swas-open:cn-hangzhou:${ACCOUNT}:instance/ace0706b2ac4454d984295a94213bbbb`,
          ],
        },
      ],
    });
  });

  it('gives no selector or account warning, only the unavoidable ones', () => {
    const { warnings } = buildPolicy(explicit, { account: ACCOUNT });
    expect(warnings.map((w) => w.kind)).toEqual(['app-namespace', 'unscoped', 'list']);
    expect(warnings[0]!.message).toMatch(/\(rules nights\) is granted on acs:sae:\{region\}:\{account\}:application\/\*\/\{appId\}: /);
    expect(warnings[1]!.message).toMatch(
      /^sae:ListApplications, sae:DescribeApplicationStatus, sae:DescribeChangeOrder are granted on "\*": .*without resource-level authorization/,
    );
  });

  it('names account "*" and says so when no account is given', () => {
    const { document, warnings } = buildPolicy(explicit);
    expect(grants(document)['sae:StopApplication']).toEqual(['acs:sae:cn-hangzhou:*:application/*/0099b7be-5f5b-4512-a7fc-56049ef1aaaa']);
    expect(warnings.at(-1)).toMatchObject({ kind: 'account', message: expect.stringMatching(/--account/) as unknown });
  });
});

describe('buildPolicy: selectors', () => {
  const selecting = rules(`
  - name: dev
    offPeak: ["daily 20:00-08:00"]
    targets:
      sae:
        - { region: cn-hangzhou, namespaceId: "cn-hangzhou:dev", tags: { env: dev } }
        - { region: cn-beijing, appName: "api-*" }
      swas: [{ region: cn-shanghai, tags: { team: web } }]
`);

  it('grants a namespace, a whole region and a whole region of instances', () => {
    const g = grants(buildPolicy(selecting).document);
    expect(g['sae:StopApplication']).toEqual(['acs:sae:cn-beijing:*:application/*', 'acs:sae:cn-hangzhou:*:application/cn-hangzhou:dev/*']);
    expect(g['swas-open:StopInstances']).toEqual(['acs:swas-open:cn-shanghai:*:instance/*']);
  });

  it('explains each wildcard with the rule, the target and how to avoid it', () => {
    const selectors = buildPolicy(selecting).warnings.filter((w) => w.kind === 'selector');
    expect(selectors.map((w) => [w.rule, w.target])).toEqual([
      ['dev', 'targets.sae[0]'],
      ['dev', 'targets.sae[1]'],
      ['dev', 'targets.swas[0]'],
    ]);
    expect(selectors[0]!.message).toBe(
      "rule 'dev' (schedules/test.yaml), targets.sae[0] selects by namespaceId cn-hangzhou:dev, tags env=dev: sae:StopApplication is granted on " +
        'acs:sae:cn-hangzhou:*:application/cn-hangzhou:dev/*, every app of that namespace, because RAM cannot match app names or tags. ' +
        'Name the apps with appId entries instead to grant exactly them.',
    );
    expect(selectors[1]!.message).toMatch(
      /selects by appName api-\*: .* on acs:sae:cn-beijing:\*:application\/\*, every app of the region.*Add namespaceId.*appId/,
    );
    expect(selectors[2]!.message).toMatch(
      /selects by tags team=web: swas-open:StopInstances is granted on acs:swas-open:cn-shanghai:\*:instance\/\*, every instance of the region.*instanceIds/,
    );
  });

  it('leaves out ARNs a wildcard of the same action already covers', () => {
    const mixed = rules(`
  - name: all-hz
    offPeak: ["daily 20:00-08:00"]
    targets:
      sae: [{ region: cn-hangzhou, tags: { env: dev } }]
      swas: [{ region: cn-hangzhou, instanceName: "dev-*" }]
  - name: some
    offPeak: ["daily 20:00-08:00"]
    targets:
      sae:
        - { region: cn-hangzhou, appId: app-a }
        - { region: cn-hangzhou, namespaceId: "cn-hangzhou:dev" }
        - { region: cn-shanghai, appId: app-b }
      swas: [{ region: cn-hangzhou, instanceIds: [i-1] }]
`);
    const g = grants(buildPolicy(mixed).document);
    expect(g['sae:StopApplication']).toEqual(['acs:sae:cn-hangzhou:*:application/*', 'acs:sae:cn-shanghai:*:application/*/app-b']);
    expect(g['swas-open:StopInstances']).toEqual(['acs:swas-open:cn-hangzhou:*:instance/*']);
  });
});

describe('buildPolicy: starts', () => {
  it('a rule without restore gets no start action', () => {
    const { document, warnings } = buildPolicy(
      rules(`
  - name: stop-only
    offPeak: ["Sat-Sun"]
    targets:
      sae: [{ region: cn-hangzhou, appId: app-a }]
      swas: [{ region: cn-hangzhou, tags: { env: dev } }]
`),
    );
    expect(actions(document).filter((a) => a.includes('Start'))).toEqual([]);
    expect(warnings.find((w) => w.kind === 'selector')!.message).toMatch(/swas-open:StopInstances is granted/);
  });

  it('a cron rule without a start cron gets no start action; with one it does', () => {
    const [stopOnly, withStart] = rules(`
  - name: cron-stop
    stop: "0 21 * * *"
    targets:
      swas: [{ region: cn-hangzhou, instanceIds: [i-1] }]
  - name: cron-both
    stop: "0 21 * * *"
    start: "0 9 * * 1-5"
    targets:
      sae: [{ region: cn-shanghai, appId: app-a }]
      swas: [{ region: cn-hangzhou, instanceIds: [i-2] }]
`);
    expect(actions(buildPolicy([stopOnly!]).document).filter((a) => a.includes('Start'))).toEqual([]);
    const { document, warnings } = buildPolicy([stopOnly!, withStart!]);
    const g = grants(document);
    expect(g['sae:StartApplication']).toEqual(['*']);
    // Only the rule that starts gets StartInstances; the other rule's instance stays stop-only.
    expect(g['swas-open:StartInstances']).toEqual(['acs:swas-open:cn-hangzhou:*:instance/i-2']);
    expect(g['swas-open:StopInstances']).toEqual(['acs:swas-open:cn-hangzhou:*:instance/i-1', 'acs:swas-open:cn-hangzhou:*:instance/i-2']);
    expect(warnings.find((w) => w.message.startsWith('sae:StartApplication'))!.message).toMatch(
      /rules cron-both start SAE apps.*without resource-level authorization/,
    );
  });

  it('a window rule with restore gets the start actions', () => {
    const g = grants(
      buildPolicy(
        rules(`
  - name: restore
    onPeak: ["Mon-Fri 08:00-22:00"]
    restore: true
    targets:
      swas: [{ region: cn-hangzhou, instanceIds: [i-1] }]
`),
      ).document,
    );
    expect(g['swas-open:StartInstances']).toEqual(['acs:swas-open:cn-hangzhou:*:instance/i-1']);
    expect(g['sae:StartApplication']).toBeUndefined();
  });
});

describe('buildPolicy: --sae-batch', () => {
  const restoring = rules(`
  - name: dev
    offPeak: ["daily 20:00-08:00"]
    restore: true
    targets:
      sae: [{ region: cn-hangzhou, namespaceId: "cn-hangzhou:dev" }]
`);

  it('adds both batch actions on "*", keeps the per-app stop, and explains the broader grant', () => {
    const { document, warnings } = buildPolicy(restoring, { saeBatch: true });
    expect(document.Statement[0]).toEqual({
      Effect: 'Allow',
      Action: [...READS, 'sae:StartApplication', 'sae:BatchStopApplications', 'sae:BatchStartApplications'],
      Resource: ['*'],
    });
    expect(grants(document)['sae:StopApplication']).toEqual(['acs:sae:cn-hangzhou:*:application/cn-hangzhou:dev/*']);
    const batch = warnings.filter((w) => w.kind === 'batch');
    expect(batch).toHaveLength(1);
    expect(batch[0]!.message).toMatch(
      /^--sae-batch: sae:BatchStopApplications and sae:BatchStartApplications are granted on "\*".*every app of every namespace.*broader/,
    );
  });

  it('adds only the batch stop when no SAE rule starts, and nothing without SAE targets', () => {
    const stopping = rules(`
  - name: dev
    offPeak: ["daily 20:00-08:00"]
    targets:
      sae: [{ region: cn-hangzhou, appId: app-a }]
      swas: [{ region: cn-hangzhou, instanceIds: [i-1] }]
`);
    expect(actions(buildPolicy(stopping, { saeBatch: true }).document).filter((a) => a.includes('Batch'))).toEqual([
      'sae:BatchStopApplications',
    ]);
    expect(actions(buildPolicy(stopping).document).filter((a) => a.includes('Batch'))).toEqual([]);
    const swasOnly = rules(`
  - name: boxes
    offPeak: ["daily 20:00-08:00"]
    restore: true
    targets:
      swas: [{ region: cn-hangzhou, instanceIds: [i-1] }]
`);
    const { document, warnings } = buildPolicy(swasOnly, { saeBatch: true });
    expect(actions(document).filter((a) => a.startsWith('sae:'))).toEqual([]);
    expect(warnings.map((w) => w.kind)).not.toContain('batch');
  });
});

describe('buildPolicy: regions and order', () => {
  const regional = rules(`
  - name: east
    offPeak: ["daily 20:00-08:00"]
    restore: true
    targets:
      sae: [{ region: cn-shanghai, appId: app-s }, { region: cn-hangzhou, appId: app-h }]
      swas: [{ region: cn-shanghai, instanceIds: [i-s] }]
  - name: abroad
    offPeak: ["daily 20:00-08:00"]
    restore: true
    targets:
      sae: [{ region: ap-southeast-1, namespaceId: "ap-southeast-1:web" }]
      swas: [{ region: cn-hangzhou, instanceIds: [i-h] }, { region: ap-southeast-1, instanceName: "web-*" }]
`);

  it('writes each ARN in its own region and lists instances in every region', () => {
    const g = grants(buildPolicy(regional, { account: ACCOUNT }).document);
    expect(g['sae:StopApplication']).toEqual([
      `acs:sae:ap-southeast-1:${ACCOUNT}:application/ap-southeast-1:web/*`,
      `acs:sae:cn-hangzhou:${ACCOUNT}:application/*/app-h`,
      `acs:sae:cn-shanghai:${ACCOUNT}:application/*/app-s`,
    ]);
    expect(g['swas-open:ListInstances']).toEqual([
      `acs:swas-open:ap-southeast-1:${ACCOUNT}:instance/*`,
      `acs:swas-open:cn-hangzhou:${ACCOUNT}:instance/*`,
      `acs:swas-open:cn-shanghai:${ACCOUNT}:instance/*`,
    ]);
    expect(g['swas-open:StartInstances']).toEqual([
      `acs:swas-open:ap-southeast-1:${ACCOUNT}:instance/*`,
      `acs:swas-open:cn-hangzhou:${ACCOUNT}:instance/i-h`,
      `acs:swas-open:cn-shanghai:${ACCOUNT}:instance/i-s`,
    ]);
  });

  it('does not depend on rule order, and has no duplicate action or resource', () => {
    const forward = buildPolicy(regional).document;
    expect(buildPolicy([...regional].reverse()).document).toEqual(forward);
    const all = actions(forward);
    expect(new Set(all).size).toBe(all.length);
    for (const s of forward.Statement) expect(new Set(s.Resource).size).toBe(s.Resource.length);
  });

  it('warns when the document is longer than RAM takes', () => {
    const ids = Array.from({ length: 150 }, (_, i) => `ace0706b2ac4454d984295a9421${String(i).padStart(5, '0')}`);
    const many = rules(`
  - name: many
    offPeak: ["daily 20:00-08:00"]
    targets:
      swas: [{ region: cn-hangzhou, instanceIds: [${ids.join(', ')}] }]
`);
    const size = buildPolicy(many, { account: ACCOUNT }).warnings.filter((w) => w.kind === 'size');
    expect(size).toHaveLength(1);
    expect(size[0]!.message).toMatch(
      /^the document has \d+ characters \(\d+ without spaces\); RAM takes at most 6144 in one custom policy\. .*split its statements/,
    );
    expect(buildPolicy(regional).warnings.map((w) => w.kind)).not.toContain('size');
  });

  it('an empty rule set grants nothing and says so', () => {
    expect(buildPolicy([])).toEqual({
      document: { Version: '1', Statement: [] },
      warnings: [{ kind: 'empty', message: expect.stringMatching(/grants nothing/) as unknown }],
    });
  });
});

describe('buildPolicy: the example schedules', () => {
  it('produce this exact document', async () => {
    const loaded = await loadSchedules([fileURLToPath(new URL('../../../schedules', import.meta.url))], { at: AT });
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const { document, warnings } = buildPolicy(loaded.rules);
    expect(JSON.stringify(document, null, 2)).toBe(EXAMPLE_DOCUMENT);
    expect(warnings.map((w) => `${w.kind} ${w.rule ?? ''} ${w.target ?? ''}`.trim())).toEqual([
      'selector dev-nights targets.sae[0]',
      'selector staging-weekends targets.sae[0]',
      'selector demo-boxes targets.swas[0]',
      'unscoped',
      'unscoped',
      'list',
      'account',
    ]);
  });
});

const EXAMPLE_DOCUMENT = `{
  "Version": "1",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "sae:ListApplications",
        "sae:DescribeApplicationStatus",
        "sae:DescribeChangeOrder",
        "sae:StartApplication"
      ],
      "Resource": [
        "*"
      ]
    },
    {
      "Effect": "Allow",
      "Action": [
        "sae:StopApplication"
      ],
      "Resource": [
        "acs:sae:cn-hangzhou:*:application/cn-hangzhou:dev/*",
        "acs:sae:cn-shanghai:*:application/cn-shanghai:staging/*"
      ]
    },
    {
      "Effect": "Allow",
      "Action": [
        "swas-open:ListInstances"
      ],
      "Resource": [
        "acs:swas-open:cn-hangzhou:*:instance/*",
        "acs:swas-open:cn-shanghai:*:instance/*"
      ]
    },
    {
      "Effect": "Allow",
      "Action": [
        "swas-open:StopInstances",
        "swas-open:StartInstances"
      ],
      "Resource": [
        "acs:swas-open:cn-hangzhou:*:instance/ace0706b2ac4454d984295a94213aaaa",
        "acs:swas-open:cn-shanghai:*:instance/*"
      ]
    }
  ]
}`;
