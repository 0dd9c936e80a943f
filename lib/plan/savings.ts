import { edgesBetween, isOffPeak } from '../schedule/engine.js';
import type { Pricing, Rule } from '../schedule/rule.js';

/**
 * What stopping saves. Time comes from the engine (the same edges a run acts on), money from
 * prices people can check: SAE bills running instances by vCPU and memory over time, so hours
 * stopped × size × price is what a stop saves; SWAS is sold as prepaid plans, so stopping saves
 * nothing and offpeak says so rather than showing a number.
 */

export type { Pricing } from '../schedule/rule.js';

/**
 * SAE's pay-as-you-go list prices in CNY, per hour, from Alibaba Cloud's China site. The page
 * quotes them per minute: vCPU 0.0030864 CNY per core-minute × 60 = 0.185184 per vCPU-hour;
 * memory 0.0007716 CNY per GiB-minute × 60 = 0.046296 per GiB-hour.
 * That page dates from 2020. SAE now bills in CUs (1 core-hour = 3600 CU, 1 GiB-hour = 900 CU
 * for microservice apps) at a CU price that falls with monthly use; the current resource-plan
 * page sells 10 million CU for 360 CNY as "30% off pay-as-you-go", i.e. 360 / 0.7 / 10^7 CNY per
 * CU = 0.18514 per core-hour and 0.04629 per GiB-hour: the same prices to within 0.05%.
 * List prices, before discounts, resource plans or volume tiers: a `pricing` block sets yours.
 */
export const DEFAULT_PRICING: Pricing = {
  currency: 'CNY',
  saeVcpuHour: 0.185184,
  saeGibHour: 0.046296,
  source:
    'SAE pay-as-you-go list prices in CNY (vCPU 0.0030864 per core-minute, memory 0.0007716 per GiB-minute, × 60 per hour), ' +
    'Alibaba Cloud https://helpcdn.aliyun.com/document_detail/132155.html (a 2020 page; the current resource-plan page ' +
    'https://help.aliyun.com/zh/sae/product-overview/resource-packs-prepaid implies the same), read 2026-11-24. ' +
    'List prices, not your contract: set yours in a pricing block',
};

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Weeks in an average month: a Julian year of 365.25 days over 12 months, over 7 days a week. */
export const WEEKS_PER_MONTH = 365.25 / 12 / 7;

/**
 * Milliseconds the rule is off-peak within [from, to). Pure; exact at edges (use the engine's
 * edges, not sampling).
 *
 * The state can change only at an edge, so the interval is cut at the rule's edges and each piece
 * is off-peak or not as a whole. Window rules report start edges only with `restore`, which is
 * about acting, not about time: the edges are asked of the rule with `restore: true`, so the end
 * of every off-peak stretch is seen. The state after each cut is asked of `isOffPeak` itself, so a
 * stop and a start at the same instant (the start wins) or a repeated stop cannot skew the count.
 */
export function offPeakMs(rule: Rule, from: number, to: number): number {
  if (!(to > from)) return 0;
  const withEnds: Rule = { ...rule, restore: true };
  let total = 0;
  let cursor = from;
  let off = isOffPeak(rule, from);
  // edgesBetween covers (from, to]; an edge at `to` changes nothing inside [from, to).
  for (const edge of edgesBetween(withEnds, from, to)) {
    if (edge.at >= to) break;
    if (off) total += edge.at - cursor;
    cursor = edge.at;
    off = isOffPeak(rule, edge.at);
  }
  if (off) total += to - cursor;
  return total;
}

export interface SaeSize {
  readonly instances: number;
  /** millicores */
  readonly cpu: number;
  /** MiB */
  readonly memory: number;
}

export interface Saving {
  readonly hoursOffPerWeek: number;
  readonly perWeek: number;
  readonly perMonth: number;
  readonly currency: string;
}

/** SAE: hours stopped per week × instances × (vCPU × saeVcpuHour + GiB × saeGibHour); a month is 365.25/12/7 weeks. */
export function saeSaving(hoursOffPerWeek: number, size: SaeSize, pricing: Pricing): Saving {
  // SAE sizes CPU in millicores and memory in MiB; its prices are per vCPU and per GiB.
  const perHour = size.instances * ((size.cpu / 1000) * pricing.saeVcpuHour + (size.memory / 1024) * pricing.saeGibHour);
  const perWeek = hoursOffPerWeek * perHour;
  return { hoursOffPerWeek, perWeek, perMonth: perWeek * WEEKS_PER_MONTH, currency: pricing.currency };
}

/** What stopping several SAE apps saves together, each at its own size; undefined when none is sized. */
export function saeSavingOf(hoursOffPerWeek: number, sizes: readonly SaeSize[], pricing: Pricing): Saving | undefined {
  if (sizes.length === 0) return undefined;
  const each = sizes.map((size) => saeSaving(hoursOffPerWeek, size, pricing));
  return {
    hoursOffPerWeek,
    perWeek: each.reduce((a, s) => a + s.perWeek, 0),
    perMonth: each.reduce((a, s) => a + s.perMonth, 0),
    currency: pricing.currency,
  };
}

/**
 * Hours off-peak in an average week, from the rule's off-peak time over [from, from + days).
 * Days are 24-hour days of elapsed time, so a span that holds a DST change still averages real
 * hours (what SAE bills), and a span of several weeks smooths out holidays and monthly patterns.
 */
export function hoursOffPerWeek(rule: Rule, from: number, days: number): number {
  if (!(days > 0) || !Number.isFinite(days)) throw new RangeError(`days must be a positive number, got ${days}`);
  return (offPeakMs(rule, from, from + days * DAY) / HOUR) * (7 / days);
}

/** The plain words for SWAS: the plan is prepaid and stopping saves no money on it. */
export const SWAS_PREPAID_NOTE = 'SWAS plans are prepaid: stopping an instance saves no money on its plan';
