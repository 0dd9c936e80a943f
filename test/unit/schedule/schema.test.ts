import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { schemaText, SCHEMA_PATH } from '../../../lib/doors/cli/schema.js';
import { ruleYaml } from './compile-text.js';

describe('the published JSON Schema', () => {
  it('is exactly what the runtime schema generates (run `npm run schema` after changing it)', async () => {
    expect(await readFile(SCHEMA_PATH, 'utf8')).toBe(schemaText());
  });

  const validate = new Ajv2020({ strict: false }).compile(JSON.parse(schemaText()));

  it('accepts the shipped example schedules', async () => {
    for (const file of ['schedules/dev-nights.yaml', 'schedules/staging.yaml']) {
      const ok = validate(parse(await readFile(file, 'utf8')));
      expect(validate.errors ?? [], file).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('rejects what the runtime rejects for shape: unknown keys, wrong types, bad names', () => {
    expect(validate(parse(ruleYaml('offpeak: ["Sat-Sun"]')))).toBe(false);
    expect(validate(parse(ruleYaml('offPeak: ["Sat-Sun"]\nrestore: "yes"')))).toBe(false);
    expect(validate(parse(ruleYaml('offPeak: ["Sat-Sun"]').replace('name: r', 'name: Bad_Name')))).toBe(false);
    expect(validate(parse(ruleYaml('offPeak: ["Sat-Sun"]')))).toBe(true);
  });
});
