import { SWAS_PREPAID_NOTE } from '../plan/savings.js';
import {
  wallTime,
  type DayMark,
  type EdgeMark,
  type Money,
  type OffBlock,
  type ResourceRow,
  type RuleRow,
  type WeekModel,
  type WeekResource,
} from '../plan/week.js';
import { formatDiagnostic } from '../schedule/diagnostics.js';
import { offsetAt, wallClock, wallToInstant } from '../schedule/zone.js';

/**
 * `offpeak plan --html`: the week model as one self-contained page. Pure: model in, HTML out.
 * Inline CSS and SVG only, no scripts and no fetches, so the file opens anywhere (mail, a wiki, a
 * file:// link) and prints. Every drawn fact carries data-* attributes with ISO instants, so tests
 * (and curious people) can check the drawing against the engine without reading pixels.
 */

export interface PageMeta {
  /** The schedule files read. */
  readonly files: readonly string[];
  /** When the page was made (epoch ms). */
  readonly generatedAt: number;
}

const HOUR = 3_600_000;

// Geometry in SVG user units. The SVGs scale to the page width; below a minimum width their box
// scrolls instead, so labels never shrink past legibility.
const LABEL_W = 214;
const HOURS_W = 78;
const AXIS_H = 50;
const RULE_H = 62;
const RES_H = 30;
/** Scale below which the chart scrolls rather than shrinks (0.85 keeps 11.5-unit text near 10 px). */
const MIN_SCALE = 0.85;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const esc = escapeHtml;
const iso = (ms: number) => new Date(ms).toISOString();
const num = (n: number) => String(Math.round(n * 10) / 10);

/** Whole hours when whole, else one decimal: DST weeks and absolute windows give fractions. */
export function formatHours(hours: number): string {
  const tenths = Math.round(hours * 10) / 10;
  return Number.isInteger(tenths) ? String(tenths) : tenths.toFixed(1);
}

export function formatMoney(amount: number, currency: string): string {
  return `${amount.toFixed(2)} ${currency}`;
}

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Long names are cut for the chart; the full name stays in a tooltip and in the table. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

interface Geometry {
  readonly width: number;
  readonly timeline: number;
  readonly x: (ms: number) => number;
}

function geometry(model: WeekModel): Geometry {
  // About 120 units a day up to a week, 100 beyond: a month stays readable in its scroll box.
  const timeline = Math.max(840, model.days.length * 100);
  const span = model.to - model.from;
  return { width: LABEL_W + timeline + HOURS_W, timeline, x: (ms) => LABEL_W + ((ms - model.from) / span) * timeline };
}

const svgOpen = (g: Geometry, height: number, cls: string, attrs: string, label: string) =>
  `<svg class="${cls}" viewBox="0 0 ${g.width} ${height}" width="${g.width}" height="${height}" style="min-width:${Math.round(g.width * MIN_SCALE)}px" preserveAspectRatio="xMinYMin meet" role="img" aria-label="${esc(label)}"${attrs}>`;

/** Hours between labelled ticks, so labels sit at least ~30 units apart. */
function tickStep(g: Geometry, model: WeekModel): number {
  const perHour = g.timeline / ((model.to - model.from) / HOUR);
  return [1, 2, 3, 6, 12, 24].find((h) => h * perHour >= 30) ?? 24;
}

/** Local hour marks of each shown day (hours that do not exist on a spring-forward day are skipped). */
function hourTicks(model: WeekModel, step: number): Array<{ at: number; hour: number; dayStart: boolean }> {
  const ticks: Array<{ at: number; hour: number; dayStart: boolean }> = [];
  for (const day of model.days) {
    for (let hour = 0; hour < 24; hour += step) {
      const at = wallToInstant(model.zone, day.day, hour * 60);
      if (wallClock(model.zone, at).msOfDay !== hour * HOUR) continue;
      ticks.push({ at, hour, dayStart: hour === 0 });
    }
  }
  return ticks;
}

