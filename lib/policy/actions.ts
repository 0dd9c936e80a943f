/**
 * The RAM actions offpeak calls and the resource forms RAM checks them against. Pure data and ARN
 * builders; build.ts decides which of them a set of rules needs.
 *
 * What was checked, and where (Alibaba Cloud API reference, "RAM authorization" / 授权信息 table of
 * each API page on help.aliyun.com and alibabacloud.com, zh/tc/ja editions of 2024-11 to 2026-04):
 *
 * SAE (RAM code `sae`, ROA API 2019-05-06):
 * - `sae:StopApplication`: resource-level, `*Application`
 *   `acs:sae:{regionId}:{accountId}:application/{namespaceId}/{appId}` (verified; also the form the
 *   product owner gave).
 * - `sae:StartApplication`: "All Resources" (全部资源): no resource-level authorization (verified
 *   in the zh, tc and ja pages). A Resource narrower than `*` would not match, so every start
 *   would be denied: it is granted on `*`.
 * - `sae:ListApplications`: "All Resources" (verified on the 2024-11 page only; later pages were
 *   not readable in full).
 * - `sae:DescribeApplicationStatus`, `sae:DescribeChangeOrder`: "All Resources" (verified).
 * - `sae:BatchStopApplications`, `sae:BatchStartApplications`: "All Resources" (verified). There is
 *   no namespace resource to grant them on, so batch mode means `*`.
 *
 * SWAS (RAM codes `swas`, `swas-open`, RPC API 2020-06-01):
 * - `swas-open:StopInstance` / `StartInstance` (the single-instance APIs, not called by offpeak)
 *   and `swas-open:ListInstances` document `acs:swas-open:{regionId}:{accountId}:instance/{InstanceId}`;
 *   ListInstances also documents `instance/*` for a listing without ids.
 * - `swas-open:StopInstances` / `StartInstances` (the batch APIs offpeak calls) document the form
 *   `acs:swas-open:{regionId}:{accountId}:{InstanceId}`, without `instance/`. The same resource
 *   type ("Instance") is written both ways across the reference; the `instance/` form is the one of
 *   docs/reference/alibaba-cloud-facts.md §2 and the single-instance APIs, and is used here. NOT verified which
 *   form RAM evaluates for the batch APIs: if a run reports a SWAS permission error although this
 *   policy is attached, that difference is the first suspect.
 * - Whether a ListInstances call filtered by InstanceIds is authorized per instance is not
 *   documented, so the listing is granted on `instance/*` of each region it lists (read-only).
 *
 * Only for rules that need them (NOT verified for resource-level authorization; granted on the same
 * resources as the stops, so a permission error names the grant to widen):
 * - `sae:RescaleApplication`, `sae:TagResources`, `sae:UntagResources`: `offPeakInstances` (the
 *   count is remembered in a tag on the app) and, for the tags, `wake` (the snooze tag).
 * - `swas-open:TagResources`, `swas-open:UntagResources`: `wake` on SWAS targets.
 */

/** Every action offpeak calls, in the order statements and their Action lists are written. */
export const ACTIONS = [
  'sae:ListApplications',
  'sae:DescribeApplicationStatus',
  'sae:DescribeChangeOrder',
  'sae:StopApplication',
  'sae:StartApplication',
  'sae:BatchStopApplications',
  'sae:BatchStartApplications',
  'swas-open:ListInstances',
  'swas-open:StopInstances',
  'swas-open:StartInstances',
  'sae:RescaleApplication',
  'sae:TagResources',
  'sae:UntagResources',
  'swas-open:TagResources',
  'swas-open:UntagResources',
] as const;

/** A RAM action offpeak may need. */
export type RamAction = (typeof ACTIONS)[number];

/** SAE reads that take no resource-level authorization: always `*`. */
export const SAE_READS: readonly RamAction[] = ['sae:ListApplications', 'sae:DescribeApplicationStatus', 'sae:DescribeChangeOrder'];

/** An Alibaba Cloud account id (UID): 16 digits. */
export const ACCOUNT_ID = /^\d{16}$/;

/** The account segment when none is given: any account. */
export const ANY_ACCOUNT = '*';

/** `acs:sae:{region}:{account}:application/{namespaceId}/{appId}`; `*` for either part widens it. */
export function saeAppArn(region: string, account: string, namespaceId: string, appId: string): string {
  return `acs:sae:${region}:${account}:application/${namespaceId}/${appId}`;
}

/** Every SAE app of a region: `application/*` (the `*` spans namespace and app id). */
export function saeRegionArn(region: string, account: string): string {
  return `acs:sae:${region}:${account}:application/*`;
}

/** `acs:swas-open:{region}:{account}:instance/{id}`; `*` for the id is every instance of the region. */
export function swasInstanceArn(region: string, account: string, instanceId: string): string {
  return `acs:swas-open:${region}:${account}:instance/${instanceId}`;
}
