/**
 * Message text with variables: "Hi {nickname}, {item} is back" is literal text and variable names in
 * braces; "{{" and "}}" write a literal brace. A template naming an unknown variable is refused when the
 * campaign is loaded.
 */

/** The variables a template may use, each taken from the user's portrait (docs/messages.md). */
export const VARIABLES = ['nickname', 'item', 'friend_count', 'days_until_due', 'coupon'] as const;
export type Variable = (typeof VARIABLES)[number];

export type TemplatePart = { text: string } | { variable: Variable };

export class TemplateError extends Error {}

/** The parts of a template text, in order; a TemplateError says what is wrong. */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if ((c === '{' || c === '}') && text[i + 1] === c) {
      literal += c;
      i++;
    } else if (c === '}') {
      throw new TemplateError(`a lone "}" at character ${i + 1}: write "}}" for a literal brace`);
    } else if (c === '{') {
      const end = text.indexOf('}', i + 1);
      if (end < 0) throw new TemplateError(`an unclosed "{" at character ${i + 1}: write "{{" for a literal brace`);
      const name = text.slice(i + 1, end).trim();
      if (!(VARIABLES as readonly string[]).includes(name)) {
        throw new TemplateError(`unknown variable {${name}}; the variables are ${VARIABLES.map((v) => `{${v}}`).join(', ')}`);
      }
      if (literal) parts.push({ text: literal });
      literal = '';
      parts.push({ variable: name as Variable });
      i = end;
    } else {
      literal += c;
    }
  }
  if (literal) parts.push({ text: literal });
  return parts;
}

/** The variables a template uses, each once, in order of first use. */
export function templateVariables(parts: readonly TemplatePart[]): Variable[] {
  return [...new Set(parts.flatMap((p) => ('variable' in p ? [p.variable] : [])))];
}