function gridLines(model: WeekModel, g: Geometry, height: number, step: number): string {
  const out: string[] = [];
  for (const t of hourTicks(model, step))
    if (!t.dayStart) out.push(`<line class="grid" x1="${num(g.x(t.at))}" x2="${num(g.x(t.at))}" y1="0" y2="${height}"/>`);
  for (const day of model.days)
    out.push(`<line class="daygrid" x1="${num(g.x(day.start))}" x2="${num(g.x(day.start))}" y1="0" y2="${height}"/>`);
  out.push(`<line class="daygrid" x1="${num(g.x(model.to))}" x2="${num(g.x(model.to))}" y1="0" y2="${height}"/>`);
  for (const change of model.dst)
    out.push(`<line class="dstline" x1="${num(g.x(change.at))}" x2="${num(g.x(change.at))}" y1="0" y2="${height}"/>`);
  return out.join('');
}

function axis(model: WeekModel, g: Geometry, step: number): string {
  const parts: string[] = [svgOpen(g, AXIS_H, 'axis', '', `Days shown, times in ${model.zone}`)];
  parts.push(PATTERNS);
  parts.push(gridLines(model, g, AXIS_H, step));
  for (const day of model.days) {
    const x0 = g.x(day.start);
    const x1 = g.x(day.end);
    const weekend = day.weekday >= 6 ? ' weekend' : '';
    const change = model.dst.find((c) => c.day.day === day.day);
    parts.push(
      `<g class="day${weekend}" data-kind="day" data-date="${day.date}" data-start="${iso(day.start)}" data-end="${iso(day.end)}" data-hours="${day.hours}">` +
        `<text class="dayname" x="${num((x0 + x1) / 2)}" y="17" text-anchor="middle">${esc(day.label)}</text></g>`,
    );
    if (change) {
      parts.push(
        `<g class="dst" data-kind="dst" data-date="${day.date}" data-at="${iso(change.at)}" data-start="${iso(day.start)}" data-end="${iso(day.end)}" data-hours="${day.hours}" data-before="${change.before}" data-after="${change.after}">` +
          `<title>${esc(`${day.label}: ${change.label} (${offsetText(change.before)} → ${offsetText(change.after)}); this day has ${formatHours(day.hours)} hours`)}</title>` +
          `<rect class="dstbadge" x="${num(g.x(change.at) - 30)}" y="21" width="60" height="13" rx="3"/>` +
          `<text class="dsttext" x="${num(g.x(change.at))}" y="31" text-anchor="middle">${formatHours(day.hours)} h day</text></g>`,
      );
    }
  }
  for (const t of hourTicks(model, step)) {
    const label = String(t.hour).padStart(2, '0');
    parts.push(`<text class="tick" x="${num(g.x(t.at) + 2)}" y="${AXIS_H - 4}">${label}</text>`);
  }
  parts.push(`<text class="colhead" x="8" y="${AXIS_H - 4}">rule / resource</text>`);
  parts.push(`<text class="colhead" x="${g.width - 6}" y="${AXIS_H - 4}" text-anchor="end">off / week</text>`);
  parts.push('</svg>');
  return parts.join('');
}

// Defined once, in the axis: ids are document-wide, so every chart SVG can use them (print hatching).
const PATTERNS =
  '<defs>' +
  '<pattern id="op-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#777" stroke-width="2"/></pattern>' +
  '<pattern id="op-dots" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#fff"/><circle cx="3" cy="3" r="1" fill="#777"/></pattern>' +
  '<pattern id="op-lines" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="3" x2="6" y2="3" stroke="#999" stroke-width="1"/></pattern>' +
  '</defs>';

/** A piece's end as people say it: a piece that runs to midnight ends at 24:00, not 00:00. */
function untilText(zone: string, end: number): string {
  const text = wallTime(zone, end);
  return text === '00:00' ? '24:00' : text;
}

function blockRects(blocks: readonly OffBlock[], g: Geometry, y: number, h: number, cls: string, attrs: string, zone: string): string {
  return blocks
    .map((b) => {
      const x0 = g.x(b.start);
      const w = Math.max(0.5, g.x(b.end) - x0);
      return `<rect class="${cls}" data-kind="off" ${attrs} data-date="${b.date}" data-start="${iso(b.start)}" data-end="${iso(b.end)}" x="${num(x0)}" y="${y}" width="${num(w)}" height="${h}"><title>off-peak ${wallTime(zone, b.start)}–${untilText(zone, b.end)} on ${b.date}</title></rect>`;
    })
    .join('');
}

