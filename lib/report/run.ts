import type { CalendarNotice } from '../schedule/warnings.js';
import { formatDuration } from '../schedule/duration.js';
import type { ResourceResult } from '../execute/result.js';
import type { RunReport } from '../run.js';

/**
 * A run's report for people (one line per resource) and for logs (one JSON line per resource and
 * one summary line, which Log Service indexes field by field).
 */

const VERB: Record<ResourceResult['outcome'], string> = {
  stopped: 'stopped',
  started: 'started',
  stopping: 'stopping',
  starting: 'starting',
  'scaled-in': 'scaled in',
  'scaled-out': 'scaled out',
  'already-stopped': 'already stopped',
  'already-running': 'already running',
  'would-stop': 'would stop',
  'would-start': 'would start',
  snoozed: 'snoozed',
  excluded: 'excluded',
  conflict: 'CONFLICT',
  held: 'HELD',
  skipped: 'skipped',
  failed: 'FAILED',
  deferred: 'DEFERRED',
};

/** The one-line summary: what happened, counted. */
export function summaryLine(report: RunReport): string {
  const parts = Object.entries(report.counts)
    .filter(([, n]) => n > 0)
    .map(([outcome, n]) => `${n} ${VERB[outcome as ResourceResult['outcome']]}`);
  if (report.unreadable.length > 0) parts.push(`${report.unreadable.length} unreadable`);
  const sent = (report.shards ?? []).filter((s) => s.sent).length;
  if (sent > 0) parts.push(`${sent} account${sent === 1 ? '' : 's'} sent to runs of their own`);
  return `${report.dryRun ? 'dry run: ' : ''}${parts.length ? parts.join(', ') : 'nothing to do'}${report.ok ? '' : ' — run FAILED'}`;
}

/**
 * Why a run failed, in a few words: the summary, then a member account that could not be reached
 * (its message says what to fix, and stands for all its targets), the unresolved listings and the
 * first failures.
 */
export function failureLine(report: RunReport): string {
  const unreached = new Set((report.accountFailures ?? []).map((a) => a.account));
  const failures = report.results.filter(
    (r) => (r.outcome === 'failed' || r.outcome === 'deferred') && (r.account === undefined || !unreached.has(r.account)),
  );
  const where = (r: { product: string; region: string; account?: string }) =>
    `${r.product.toUpperCase()} ${r.account ? `${r.account} ` : ''}${r.region}`;
  const causes = [
    ...(report.accountFailures ?? []).map((a) => a.message),
    ...report.unresolved.map((u) => `${where(u)} listing: ${u.code}`),
    ...failures.slice(0, 3).map((r) => `${where(r)} ${r.name}: ${r.outcome === 'deferred' ? 'deferred' : (r.code ?? 'failed')}`),
    ...(failures.length > 3 ? [`and ${failures.length - 3} more`] : []),
    ...(report.guard ? [report.guard] : []),
    ...(report.shards ?? []).flatMap((s) => (s.sent ? [] : [`account ${s.account} not sent to its own run: ${s.code}: ${s.message}`])),
  ];
  return `${summaryLine(report)}${causes.length ? `: ${causes.join('; ')}` : ''}`;
}

