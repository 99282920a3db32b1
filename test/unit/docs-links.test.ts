import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import GithubSlugger from 'github-slugger';
import { describe, expect, it } from 'vitest';

/**
 * The README is what a newcomer reads first, and docs/ is where it sends them: every relative link and picture must
 * lead somewhere, to a heading that exists, and the README must stay short enough to read.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

const text = (page: string) => readFileSync(join(root, page), 'utf8');

/** The page without its fenced code blocks, where nothing is a heading or a link. */
const withoutCodeBlocks = (markdown: string) => markdown.replace(/^```[\s\S]*?^```/gm, '');

/** Relative link targets of a page: `[text](target)` and `![alt](target)`, outside code, without web addresses. */
function relativeLinks(markdown: string): string[] {
  const prose = withoutCodeBlocks(markdown).replace(/`[^`\n]*`/g, '');
  const targets = [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string);
  return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/** The anchors GitHub gives a page's headings: from their text as shown (code, links and emphasis unwrapped). */
function anchorsOf(page: string): Set<string> {
  const slugger = new GithubSlugger();
  const headings = withoutCodeBlocks(text(page))
    .split('\n')
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) =>
      line
        .replace(/^#{1,6} /, '')
        .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
        .replace(/[`*]/g, ''),
    );
  return new Set(headings.map((h) => slugger.slug(h)));
}

describe('the documentation', () => {
  it('keeps the README under 20,000 bytes', () => {
    // Act
    const size = statSync(join(root, 'README.md')).size;
    // Assess
    expect(size).toBeLessThan(20_000);
  });

  it('tells a newcomer how to run the tests', () => {
    // Assess
    expect(text('README.md')).toContain('npm test');
  });

  it.each(pages)('%s links only to files that exist, and to headings they have', (page) => {
    // Prepare
    const broken: string[] = [];
    // Act
    for (const link of relativeLinks(text(page))) {
      const [path = '', anchor] = link.split('#');
      const target = path === '' ? page : relative(root, resolve(root, dirname(page), decodeURIComponent(path)));
      if (!existsSync(join(root, target))) broken.push(`${link}: no file ${target}`);
      else if (anchor && target.endsWith('.md') && !anchorsOf(target).has(anchor)) {
        broken.push(`${link}: no heading #${anchor} in ${target}`);
      }
    }
    // Assess
    expect(broken).toEqual([]);
  });
});