/** Horizontal room an edge-time label needs, and the height of a second line of them. */
const LABEL_ROOM = 34;
const LABEL_LINE = 11;

/**
 * Which line (0 or 1) each edge's time label goes on, or undefined when neither has room. Edges a
 * few hours apart (a DST morning after a late stop) get the second line rather than no label.
 */
function labelLines(edges: readonly EdgeMark[], g: Geometry): Array<0 | 1 | undefined> {
  const last = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  return edges.map((e) => {
    const x = g.x(e.at);
    const line = x - last[0]! >= LABEL_ROOM ? 0 : x - last[1]! >= LABEL_ROOM ? 1 : undefined;
    if (line !== undefined) last[line] = x;
    return line;
  });
}

function edgeMarks(
  edges: readonly EdgeMark[],
  lines: ReadonlyArray<0 | 1 | undefined>,
  rule: string,
  g: Geometry,
  top: number,
  laneBottom: number,
  zone: string,
): string {
  return edges
    .map((e, i) => {
      const x = g.x(e.at);
      const tri =
        e.action === 'stop'
          ? `${num(x - 5)},${laneBottom + 1} ${num(x + 5)},${laneBottom + 1} ${num(x)},${laneBottom + 8}`
          : `${num(x - 5)},${laneBottom + 8} ${num(x + 5)},${laneBottom + 8} ${num(x)},${laneBottom + 1}`;
      // Edge times are labelled where there is room; the tooltip always has the instant.
      const line = lines[i];
      return (
        `<g class="edge ${e.action}" data-kind="${e.action}" data-rule="${esc(rule)}" data-at="${iso(e.at)}" data-start="${iso(e.at)}" data-end="${iso(e.at)}">` +
        `<title>${e.action === 'stop' ? 'stops its targets' : 'starts its targets'} at ${e.time} (${esc(zone)}), ${iso(e.at)}</title>` +
        `<line x1="${num(x)}" x2="${num(x)}" y1="${top}" y2="${laneBottom + 1}"/><polygon points="${tri}"/>` +
        (line === undefined
          ? ''
          : `<text class="edgetime" x="${num(x)}" y="${laneBottom + 19 + line * LABEL_LINE}" text-anchor="middle">${e.time}</text>`) +
        '</g>'
      );
    })
    .join('');
}

function bands(marks: readonly DayMark[], rule: string, g: Geometry, height: number): string {
  return marks
    .map((m) => {
      const x0 = g.x(m.start);
      const w = g.x(m.end) - x0;
      return (
        `<rect class="band ${m.kind}" data-kind="${m.kind}" data-rule="${esc(rule)}" data-date="${m.date}" data-start="${iso(m.start)}" data-end="${iso(m.end)}" x="${num(x0)}" y="0" width="${num(w)}" height="${height}">` +
        `<title>${esc(bandTitle(m))}</title></rect>`
      );
    })
    .join('');
}

function bandTitle(m: DayMark): string {
  const named = m.name === undefined ? '' : `${m.name}, `;
  if (m.kind === 'holiday') return `${m.date}: ${named}a holiday, counts as a Sunday`;
  if (m.kind === 'workday') return `${m.date}: ${named}a make-up workday, counts as a Monday`;
  return `${m.date}: not covered by the calendar (${m.note ?? 'it runs out'}), counts as an ordinary day`;
}

/** Band labels go over the grid lines, so the lines do not strike through the words. */
function bandLabels(marks: readonly DayMark[], g: Geometry): string {
  return marks
    .map((m) => {
      const x0 = g.x(m.start);
      const w = g.x(m.end) - x0;
      const word =
        m.kind === 'holiday'
          ? w >= 60
            ? 'holiday'
            : 'hol.'
          : m.kind === 'workday'
            ? w >= 100
              ? 'make-up workday'
              : 'workday'
            : w >= 80
              ? 'not covered'
              : 'n/c';
      return `<text class="bandtext ${m.kind}" x="${num(x0 + w / 2)}" y="13" text-anchor="middle">${word}</text>`;
    })
    .join('');
}

