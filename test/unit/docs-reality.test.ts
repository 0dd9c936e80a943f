import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * docs/reality.md names, for each assumption about the real cloud, the tests that exercise each
 * reading, under "Covered by:": a list item per test file, `- \`test/...\`: "title"; "title"`, or a
 * sentence saying what no test covers. Every file named must exist and hold every title quoted as
 * one of its string literals, so the page cannot drift from the tests.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PAGE = 'docs/reality.md';
const PARTS = ['**What the docs say.**', '**What offpeak assumes.**', '**If it is otherwise.**', '**Covered by:**'];

interface Assumption {
  readonly heading: string;
  readonly body: string;
}

interface Citation {
  readonly file: string;
  readonly titles: string[];
}

/** The assumptions: every `###` section of the page. */
function assumptions(text: string): Assumption[] {
  return text
    .split(/^### /m)
    .slice(1)
    .map((part) => {
      const [heading = '', ...body] = part.split('\n');
      // A `##` heading ends the section before it.
      return { heading: heading.trim(), body: body.join('\n').split(/^## /m)[0]! };
    });
}

/** The items of a section's "Covered by:" list, continuation lines joined to their item. */
function coveredBy(body: string): string[] {
  const lines = body.split('\n');
  const start = lines.findIndex((line) => line.startsWith(PARTS[3]!));
  if (start < 0) return [];
  const items: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    if (line.startsWith('- ')) items.push(line.slice(2).trim());
    else if (items.length > 0) items[items.length - 1] += ` ${line.trim()}`;
  }
  return items;
}

/** An item that names a test file, with the titles it quotes; undefined for a sentence. */
function citation(item: string): Citation | undefined {
  const m = /^`(test\/[^`]+)`:(.*)$/.exec(item);
  if (!m) return undefined;
  return { file: m[1]!, titles: [...m[2]!.matchAll(/"([^"]+)"/g)].map((t) => t[1]!) };
}

/** The ways a test file can write `title` as a whole string literal. */
function literals(title: string): string[] {
  return [
    `'${title.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
    `"${title.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`,
    `\`${title}\``,
  ];
}

/** The anchor GitHub gives a heading. */
const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

const text = readFileSync(join(ROOT, PAGE), 'utf8');
const sections = assumptions(text);

describe(PAGE, () => {
  it('has assumptions, each with what the docs say, what offpeak assumes, if it is otherwise, and what covers it, in that order', () => {
    expect(sections.length).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const { heading, body } of sections) {
      const at = PARTS.map((part) => body.indexOf(part));
      if (at.some((i) => i < 0)) problems.push(`${heading}: missing ${PARTS.filter((_, i) => at[i]! < 0).join(', ')}`);
      else if (at.some((i, n) => n > 0 && i < at[n - 1]!)) problems.push(`${heading}: the parts are out of order`);
      if (coveredBy(body).length === 0) problems.push(`${heading}: "Covered by:" lists nothing`);
    }
    expect(problems).toEqual([]);
  });

  it('links every assumption from the list at the top', () => {
    const missing = sections.map((s) => anchor(s.heading)).filter((a) => !text.includes(`](#${a})`));
    expect(missing).toEqual([]);
  });

  it('names test files that exist, each with titles that are test titles in that file', () => {
    const problems: string[] = [];
    let cited = 0;
    for (const { heading, body } of sections) {
      for (const item of coveredBy(body)) {
        const c = citation(item);
        if (!c) {
          if (item.startsWith('`')) problems.push(`${heading}: an item that names no test file: ${item}`);
          continue;
        }
        const path = join(ROOT, c.file);
        if (!existsSync(path)) {
          problems.push(`${heading}: ${c.file} does not exist`);
          continue;
        }
        if (c.titles.length === 0) problems.push(`${heading}: ${c.file} is named without a test title`);
        const source = readFileSync(path, 'utf8');
        for (const title of c.titles) {
          cited += 1;
          if (!literals(title).some((literal) => source.includes(literal))) problems.push(`${heading}: ${c.file} has no test "${title}"`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(cited).toBeGreaterThan(0);
  });
});
