/** docs/data-model.md is generated from the model, so the documentation cannot drift from the tables. */
import { ENUMS, type EnumName } from './enums.js';
import { ENTITY_TABLES, META_TABLES, type Column, type Table } from './schema.js';

function typeLabel(c: Column): string {
  return typeof c.type === 'object' ? `enum ${c.type.enum}` : c.type;
}

function tableSection(t: Table): string {
  const rows = t.columns.map((c) => {
    const flags = [c.required ? 'required' : '', c.personal ? 'personal: stored hashed' : ''].filter(Boolean).join(', ');
    return `| \`${c.name}\` | ${typeLabel(c)} | ${flags} | ${c.description.replaceAll('|', '\\|')} |`;
  });
  const importLine = t.importable
    ? `Key: ${t.key.map((k) => `\`${k}\``).join(', ')}; a re-imported key is ${t.onDuplicate === 'replace' ? 'replaced' : 'skipped'}. Import with \`portrait import ${t.name} FILE\`.`
    : `Key: ${t.key.map((k) => `\`${k}\``).join(', ')}. Written by Portrait itself.`;
  return [`### ${t.name}`, '', t.description, '', importLine, '', '| column | type | flags | meaning |', '|---|---|---|---|', ...rows, ''].join('\n');
}

export function dataModelMarkdown(intro: string): string {
  const enums = (Object.keys(ENUMS) as EnumName[]).map((n) => `- \`${n}\`: ${ENUMS[n].join(', ')}`);
  return [
    intro.trimEnd(),
    '',
    '## Column types',
    '',
    '- `id`: 64-bit integer identifier. `key`: unsigned 64-bit hash key. `int`, `float`: numbers. `money`: exact decimal with two places, in yuan.',
    '- `timestamp`: the platform\'s local wall-clock time (workspace config `utcOffsetHours`, default 8 for Beijing time); Unix-second inputs are shifted by it, so a "day" is the platform\'s day.',
    '- `hash`: a personal identifier stored only as its salted SHA-256 (64 hex digits), or as the MD5 (32 hex digits) the source already applied.',
    '- `json`: a JSON object. `enum NAME`: one of a closed list (below).',
    '',
    '## Enumerations',
    '',
    ...enums,
    '',
    '## Entity tables',
    '',
    ...ENTITY_TABLES.map(tableSection),
    '## Bookkeeping tables',
    '',
    ...META_TABLES.map(tableSection),
  ].join('\n');
}