function ruleDetail(row: RuleRow, zone: string): string {
  const rule = row.rule;
  const bits = [
    rule.timezone !== zone ? rule.timezone : '',
    rule.calendar ? `calendar ${rule.calendar.name}` : '',
    rule.restore || (rule.timing.kind === 'cron' && rule.timing.start) ? 'restarts' : 'no restart',
    rule.enforce ? 'enforce' : '',
  ];
  return bits.filter(Boolean).join(' · ');
}

function hoursCell(g: Geometry, y: number, hours: number | undefined, cls: string): string {
  const text = hours === undefined ? '—' : `${formatHours(hours)} h`;
  return `<text class="${cls}" x="${g.width - 6}" y="${y}" text-anchor="end">${text}</text>`;
}

function groupSvg(row: RuleRow, model: WeekModel, g: Geometry, step: number): string {
  const name = row.rule.name;
  const lines = labelLines(row.edges, g);
  const ruleH = RULE_H + (lines.includes(1) ? LABEL_LINE : 0);
  const height = ruleH + row.resources.length * RES_H;
  const parts: string[] = [svgOpen(g, height, 'group', ` data-rule="${esc(name)}"`, `Rule ${name}`)];
  parts.push(`<rect class="rowbg" x="0" y="0" width="${g.width}" height="${ruleH}"/>`);
  parts.push(bands(row.marks, name, g, height));
  parts.push(gridLines(model, g, height, step));
  parts.push(bandLabels(row.marks, g));

  const laneTop = 19;
  const laneBottom = 41;
  parts.push(`<g class="row rule" data-row="rule" data-rule="${esc(name)}">`);
  parts.push(`<title>${esc(`${name}: ${row.timing}`)}</title>`);
  parts.push(`<text class="name" x="8" y="21">${esc(clip(name, 22))}</text>`);
  parts.push(`<text class="detail" x="8" y="37">${esc(clip(row.timing, 36))}</text>`);
  parts.push(`<text class="detail" x="8" y="52">${esc(clip(ruleDetail(row, model.zone), 36))}</text>`);
  parts.push(`<rect class="lane" x="${LABEL_W}" y="${laneTop}" width="${g.timeline}" height="${laneBottom - laneTop}"/>`);
  parts.push(blockRects(row.blocks, g, laneTop, laneBottom - laneTop, 'off', `data-rule="${esc(name)}"`, model.zone));
  parts.push(edgeMarks(row.edges, lines, name, g, laneTop, laneBottom, model.zone));
  parts.push(hoursCell(g, 35, row.hoursOffPerWeek, 'hours'));
  parts.push('</g>');

  row.resources.forEach((r, i) => {
    const y = ruleH + i * RES_H;
    parts.push(resourceG(r, name, g, y, model.zone));
  });
  parts.push('</svg>');
  return `<div class="groupwrap">${parts.join('')}</div>`;
}

function resourceG(r: ResourceRow, rule: string, g: Geometry, y: number, zone: string): string {
  const res = r.resource;
  const attrs = `data-rule="${esc(rule)}" data-product="${res.product}" data-resource="${esc(res.id)}"`;
  return (
    `<g class="row resource${r.excluded ? ' excluded' : ''}" data-row="resource" ${attrs} transform="translate(0 ${y})">` +
    `<title>${esc(`${res.product.toUpperCase()} ${res.region} ${res.name} (${res.id})${r.excluded ? `: ${r.excluded}` : ''}`)}</title>` +
    `<line class="sep" x1="0" x2="${g.width}" y1="0" y2="0"/>` +
    `<text class="badge" x="16" y="19">${res.product.toUpperCase()}</text>` +
    `<text class="resname" x="54" y="19">${esc(clip(res.name, 22))}</text>` +
    `<rect class="lane small" x="${LABEL_W}" y="8" width="${g.timeline}" height="14"/>` +
    blockRects(r.blocks, g, 8, 14, 'off res', attrs, zone) +
    (r.excluded ? `<text class="excludedtext" x="${LABEL_W + 8}" y="19">${esc(r.excluded)}: never stopped by this rule</text>` : '') +
    hoursCell(g, 20, r.excluded ? undefined : r.hoursOffPerWeek, 'hours small') +
    '</g>'
  );
}