/** The report as text. */
export function reportText(report: RunReport): string {
  const head = report.wake
    ? `offpeak wake at ${report.at} until ${report.wake.until} (${formatDuration(report.wake.for)})`
    : `offpeak run at ${report.at} (tick ${formatDuration(report.tick)})`;
  const lines = [`${head}${report.dryRun ? ' — DRY RUN, nothing was changed' : ''}`, ''];
  for (const rule of report.rules) lines.push(`  ${rule.name.padEnd(24)} ${rule.action ? `${rule.action}: ` : ''}${rule.reason}`);
  if (report.results.length) lines.push('');
  for (const r of report.results) {
    const what = `${r.product.toUpperCase()} ${r.account ? `${r.account} ` : ''}${r.region} ${r.name}`;
    const why = [r.reason, r.detail, r.code && !r.detail?.includes(r.code) ? r.code : undefined].filter(Boolean).join('; ');
    lines.push(
      `  ${VERB[r.outcome].padEnd(15)} ${r.action.padEnd(5)} ${what.padEnd(44)} ${why}${r.changeOrderId ? ` [change order ${r.changeOrderId}]` : ''}`,
    );
  }
  for (const m of report.missing)
    lines.push(`  not found   ${m.product.toUpperCase()} ${m.region} ${m.id} (named by rule ${m.rule}): check the id and region`);
  for (const u of report.unreadable)
    lines.push(
      `  UNREADABLE  ${u.product.toUpperCase()} ${u.region} ${u.id}: the listing's row could not be read (${u.problem}); left alone`,
    );
  for (const u of report.unresolved)
    lines.push(
      `  UNRESOLVED  ${u.product.toUpperCase()} ${u.region}: listing failed (${u.code}: ${u.message}); its targets were not touched`,
    );
  if (report.guard) lines.push('', `  GUARD: ${report.guard}`);
  for (const a of report.accountFailures ?? []) lines.push(`  ACCOUNT     ${a.message}`);
  for (const s of report.shards ?? [])
    lines.push(
      s.sent
        ? `  sent        account ${s.account} to a run of its own (async invocation, request id ${s.requestId})`
        : `  NOT SENT    account ${s.account}: ${s.code}: ${s.message}`,
    );
  if (report.notices?.length) lines.push('', ...report.notices.map(noticeLine));
  lines.push('', summaryLine(report));
  return lines.join('\n');
}

/** One message to a channel: sent, or why not (a message never fails the run). */
function noticeLine(d: NonNullable<RunReport['notices']>[number]): string {
  const what = `${d.kind} of ${d.rule} to ${d.channel} (${d.channelType})`;
  if (d.ok) return `  notice      ${what}: posted${d.attempts > 1 ? ` after ${d.attempts} attempts` : ''}`;
  if (d.code === 'DryRun') return `  notice      ${what}: would post`;
  return `  NOTICE      ${what}: not posted: ${d.code ?? 'failed'}${d.detail ? ` (${d.detail})` : ''}`;
}

/** What every log line of a run says about the run itself. */
export interface RunMark {
  readonly at: string;
  readonly dryRun: boolean;
}

/** The log line of one resource's result, written as soon as it is known. */
export const resourceLogLine = (result: ResourceResult, run: RunMark): string =>
  JSON.stringify({ type: 'resource', at: run.at, dryRun: run.dryRun, ...result });

/**
 * The log line of a calendar about to run out (the same words as `offpeak validate`), written once
 * a day: lib/schedule/warnings.ts calendarNotices says which run.
 */
export const calendarLogLine = (notice: CalendarNotice, at: number): string =>
  JSON.stringify({ type: 'warning', at: new Date(at).toISOString(), ...notice });

/** The lines that close a run's log: what could not be found or listed, the batches, the summary. */
export function closingLogLines(report: RunReport): string[] {
  const lines: string[] = [];
  for (const m of report.missing) lines.push(JSON.stringify({ type: 'missing', at: report.at, ...m }));
  for (const u of report.unreadable) lines.push(JSON.stringify({ type: 'unreadable', at: report.at, ...u }));
  for (const u of report.unresolved) lines.push(JSON.stringify({ type: 'unresolved', at: report.at, ...u }));
  for (const b of report.batches) lines.push(JSON.stringify({ type: 'batch', at: report.at, ...b }));
  for (const a of report.accountFailures ?? []) lines.push(JSON.stringify({ type: 'account', at: report.at, ...a }));
  for (const s of report.shards ?? []) lines.push(JSON.stringify({ type: 'shard', at: report.at, ...s }));
  for (const n of report.notices ?? []) lines.push(JSON.stringify({ type: 'notice', at: report.at, ...n }));
  lines.push(
    JSON.stringify({
      type: 'summary',
      at: report.at,
      dryRun: report.dryRun,
      ok: report.ok,
      counts: report.counts,
      ...(report.guard ? { guard: report.guard } : {}),
      summary: summaryLine(report),
    }),
  );
  return lines;
}

/** Every JSON line of a run's log at once: one per resource, then the closing lines. */
export function reportLogLines(report: RunReport): string[] {
  return [...report.results.map((r) => resourceLogLine(r, report)), ...closingLogLines(report)];
}
