import type { Rule, SaeTarget, SwasTarget } from '../schedule/rule.js';
import { ACTIONS, ANY_ACCOUNT, SAE_READS, saeAppArn, saeRegionArn, swasInstanceArn, type RamAction } from './actions.js';

/**
 * The RAM policy a set of rules needs, least privilege: for each action offpeak calls, the exact
 * ARNs where rules name ids, a wildcard only where a selector or the API leaves no other choice,
 * and a warning for each wildcard saying why and how to avoid it. Pure: rules in, document out.
 *
 * Which action a rule needs follows what a run does (lib/plan/resolve.ts, lib/execute/sae.ts,
 * lib/execute/swas.ts): every SAE rule lists apps, stops them one by one, reads an app's status
 * when SAE answers InvalidStatus and reads change orders to confirm; it starts them only when the
 * rule starts at all (restore, or a start cron). SWAS lists instances and stops or starts them in
 * batches. Batch mode (OFFPEAK_SAE_BATCH) adds the SAE batch actions and keeps the single ones,
 * which catch-up and one-app groups still use.
 */

/** The longest PolicyDocument RAM's CreatePolicy takes (API reference, CreatePolicy: 1 to 6,144 characters). */
export const MAX_POLICY_CHARS = 6144;

/** One statement of a RAM policy document. */
export interface PolicyStatement {
  readonly Effect: 'Allow';
  readonly Action: string[];
  readonly Resource: string[];
}

/** A RAM policy document, as RAM's "create policy" takes it. */
export interface PolicyDocument {
  readonly Version: '1';
  readonly Statement: PolicyStatement[];
}

/**
 * Why a warning is given:
 * - `selector`: a target selects by namespace, name or tags, so its grant reaches further than the
 *   apps or instances it acts on; naming ids avoids it.
 * - `app-namespace`: targets named by appId are granted with `*` for their namespace.
 * - `unscoped`: actions the API authorizes on `*` only (SAE reads and StartApplication).
 * - `batch`: `--sae-batch` grants the SAE batch actions, also on `*` only.
 * - `list`: the SWAS listing, on every instance of each region it lists.
 * - `account`: no account id given; the ARNs name any account.
 * - `empty`: the rules name no targets, so the document grants nothing.
 * - `size`: the document is longer than RAM takes for one custom policy.
 */
export type PolicyWarningKind = 'selector' | 'app-namespace' | 'unscoped' | 'batch' | 'list' | 'account' | 'empty' | 'size';

/** A wildcard or another choice a person should see before attaching the policy. */
export interface PolicyWarning {
  readonly kind: PolicyWarningKind;
  /** The rule and target the warning is about, for `selector` warnings. */
  readonly rule?: string;
  readonly target?: string;
  readonly message: string;
}

/** What the document is built for. */
export interface PolicyOptions {
  /** The 16-digit account id written into every ARN; `*` (any account) when absent. */
  readonly account?: string;
  /** Grant the SAE batch actions, as the function needs with OFFPEAK_SAE_BATCH=true. */
  readonly saeBatch?: boolean;
}

/** The document and the warnings that explain its wildcards. */
export interface Policy {
  readonly document: PolicyDocument;
  readonly warnings: PolicyWarning[];
}

/** True when a rule ever starts its targets (the same test the planner uses). */
export function startsTargets(rule: Rule): boolean {
  return rule.timing.kind === 'cron' ? rule.timing.start !== undefined : rule.restore;
}