const LEGEND_ITEMS: Array<[string, string]> = [
  ['<rect class="lane" x="0" y="2" width="22" height="12"/>', 'running (on-peak)'],
  ['<rect class="off" x="0" y="2" width="22" height="12"/>', 'stopped (off-peak)'],
  ['<g class="edge stop"><line x1="11" x2="11" y1="0" y2="9"/><polygon points="6,9 16,9 11,16"/></g>', 'stop: offpeak stops the targets'],
  [
    '<g class="edge start"><line x1="11" x2="11" y1="0" y2="9"/><polygon points="6,16 16,16 11,9"/></g>',
    'start: offpeak starts them again',
  ],
  ['<rect class="band holiday" x="0" y="0" width="22" height="16"/>', 'holiday (counts as a Sunday)'],
  ['<rect class="band workday" x="0" y="0" width="22" height="16"/>', 'make-up workday (counts as a Monday)'],
  ['<rect class="band uncovered" x="0" y="0" width="22" height="16"/>', 'not covered: the calendar runs out (an ordinary day)'],
  ['<line class="dstline" x1="11" x2="11" y1="0" y2="16"/>', 'clocks change (daylight saving)'],
];

function legend(): string {
  const items = LEGEND_ITEMS.map(
    ([svg, text]) => `<li><svg class="key" viewBox="0 0 22 16" width="22" height="16" aria-hidden="true">${svg}</svg>${esc(text)}</li>`,
  );
  return `<ul class="legend">${items.join('')}</ul>`;
}

function moneyCells(money: Money | undefined, resolved: boolean): string {
  if (!resolved) return '';
  const week = money ? esc(formatMoney(money.perWeek, money.currency)) : '—';
  const month = money ? esc(formatMoney(money.perMonth, money.currency)) : '—';
  return `<td class="num money" data-label="Saves per week">${week}</td><td class="num money" data-label="Saves per month">${month}</td>`;
}

function moneyAttrs(money: Money | undefined): string {
  return money ? ` data-per-week="${money.perWeek}" data-per-month="${money.perMonth}" data-currency="${esc(money.currency)}"` : '';
}

function resourceLabel(r: WeekResource): string {
  const size = r.size ? ` · ${r.size.instances} × ${r.size.cpu / 1000} vCPU, ${r.size.memory / 1024} GiB` : '';
  return `<span class="prod">${r.product.toUpperCase()}</span> ${esc(r.name)} <span class="muted">${esc(r.region)} · ${esc(r.id)}${esc(size)}</span>`;
}

