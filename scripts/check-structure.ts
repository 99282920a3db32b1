/**
 * `npm run check:structure`: the import graph of handlers/ and src/ (read by madge), held against the layout.
 * - no import cycle between files;
 * - no cycle between folders (src/alerts → src/health → src/alerts would be one);
 * - imports flow one way, from the entry points down to the base:
 *     entry (handlers/, src/cli/) → orchestration → domain → base (aws/, policy/, settings, config, observability).
 * Prints every breach and exits 1 when there is one.
 */
import madge from 'madge';

/** Each folder's (or root module's) layer; a module may import its own layer or a lower one. */
const LAYERS: Record<string, number> = {
  'src/settings.ts': 0,
  'src/config.ts': 0,
  'src/observability.ts': 0,
  'src/aws': 0,
  'src/policy': 0,
  'src/roles': 1,
  'src/permission': 1,
  'src/probes': 1,
  'src/alerts': 1,
  'src/events': 1,
  'src/runtimes': 1,
  'src/deployment': 1,
  'src/remediation': 2,
  'src/health': 2,
  'src/runtime-roles': 2,
  'src/fleet': 2,
  'src/cli': 3,
  handlers: 3,
};
const LAYER_NAMES = ['base', 'domain', 'orchestration', 'entry'];

/** The folder (or root module) a file belongs to, as LAYERS names it. */
function placeOf(file: string): string {
  if (file.startsWith('handlers/')) return 'handlers';
  const parts = file.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : file;
}

function folderCycles(edges: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'visiting');
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'visiting') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

const graph = await madge(['src', 'handlers'], { fileExtensions: ['ts'], tsConfig: 'tsconfig.json' });
const problems: string[] = [];

for (const cycle of graph.circular()) problems.push(`file cycle: ${cycle.join(' → ')}`);

const folderEdges = new Map<string, Set<string>>();
const ours = (file: string) => file.startsWith('src/') || file.startsWith('handlers/');
for (const [file, all] of Object.entries(graph.obj())) {
  if (!ours(file)) continue;
  const imports = all.filter(ours);
  const from = placeOf(file);
  const fromLayer = LAYERS[from];
  if (fromLayer === undefined) problems.push(`${file}: ${from} has no layer in scripts/check-structure.ts`);
  for (const imported of imports) {
    const to = placeOf(imported);
    if (to !== from) {
      const set = folderEdges.get(from) ?? new Set<string>();
      set.add(to);
      folderEdges.set(from, set);
    }
    const toLayer = LAYERS[to];
    if (fromLayer !== undefined && toLayer !== undefined && toLayer > fromLayer) {
      problems.push(
        `${file} (${LAYER_NAMES[fromLayer]}) imports ${imported} (${LAYER_NAMES[toLayer]}): imports flow down only`,
      );
    }
  }
}
for (const cycle of folderCycles(folderEdges)) problems.push(`folder cycle: ${cycle.join(' → ')}`);

const files = Object.keys(graph.obj()).filter(ours).length;
if (problems.length > 0) {
  console.error(
    `Structure: ${problems.length} problem(s) in ${files} modules:\n${problems.map((p) => `  ${p}`).join('\n')}`,
  );
  process.exitCode = 1;
} else {
  console.log(`Structure: ${files} modules, ${folderEdges.size} folders; no cycles, imports flow one way.`);
}