/** Builds the policy the rules need. Deterministic: the same rules give the same document. */
export function buildPolicy(rules: readonly Rule[], options: PolicyOptions = {}): Policy {
  const account = options.account ?? ANY_ACCOUNT;
  const grants = new Map<RamAction, Set<string>>();
  const grant = (action: RamAction, arn: string) => grants.set(action, (grants.get(action) ?? new Set<string>()).add(arn));
  const warnings: PolicyWarning[] = [];
  const saeStarters: string[] = [];
  const appIdRules = new Set<string>();
  const swasRegions = new Set<string>();
  let anySae = false;

  for (const rule of rules) {
    const starts = startsTargets(rule);
    // Waking starts the targets and tags them; keeping N rescales them and tags the count.
    const wakes = rule.wake !== undefined;
    const keeps = rule.offPeakInstances !== undefined;
    rule.targets.sae.forEach((target, i) => {
      anySae = true;
      const arn = saeTargetArn(target, account);
      grant('sae:StopApplication', arn);
      if (keeps) grant('sae:RescaleApplication', arn);
      if (keeps || wakes) {
        grant('sae:TagResources', arn);
        grant('sae:UntagResources', arn);
      }
      if (target.appId !== undefined) appIdRules.add(rule.name);
      else warnings.push(saeSelectorWarning(rule, target, i, arn));
    });
    if ((starts || wakes) && rule.targets.sae.length > 0) saeStarters.push(rule.name);

    rule.targets.swas.forEach((target, i) => {
      swasRegions.add(target.region);
      const arns = target.instanceIds
        ? target.instanceIds.map((id) => swasInstanceArn(target.region, account, id))
        : [swasInstanceArn(target.region, account, '*')];
      for (const arn of arns) {
        grant('swas-open:StopInstances', arn);
        if (starts || wakes) grant('swas-open:StartInstances', arn);
        if (wakes) {
          grant('swas-open:TagResources', arn);
          grant('swas-open:UntagResources', arn);
        }
      }
      if (target.instanceIds === undefined) warnings.push(swasSelectorWarning(rule, target, i, arns[0]!, starts));
    });
  }

  if (appIdRules.size > 0) {
    warnings.push({
      kind: 'app-namespace',
      message:
        `sae:StopApplication for apps named by appId (rules ${names(appIdRules)}) is granted on acs:sae:{region}:{account}:application/*/{appId}: ` +
        `an SAE app ARN carries the app's namespace, which an appId alone does not tell. App ids are unique, so each grant still covers that one app.`,
    });
  }
  if (anySae) {
    for (const action of SAE_READS) grant(action, '*');
    warnings.push({
      kind: 'unscoped',
      message:
        `${SAE_READS.join(', ')} are granted on "*": the SAE API reference lists them without resource-level authorization, so no narrower Resource would match. ` +
        `They only read: offpeak lists apps to resolve targets and reads app status and change orders to confirm stops and starts.`,
    });
    if (saeStarters.length > 0) {
      grant('sae:StartApplication', '*');
      warnings.push({
        kind: 'unscoped',
        message:
          `sae:StartApplication is granted on "*" (rules ${names(saeStarters)} start SAE apps): unlike StopApplication, the SAE API reference lists it without resource-level authorization, ` +
          `so a narrower Resource would make every start fail. The role can start any SAE app of the account.`,
      });
    }
    if (options.saeBatch) {
      const batch: RamAction[] = [
        'sae:BatchStopApplications',
        ...(saeStarters.length > 0 ? (['sae:BatchStartApplications'] as const) : []),
      ];
      for (const action of batch) grant(action, '*');
      warnings.push({
        kind: 'batch',
        message:
          `--sae-batch: ${batch.join(' and ')} ${batch.length > 1 ? 'are' : 'is'} granted on "*": the SAE API reference lists the batch actions without resource-level authorization, ` +
          `so the role can stop${saeStarters.length > 0 ? ' and start' : ''} every app of every namespace of the account, a broader grant than the per-app sae:StopApplication. ` +
          `Leave out --sae-batch (and OFFPEAK_SAE_BATCH) to keep stops scoped.`,
      });
    }
  }
  if (swasRegions.size > 0) {
    const regions = [...swasRegions].sort();
    for (const region of regions) grant('swas-open:ListInstances', swasInstanceArn(region, account, '*'));
    warnings.push({
      kind: 'list',
      message:
        `swas-open:ListInstances is granted on instance/* of ${regions.join(', ')}: offpeak lists instances to resolve targets and read their state. ` +
        `The listing only reads; whether a listing by instance ids is authorized per instance is not documented, so it is not narrowed to the ids.`,
    });
  }
  if (grants.size === 0) {
    warnings.push({ kind: 'empty', message: 'the schedules name no targets, so the policy grants nothing' });
  } else if (account === ANY_ACCOUNT) {
    warnings.push({
      kind: 'account',
      message:
        'no --account: every ARN names account "*", which matches any account; pass --account with your 16-digit account id to pin them to yours',
    });
  }
  const document: PolicyDocument = { Version: '1', Statement: statements(grants) };
  const pretty = JSON.stringify(document, null, 2).length;
  if (pretty > MAX_POLICY_CHARS) {
    const compact = JSON.stringify(document).length;
    warnings.push({
      kind: 'size',
      message:
        `the document has ${pretty} characters (${compact} without spaces); RAM takes at most ${MAX_POLICY_CHARS} in one custom policy. ` +
        (compact <= MAX_POLICY_CHARS ? 'Paste it without spaces, ' : '') +
        'split its statements across two policies attached to the same role, or select by namespace or name where many ids are listed',
    });
  }
  return { document, warnings };
}