function summary(model: WeekModel): string {
  const resolved = model.resolved;
  const head = `<thead><tr><th scope="col">Rule / resource</th><th scope="col" class="num">Off per week</th>${resolved ? '<th scope="col" class="num">Saves per week</th><th scope="col" class="num">Saves per month</th>' : ''}<th scope="col">Note</th></tr></thead>`;
  const rows: string[] = [];
  for (const row of model.rows) {
    const name = esc(row.rule.name);
    const priced = row.resources.filter((r) => r.saving).length;
    const note = row.note ?? (priced ? `sum of ${priced} SAE app${priced === 1 ? '' : 's'}` : '');
    rows.push(
      `<tr class="rulerow" data-row="rule" data-rule="${name}" data-hours="${row.hoursOffPerWeek}"${moneyAttrs(row.saving)}>` +
        `<th scope="row" data-label="Rule">${name}<div class="muted">${esc(row.timing)}</div></th>` +
        `<td class="num" data-label="Off per week">${formatHours(row.hoursOffPerWeek)} h</td>` +
        moneyCells(row.saving, resolved) +
        `<td data-label="Note">${esc(note)}</td></tr>`,
    );
    for (const r of row.resources) {
      rows.push(
        `<tr class="resrow${r.excluded ? ' excluded' : ''}" data-row="resource" data-rule="${name}" data-product="${r.resource.product}" data-resource="${esc(r.resource.id)}" data-hours="${r.excluded ? 0 : r.hoursOffPerWeek}"${moneyAttrs(r.saving)}>` +
          `<td data-label="Resource">${resourceLabel(r.resource)}</td>` +
          `<td class="num" data-label="Off per week">${r.excluded ? '—' : `${formatHours(r.hoursOffPerWeek)} h`}</td>` +
          moneyCells(r.saving, resolved) +
          `<td class="note" data-label="Note">${esc(r.note ?? '')}</td></tr>`,
      );
    }
  }
  if (resolved) {
    rows.push(
      `<tr class="totalrow" data-row="total"${moneyAttrs(model.total)}><th scope="row" data-label="Total">Total, each app counted once</th><td class="num"></td>` +
        moneyCells(model.total, true) +
        '<td></td></tr>',
    );
  }
  const first = model.days[0];
  const notes: string[] = [
    `<p class="footnote" id="fn-hours">Off per week: the hours the rule is off-peak in the ${model.savingsDays} days from ${esc(first ? first.label : '')}, in elapsed hours (what SAE bills), scaled to a 7-day week.</p>`,
  ];
  if (resolved) {
    const p = model.pricing;
    notes.push(
      `<p class="footnote" id="fn-pricing">Prices: ${esc(`${p.saeVcpuHour} ${p.currency} per vCPU-hour and ${p.saeGibHour} ${p.currency} per GiB-hour`)}. Source: ${esc(p.source)}. ` +
        'A saving is the hours stopped × instances × (vCPU and GiB prices); a month is 365.25 / 12 days.</p>',
    );
    notes.push(`<p class="footnote" id="fn-swas">SWAS: ${esc(SWAS_PREPAID_NOTE)}.</p>`);
  } else {
    notes.push(
      '<p class="needresolve" id="fn-resolve">Savings need <code>--resolve</code>: <code>offpeak plan --html FILE --resolve</code> lists each rule\'s SAE apps and SWAS instances (it only lists, it changes nothing) and prices the hours the apps are stopped.</p>',
    );
  }
  return `<section class="summary"><h2>Hours off and savings</h2><div class="tablewrap"><table>${head}<tbody>${rows.join('')}</tbody></table></div>${notes.join('')}</section>`;
}

function warnings(model: WeekModel): string {
  const items = model.warnings.map(
    (d) =>
      `<li><code>${esc(`${d.file}:${d.line}:${d.col}`)}</code> ${esc(formatDiagnostic(d).slice(`${d.file}:${d.line}:${d.col}: `.length))}</li>`,
  );
  const problems = model.problems.map((p) => `<li>${esc(p)}</li>`);
  return (
    `<section class="warnings"><h2>Warnings from validate${model.warnings.length ? ` (${model.warnings.length})` : ''}</h2>` +
    (items.length
      ? `<ul>${items.join('')}</ul>`
      : '<p class="muted">None: <code>offpeak validate</code> finds no conflicts and no DST or calendar warnings.</p>') +
    (problems.length ? `<h2>Targets not resolved</h2><ul>${problems.join('')}</ul>` : '') +
    '</section>'
  );
}

function title(model: WeekModel): string {
  const first = model.days[0];
  const last = model.days.at(-1);
  return first && last ? `${first.label} – ${last.label} ${last.date.slice(0, 4)}` : '';
}

function zoneText(model: WeekModel): string {
  const offsets = [...new Set([offsetAt(model.zone, model.from), ...model.dst.map((c) => c.after)])];
  return `${model.zone} (${offsets.map(offsetText).join(', then ')})`;
}

