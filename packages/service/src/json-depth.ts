/** How deeply request JSON may nest arrays and objects; real payloads stay far below, hostile ones go to thousands. */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests arrays/objects deeper than `maxDepth`. It scans the text without parsing it, so it
 * cannot itself overflow the stack; everything that walks a parsed value recursively (schema validation, the NUL
 * check, JSON.stringify of an error body) can, which is why readers call this before parsing.
 */
export function jsonNestingExceeds(text: string, maxDepth = MAX_JSON_DEPTH): boolean {
  // Depth never exceeds the number of brackets that open, so texts with few of them (nearly all) need no scan.
  if (openingsAtMost(text, maxDepth)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === BACKSLASH) i++;
      else if (ch === QUOTE) inString = false;
    } else if (ch === QUOTE) {
      inString = true;
    } else if (ch === OPEN_BRACE || ch === OPEN_BRACKET) {
      depth++;
      if (depth > maxDepth) return true;
    } else if (ch === CLOSE_BRACE || ch === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/** Whether `text` holds at most `limit` `{` and `[` characters together (strings included), found natively. */
function openingsAtMost(text: string, limit: number): boolean {
  let count = 0;
  for (const bracket of ['{', '[']) {
    for (let at = text.indexOf(bracket); at !== -1; at = text.indexOf(bracket, at + 1)) {
      count += 1;
      if (count > limit) return false;
    }
  }
  return true;
}

/** Thrown by {@link parseJsonBounded} for JSON nested deeper than the limit. */
export class JsonTooDeepError extends Error {
  constructor(readonly maxDepth: number) {
    super(`JSON nesting exceeds ${maxDepth} levels`);
    this.name = 'JsonTooDeepError';
  }
}

/** `JSON.parse` for untrusted text: refuses nesting deeper than `maxDepth` (JsonTooDeepError), else SyntaxError. */
export function parseJsonBounded(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (jsonNestingExceeds(text, maxDepth)) throw new JsonTooDeepError(maxDepth);
  return JSON.parse(text);
}