/** An appId is one app in an unknown namespace; selectors are a namespace or the whole region. */
function saeTargetArn(target: SaeTarget, account: string): string {
  if (target.appId !== undefined) return saeAppArn(target.region, account, '*', target.appId);
  if (target.namespaceId !== undefined) return saeAppArn(target.region, account, target.namespaceId, '*');
  return saeRegionArn(target.region, account);
}

function saeSelectorWarning(rule: Rule, target: SaeTarget, index: number, arn: string): PolicyWarning {
  const where = `targets.sae[${index}]`;
  const filtered = target.appName !== undefined || target.tags !== undefined;
  const reach =
    target.namespaceId === undefined
      ? 'every app of the region, because RAM cannot match app names or tags. Add namespaceId to narrow it to one namespace, or name the apps with appId entries to grant exactly them.'
      : filtered
        ? 'every app of that namespace, because RAM cannot match app names or tags. Name the apps with appId entries instead to grant exactly them.'
        : 'every app of that namespace, including apps created in it later. Name the apps with appId entries instead to grant exactly them.';
  return {
    kind: 'selector',
    rule: rule.name,
    target: where,
    message: `rule '${rule.name}' (${rule.file}), ${where} selects by ${describeSae(target)}: sae:StopApplication is granted on ${arn}, ${reach}`,
  };
}

function swasSelectorWarning(rule: Rule, target: SwasTarget, index: number, arn: string, starts: boolean): PolicyWarning {
  const where = `targets.swas[${index}]`;
  const actions = starts ? 'swas-open:StopInstances and swas-open:StartInstances are' : 'swas-open:StopInstances is';
  return {
    kind: 'selector',
    rule: rule.name,
    target: where,
    message:
      `rule '${rule.name}' (${rule.file}), ${where} selects by ${describeSwas(target)}: ${actions} granted on ${arn}, every instance of the region, ` +
      `because RAM cannot match instance names or tags. List the instances under instanceIds instead to grant exactly them.`,
  };
}

const describeTags = (tags: Readonly<Record<string, string>>): string =>
  `tags ${Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}`;

function describeSae(target: SaeTarget): string {
  const parts: string[] = [];
  if (target.namespaceId !== undefined) parts.push(`namespaceId ${target.namespaceId}`);
  if (target.appName !== undefined) parts.push(`appName ${target.appName}`);
  if (target.tags !== undefined) parts.push(describeTags(target.tags));
  return parts.join(', ');
}

function describeSwas(target: SwasTarget): string {
  const parts: string[] = [];
  if (target.instanceName !== undefined) parts.push(`instanceName ${target.instanceName}`);
  if (target.tags !== undefined) parts.push(describeTags(target.tags));
  return parts.join(', ');
}

const names = (list: Iterable<string>): string => [...new Set(list)].join(', ');

/**
 * One statement per set of actions that share the same resources: actions in ACTIONS order,
 * resources sorted, statements in the order of their first action. ARNs another ARN of the same
 * action already covers (an app in a namespace granted whole) are left out.
 */
function statements(grants: ReadonlyMap<RamAction, ReadonlySet<string>>): PolicyStatement[] {
  const byResources = new Map<string, { actions: RamAction[]; resources: string[] }>();
  for (const action of ACTIONS) {
    const arns = grants.get(action);
    if (!arns) continue;
    const resources = uncovered(arns);
    const key = JSON.stringify(resources);
    const group = byResources.get(key);
    if (group) group.actions.push(action);
    else byResources.set(key, { actions: [action], resources });
  }
  // Map iteration follows insertion, which follows ACTIONS: the first action of each group orders them.
  return [...byResources.values()].map(({ actions, resources }) => ({ Effect: 'Allow', Action: [...actions], Resource: resources }));
}

/** The ARNs no other ARN of the set covers, sorted by code unit (locale-independent). */
function uncovered(arns: ReadonlySet<string>): string[] {
  const list = [...arns];
  return list.filter((arn) => !list.some((other) => other !== arn && covers(other, arn))).sort();
}

/**
 * True when every resource `arn` matches is also matched by `pattern`, reading `*` as RAM does (any
 * run of characters). A `*` of `arn` is replaced by a character no ARN holds, which only a `*` of
 * `pattern` can then absorb: whatever the `*` of `arn` stands for, `pattern` still matches.
 */
function covers(pattern: string, arn: string): boolean {
  if (!pattern.includes('*')) return false;
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*');
  return new RegExp(`^${body}$`).test(arn.replaceAll('*', '\u0000'));
}
