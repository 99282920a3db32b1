/**
 * A terminal's screen as an SVG picture: what a program wrote to a pseudo-terminal (ANSI sequences, carriage returns,
 * a progress bar redrawn in place) is played into a headless xterm.js terminal, and the screen it ends with is drawn
 * cell by cell in a monospace font. Nothing needs a browser, and the same bytes always give the same picture.
 */
import xterm from '@xterm/headless';

/** The 16 ANSI colours of the palette the picture uses (a light theme, readable on GitHub's light and dark pages). */
const PALETTE = [
  '#1f2328',
  '#cf222e',
  '#116329',
  '#7d4e00',
  '#0550ae',
  '#8250df',
  '#1b7c83',
  '#6e7781',
  '#57606a',
  '#a40e26',
  '#1a7f37',
  '#9a6700',
  '#218bff',
  '#a475f9',
  '#3192aa',
  '#8c959f',
];
const FOREGROUND = '#1f2328';
const BACKGROUND = '#ffffff';
const CELL_WIDTH = 8.4;
const LINE_HEIGHT = 18;
const FONT_SIZE = 14;
const PADDING = 16;
const TITLE_BAR = 30;

interface Run {
  text: string;
  column: number;
  bold: boolean;
  colour: string;
}

/** The screen after `output` was written to a `columns`-wide terminal: one list of styled runs per non-empty row. */
export async function screenOf(output: string, columns: number): Promise<Run[][]> {
  const terminal = new xterm.Terminal({ cols: columns, rows: 200, allowProposedApi: true, scrollback: 0 });
  await new Promise<void>((resolve) => terminal.write(output, resolve));
  const buffer = terminal.buffer.active;
  const rows: Run[][] = [];
  for (let y = 0; y < buffer.length; y++) {
    const line = buffer.getLine(y);
    if (!line) continue;
    const runs: Run[] = [];
    for (let x = 0; x < columns; x++) {
      const cell = line.getCell(x);
      if (!cell || cell.getWidth() === 0) continue;
      const chars = cell.getChars() || ' ';
      const colour = cell.isFgDefault()
        ? FOREGROUND
        : cell.isFgPalette()
          ? (PALETTE[cell.getFgColor()] ?? FOREGROUND)
          : `#${cell.getFgColor().toString(16).padStart(6, '0')}`;
      const bold = cell.isBold() !== 0;
      const last = runs.at(-1);
      if (last && last.bold === bold && last.colour === colour && last.column + last.text.length === x) {
        last.text += chars;
      } else {
        runs.push({ text: chars, column: x, bold, colour });
      }
    }
    rows.push(trimRuns(runs));
  }
  terminal.dispose();
  while (rows.length > 0 && rows.at(-1)?.length === 0) rows.pop();
  return rows;
}

function trimRuns(runs: Run[]): Run[] {
  const kept = [...runs];
  while (kept.length > 0) {
    const last = kept.at(-1) as Run;
    const text = last.text.trimEnd();
    if (text.length > 0) {
      last.text = text;
      break;
    }
    kept.pop();
  }
  return kept;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The screen drawn as a terminal window with a title; each run placed at its cell, so any monospace font lines up. */
export function terminalSvg(rows: Run[][], options: { title: string; columns: number }): string {
  const width = Math.ceil(options.columns * CELL_WIDTH + 2 * PADDING);
  const height = Math.ceil(TITLE_BAR + rows.length * LINE_HEIGHT + 2 * PADDING);
  const text = rows
    .map((runs, y) => {
      const baseline = TITLE_BAR + PADDING + y * LINE_HEIGHT + FONT_SIZE;
      return runs
        .map((original) => {
          // Leading blanks become an offset: whitespace handling differs between SVG renderers.
          const blanks = original.text.length - original.text.trimStart().length;
          const run = { ...original, text: original.text.slice(blanks), column: original.column + blanks };
          const x = (PADDING + run.column * CELL_WIDTH).toFixed(1);
          const style = `${run.bold ? ' font-weight="bold"' : ''}${run.colour === FOREGROUND ? '' : ` fill="${run.colour}"`}`;
          // The text length pins each run to its cells whatever monospace font the viewer has.
          const length = (run.text.length * CELL_WIDTH).toFixed(1);
          return `<text xml:space="preserve" x="${x}" y="${baseline}" textLength="${length}" lengthAdjust="spacingAndGlyphs"${style}>${escapeXml(run.text)}</text>`;
        })
        .join('');
    })
    .filter((line) => line.length > 0)
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(options.title)}">`,
    `<rect width="${width}" height="${height}" rx="8" fill="${BACKGROUND}" stroke="#d0d7de"/>`,
    `<path d="M0 8a8 8 0 0 1 8-8h${width - 16}a8 8 0 0 1 8 8v${TITLE_BAR - 8}H0z" fill="#f6f8fa"/>`,
    `<line x1="0" y1="${TITLE_BAR}" x2="${width}" y2="${TITLE_BAR}" stroke="#d0d7de"/>`,
    ...['#ff5f57', '#febc2e', '#28c840'].map((fill, i) => `<circle cx="${18 + i * 20}" cy="15" r="6" fill="${fill}"/>`),
    `<text x="${width / 2}" y="20" text-anchor="middle" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="13" fill="#57606a">${escapeXml(options.title)}</text>`,
    `<g font-family="'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace" font-size="${FONT_SIZE}" fill="${FOREGROUND}" style="white-space:pre">`,
    text,
    '</g>',
    '</svg>',
    '',
  ].join('\n');
}
