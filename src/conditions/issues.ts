/** Turning a zod failure into one clear message: the JSON path of the problem and what was expected. */
import type { z } from 'zod';
import { formatPath, type JsonPath } from './compile.js';

/**
 * The issue that says best what is wrong: of a union's alternatives the one that got furthest into the
 * input, and at equal depth one that is not a mere type mismatch ("expected array").
 */
function deepestIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue {
  const expand = (issue: z.core.$ZodIssue): z.core.$ZodIssue => {
    if (issue.code === 'invalid_union' && issue.errors.length) {
      const inner = deepestIssue(issue.errors.flat());
      return { ...inner, path: [...issue.path, ...inner.path] };
    }
    // A condition without a kind key is reported at the condition, not at the key it lacks.
    if (issue.path.at(-1) === 'kind' && issue.code === 'invalid_union') return { ...issue, path: issue.path.slice(0, -1) };
    return issue;
  };
  const rank = (i: z.core.$ZodIssue) => i.path.length * 2 + (i.code === 'invalid_type' ? 0 : 1);
  return issues.map(expand).reduce((best, i) => (rank(i) > rank(best) ? i : best));
}

/** "definition.rule.when.and[0].value: expected a number" for a failed parse. */
export function describeZodError(error: z.ZodError): string {
  const issue = deepestIssue(error.issues);
  return `${formatPath(issue.path as JsonPath)}: ${issue.message}`;
}
