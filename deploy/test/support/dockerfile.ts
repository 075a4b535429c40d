// A small Dockerfile reader: instructions (continuations joined, comments dropped) grouped into stages.
import { readRepoFile } from './repo';

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string | null;
  base: string;
  instructions: Instruction[];
}

export function dockerfileInstructions(path: string): Instruction[] {
  const lines = readRepoFile(path).split('\n');
  const out: Instruction[] = [];
  let current = '';
  let start = 0;
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) return;
    if (current !== '' && line.startsWith('#')) return;
    if (current === '') start = index + 1;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1).trim()} `;
      return;
    }
    current += line;
    const match = /^(\S+)\s*(.*)$/s.exec(current)!;
    out.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: start });
    current = '';
  });
  return out;
}

export function dockerfileStages(path: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of dockerfileInstructions(path)) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args)!;
      stages.push({ base: match[1]!, name: match[2] ?? null, instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1]!.instructions.push(instruction);
    }
  }
  return stages;
}

/** Global ARG defaults (before the first FROM) and a stage's own ARG/ENV values. */
export function argDefaults(path: string): Record<string, string> {
  const args: Record<string, string> = {};
  for (const i of dockerfileInstructions(path)) {
    if (i.keyword !== 'ARG') continue;
    const [name, value] = i.args.split('=');
    if (value !== undefined) args[name!] = value;
  }
  return args;
}

/** `ENV A=1 B=2` pairs of a stage. */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.keyword === 'ENV')) {
    for (const pair of i.args.split(/\s+/)) {
      const [key, ...rest] = pair.split('=');
      if (key && rest.length > 0) env[key] = rest.join('=');
    }
  }
  return env;
}

/** Arguments of a JSON-form instruction (`CMD ["node", "dist/main.js"]`). */
export function execForm(instruction: Instruction | undefined): string[] | null {
  if (!instruction) return null;
  const args = instruction.args.replace(/^--\S+\s+/, '');
  try {
    const parsed = JSON.parse(args) as unknown;
    return Array.isArray(parsed) ? parsed.map(String) : null;
  } catch {
    return null;
  }
}