/** The page. */
export function weekHtml(model: WeekModel, meta: PageMeta): string {
  const g = geometry(model);
  const step = tickStep(g, model);
  const dstNotes = model.dst.map((c) => `${c.day.label}: ${c.label}, a ${formatHours(c.day.hours)}-hour day`);
  const files = meta.files.map((f) => `<code>${esc(f)}</code>`).join(', ');
  const body = [
    '<header>',
    `<h1>offpeak plan <span class="range">${esc(title(model))}</span></h1>`,
    `<p class="sub">${model.days.length} day${model.days.length === 1 ? '' : 's'} · times in ${esc(zoneText(model))}${dstNotes.length ? ` · <strong class="dstnote">${esc(dstNotes.join('; '))}</strong>` : ''}</p>`,
    '</header>',
    legend(),
    '<p class="swipe">The chart scrolls sideways: swipe it to see every day.</p>',
    `<div class="chart" role="region" aria-label="The plan, one row per rule" tabindex="0">`,
    axis(model, g, step),
    model.rows.length ? model.rows.map((row) => groupSvg(row, model, g, step)).join('') : '<p class="empty">No rules.</p>',
    '</div>',
    summary(model),
    warnings(model),
    `<footer><p>Schedules: ${files || 'none'}. Made by <code>offpeak plan --html</code> at ${esc(iso(meta.generatedAt))}; the page reads the schedules as every run does (same edges, same DST and calendar rules).</p></footer>`,
  ];
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(`offpeak plan: ${title(model)}`)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body><main>',
    ...body,
    '</main></body>',
    '</html>',
    '',
  ].join('\n');
}

