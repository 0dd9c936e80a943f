import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { schemaText } from '../../../lib/doors/cli/schema.js';
import { compileSchedules } from '../../../lib/schedule/compile.js';
import { formatDiagnostic } from '../../../lib/schedule/diagnostics.js';
import { loadSchedules } from '../../../lib/doors/schedule-files.js';
import { parseSource } from '../../../lib/schedule/source.js';
import { AT, compileText, ruleYaml } from './compile-text.js';

const PRICING = 'pricing: { currency: CNY, saeVcpuHour: 0.2, saeGibHour: 0.05 }';
const rule = (name: string) =>
  `  - name: ${name}\n    offPeak: ["Sat-Sun"]\n    targets:\n      sae: [{ region: cn-hangzhou, appId: app-${name} }]\n`;
const file = (pricing: string, name: string) => `version: 1\ntimezone: Asia/Shanghai\n${pricing}\nrules:\n${rule(name)}`;

function compileFiles(files: Record<string, string>) {
  const sources = Object.entries(files).map(([path, text]) => parseSource(path, text));
  const set = compileSchedules(sources, new Map(), { at: AT });
  return { ...set, lines: set.diagnostics.map(formatDiagnostic) };
}

describe('the pricing block', () => {
  it('is optional: without it the set has no pricing', () => {
    const set = compileFiles({ 'schedules/test.yaml': ruleYaml('offPeak: ["Sat-Sun"]') });
    expect(set.lines).toEqual([]);
    expect(set.pricing).toBeUndefined();
  });

  it('gives the set its prices, with the file named as their source', () => {
    const set = compileFiles({ 'schedules/dev.yaml': ruleYaml('offPeak: ["Sat-Sun"]', 'Asia/Shanghai', PRICING) });
    expect(set.lines).toEqual([]);
    expect(set.pricing).toEqual({ currency: 'CNY', saeVcpuHour: 0.2, saeGibHour: 0.05, source: 'the pricing block of schedules/dev.yaml' });
  });

  it('may be repeated in several files when every block is the same', () => {
    const set = compileFiles({
      'schedules/a.yaml': file(PRICING, 'a'),
      'schedules/b.yaml': file(PRICING, 'b'),
      'schedules/c.yaml': file('', 'c'),
    });
    expect(set.lines).toEqual([]);
    expect(set.rules.map((r) => r.name)).toEqual(['a', 'b', 'c']);
    expect(set.pricing?.source).toBe('the pricing block of schedules/a.yaml');
  });

  it('is an error when two files disagree, naming both files', () => {
    const other = 'pricing:\n  currency: CNY\n  saeVcpuHour: 0.2\n  saeGibHour: 0.04';
    const set = compileFiles({ 'schedules/a.yaml': file(PRICING, 'a'), 'schedules/b.yaml': file(other, 'b') });
    expect(set.lines).toEqual([
      'schedules/b.yaml:3:1: error: pricing: differs from the pricing block at schedules/a.yaml:3 (there CNY 0.2 per vCPU-hour and 0.05 per GiB-hour; here CNY 0.2 per vCPU-hour and 0.04 per GiB-hour); set prices in one file, or make every block the same',
    ]);
    expect(set.rules).toEqual([]);
    expect(set.pricing).toBeUndefined();
  });

  it('a different currency is a disagreement too', () => {
    const set = compileFiles({
      'schedules/a.yaml': file(PRICING, 'a'),
      'schedules/b.yaml': file('pricing: { currency: USD, saeVcpuHour: 0.2, saeGibHour: 0.05 }', 'b'),
    });
    expect(set.lines).toHaveLength(1);
    expect(set.lines[0]).toMatch(/^schedules\/b\.yaml:3:1: error: pricing: differs from the pricing block at schedules\/a\.yaml:3 /);
  });

  it('is carried through loadSchedules from disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'offpeak-pricing-'));
    await writeFile(join(dir, 'rules.yaml'), file(PRICING, 'a'));
    const loaded = await loadSchedules([dir], { at: AT });
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.pricing).toEqual({
      currency: 'CNY',
      saeVcpuHour: 0.2,
      saeGibHour: 0.05,
      source: `the pricing block of ${join(dir, 'rules.yaml')}`,
    });
  });

  it('the published JSON Schema accepts a good block and rejects what the runtime rejects', () => {
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(schemaText()));
    const withPricing = (block: string) => parse(ruleYaml('offPeak: ["Sat-Sun"]', 'Asia/Shanghai', block)) as unknown;
    expect(validate(withPricing(PRICING))).toBe(true);
    for (const bad of [
      'pricing: { currency: CNY, saeVcpuHour: -0.2, saeGibHour: 0.05 }',
      'pricing: { currency: CNY, saeVcpuHour: 0, saeGibHour: 0.05 }',
      'pricing: { currency: CNY, saeVcpuHour: "0.2", saeGibHour: 0.05 }',
      'pricing: { currency: CNY, saeVcpuHour: 0.2 }',
      'pricing: { currency: cny, saeVcpuHour: 0.2, saeGibHour: 0.05 }',
      'pricing: { currency: CNY, saeVcpuHour: 0.2, saeGibHour: 0.05, swasMonth: 24 }',
    ]) {
      expect(validate(withPricing(bad)), bad).toBe(false);
      expect(compileText(ruleYaml('offPeak: ["Sat-Sun"]', 'Asia/Shanghai', bad)).lines.length, bad).toBeGreaterThan(0);
    }
  });
});
