import { formatDiagnostic, hasErrors, sortDiagnostics } from '../schedule/diagnostics.js';
import { formatDuration } from '../schedule/duration.js';
import { loadSchedules } from '../schedule/files.js';
import { outlook } from '../schedule/outlook.js';
import { outlookJson, outlookText } from '../report/outlook.js';
import type { Io } from './io.js';
import { durationFlag, instantFlag, integerFlag, parseFlags } from './args.js';

export const PLAN_USAGE = `usage: offpeak plan [--schedules DIR] [--at ISO] [--tick 5m] [--days N] [--json]

For each rule: whether it is off-peak at --at (default: now), the edges due in a run for that
instant, and the next edges within --days (default 7).`;

export async function planCommand(argv: string[], io: Io, now: number): Promise<number> {
  const { values } = parseFlags(argv, {
    schedules: { type: 'string' },
    at: { type: 'string' },
    tick: { type: 'string' },
    days: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    io.out(PLAN_USAGE);
    return 0;
  }
  const at = values.at === undefined ? now : instantFlag('at', values.at);
  const tick = durationFlag('tick', values.tick ?? io.env.OFFPEAK_TICK ?? '5m');
  const days = integerFlag('days', values.days ?? '7', 1, 366);

  const loaded = await loadSchedules([values.schedules ?? 'schedules'], { at });
  const diagnostics = sortDiagnostics(loaded.diagnostics);
  if (hasErrors(diagnostics)) {
    for (const d of diagnostics) io.err(formatDiagnostic(d));
    io.err("the schedules have errors; run 'offpeak validate' and fix them first");
    return 2;
  }
  const rules = outlook(loaded.rules, { at, tick, horizon: days * 86_400_000 });
  if (values.json) {
    io.out(JSON.stringify(outlookJson(rules, { at, tick: formatDuration(tick) }), null, 2));
  } else {
    for (const d of diagnostics) io.err(formatDiagnostic(d));
    io.out(outlookText(rules, { at, tick, days }));
  }
  return 0;
}