const CSS = `
:root { --ink: #1d2330; --muted: #5d6677; --line: #d5d9e0; --off: #34507a; --offres: #7f97ba; --on: #e3efe0; --stop: #b8322a; --start: #23803a; --holiday: #f2b630; --workday: #3c8dc5; --dst: #8a3ca8; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1200px; margin: 0 auto; padding: 20px 20px 32px; overflow-wrap: break-word; }
h1 { font-size: 1.45rem; margin: 0 0 2px; }
h1 .range { font-weight: 500; color: var(--muted); }
h2 { font-size: 1.1rem; margin: 26px 0 8px; }
.sub { margin: 0 0 10px; color: var(--muted); }
.dstnote { color: var(--dst); font-weight: 600; }
code { font: 0.9em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.muted { color: var(--muted); font-size: 0.88em; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; list-style: none; margin: 8px 0 12px; padding: 0; font-size: 0.9rem; }
.legend li { display: flex; align-items: center; gap: 6px; }
.key { flex: none; overflow: visible; }
.swipe { display: none; }
.chart { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
.chart:focus-visible { outline: 2px solid var(--workday); }
.chart svg { display: block; width: 100%; height: auto; }
.groupwrap { border-top: 1px solid var(--line); }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; fill: var(--ink); }
.dayname { font-size: 13px; font-weight: 600; }
.weekend .dayname { fill: var(--muted); }
.tick { font-size: 11px; fill: var(--muted); }
.colhead { font-size: 11px; fill: var(--muted); font-weight: 600; }
.grid { stroke: #eceef2; stroke-width: 1; }
.daygrid { stroke: #b7bdc8; stroke-width: 1; }
.dstline { stroke: var(--dst); stroke-width: 2; stroke-dasharray: 4 3; }
.dstbadge { fill: var(--dst); }
.dsttext { font-size: 10.5px; font-weight: 700; fill: #fff; }
.rowbg { fill: #fafbfc; }
.name { font-size: 14px; font-weight: 700; }
.detail { font-size: 10.5px; fill: var(--muted); }
.lane { fill: var(--on); }
.lane.small { fill: #eef5ec; }
.off { fill: var(--off); }
.off.res { fill: var(--offres); }
.edge line { stroke-width: 2; }
.edge.stop line { stroke: var(--stop); } .edge.stop polygon { fill: var(--stop); }
.edge.start line { stroke: var(--start); } .edge.start polygon { fill: var(--start); }
.edgetime { font-size: 10.5px; fill: var(--muted); }
.band.holiday { fill: var(--holiday); fill-opacity: 0.28; }
.band.workday { fill: var(--workday); fill-opacity: 0.2; }
.band.uncovered { fill: #8d939c; fill-opacity: 0.22; }
.bandtext { font-size: 10.5px; font-weight: 700; paint-order: stroke; stroke-width: 3px; stroke-linejoin: round; }
/* A halo in the band's own tint keeps the word clear of the grid lines. */
.bandtext.holiday { fill: #8a5a00; stroke: #fbebc5; } .bandtext.workday { fill: #1f5f8b; stroke: #d8e8f3; } .bandtext.uncovered { fill: #4a4a4a; stroke: #fff; }
.hours { font-size: 13px; font-weight: 700; }
.hours.small { font-size: 12px; font-weight: 500; fill: var(--muted); }
.sep { stroke: #eceef2; }
.badge { font-size: 9.5px; font-weight: 700; fill: var(--muted); letter-spacing: 0.04em; }
.resname { font-size: 12.5px; }
.excluded .resname { fill: var(--muted); text-decoration: line-through; }
.excludedtext { font-size: 11px; fill: var(--muted); font-style: italic; }
.tablewrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-size: 0.85rem; color: var(--muted); }
.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.rulerow { background: #f5f7fa; }
.rulerow .muted { font-weight: 400; }
.resrow td:first-child { padding-left: 22px; }
.resrow.excluded { color: var(--muted); }
.totalrow th, .totalrow td { font-weight: 700; border-top: 2px solid var(--ink); }
.prod { display: inline-block; font-size: 0.72rem; font-weight: 700; color: var(--muted); border: 1px solid var(--line); border-radius: 3px; padding: 0 4px; }
.note { color: var(--muted); font-size: 0.88em; }
.footnote, .needresolve { font-size: 0.85rem; color: var(--muted); margin: 6px 0; }
.needresolve { color: var(--ink); background: #fff8e5; border-left: 3px solid var(--holiday); padding: 6px 10px; }
.warnings ul { padding-left: 20px; margin: 0; } .warnings li { margin: 4px 0; overflow-wrap: anywhere; }
footer { margin-top: 26px; font-size: 0.8rem; color: var(--muted); overflow-wrap: anywhere; }
@media (max-width: 640px) {
  main { padding: 12px 10px 24px; }
  h1 { font-size: 1.2rem; } h1 .range { display: block; font-size: 1rem; }
  body { font-size: 14px; }
  .legend { font-size: 0.82rem; gap: 4px 12px; }
  .swipe { display: block; margin: 0 0 6px; font-size: 0.82rem; color: var(--muted); }
  /* The table becomes one card per row: label and value side by side, nothing wider than the screen. */
  table, tbody, tr, th, td { display: block; width: 100%; }
  thead { display: none; }
  tr { border: 1px solid var(--line); border-radius: 6px; margin: 8px 0; padding: 4px 0; }
  th, td { border: 0; padding: 3px 10px; text-align: left; }
  td.num, th.num { text-align: left; }
  td[data-label]:not(:empty)::before { content: attr(data-label) ": "; color: var(--muted); font-size: 0.85em; }
  .resrow td:first-child { padding-left: 10px; }
  .resrow td:first-child::before, .rulerow th::before { content: none; }
  .totalrow td:empty { display: none; }
}
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  :root { --off: #333; --offres: #8a8a8a; --on: #fff; --stop: #000; --start: #000; --dst: #000; --muted: #444; }
  body { font-size: 11pt; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  main { max-width: none; padding: 0; }
  .chart { overflow: visible; border-color: #999; }
  .chart svg { min-width: 0 !important; }
  .lane, .lane.small { fill: #fff; stroke: #999; stroke-width: 0.5; }
  .band.holiday { fill: url(#op-hatch); fill-opacity: 0.6; }
  .band.workday { fill: url(#op-dots); fill-opacity: 0.8; }
  .band.uncovered { fill: url(#op-lines); fill-opacity: 0.8; }
  .bandtext.holiday, .bandtext.workday, .bandtext.uncovered { fill: #000; stroke: #fff; }
  .dstbadge { fill: #fff; stroke: #000; } .dsttext { fill: #000; }
  .edge.start polygon { fill: #fff; stroke: #000; stroke-width: 1.5; }
  .rulerow { background: none; }
  .groupwrap, tr, li, .legend, header { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .needresolve { background: none; border-left-color: #000; }
}
`;
