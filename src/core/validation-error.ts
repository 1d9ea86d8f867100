import type { z } from 'zod';

/** A snapshot or setting that does not fit its contract; `message` names the field and what was expected. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** `children[0].contacts[3].emails` from a zod path. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(the document)' : out;
}

const ARTICLE: Record<string, string> = { array: 'an array', object: 'an object', integer: 'an integer' };

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = String(issue.expected);
      return `expected ${ARTICLE[expected] ?? `a ${expected}`}`;
    }
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'too_small':
      return issue.origin === 'number' ? `expected a number of at least ${issue.minimum}` : issue.message;
    default:
      return issue.message;
  }
}

/** One line per problem, `field: what was expected`, at most `limit` lines. */
export function describeZodError(error: z.ZodError, limit = 20): string[] {
  const lines = error.issues
    .slice(0, limit)
    .map((issue) => `${formatPath(issue.path)}: ${describeIssue(issue)}`);
  if (error.issues.length > limit) lines.push(`… and ${error.issues.length - limit} more problems`);
  return lines;
}
