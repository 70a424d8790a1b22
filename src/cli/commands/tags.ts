/** `portrait tags list | define FILE.json | show KEY`: the tag registry and tag values. */
import { InvalidArgumentError, type Command } from 'commander';
import { PortraitError } from '../../errors.js';
import { TAG_FAMILIES, type TagFamily } from '../../tags/registry/definition.js';
import { TagRegistry } from '../../tags/registry/registry.js';
import { readJsonFile } from '../../workspace/definitions.js';
import { buildTags, tagsAsOf } from '../../tags/values/build.js';
import { tagDistribution, type TagDistribution } from '../../tags/values/read.js';
import { output, withWorkspace } from '../context.js';
import { clip, formatNumber, formatTime, formatValue, renderPairs, renderTable } from '../format.js';

function parseFamily(value: string): TagFamily {
  if (!(TAG_FAMILIES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${TAG_FAMILIES.join(', ')}.`);
  return value as TagFamily;
}

const json = (cmd: Command) => Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);

export function registerTagCommands(program: Command): void {
  const tags = program.command('tags').description('the tag registry: list, define and inspect tags');

  tags
    .command('list')
    .description('every tag (built-in and defined in this workspace) with its family, kind and type')
    .option('--family <family>', `only one family: ${TAG_FAMILIES.join(', ')}`, parseFamily)
    .option('--json', 'machine-readable output')
    .action(async (flags: { family?: TagFamily }, cmd: Command) => {
      const list = await withWorkspace(cmd, async (ws) => TagRegistry.load(ws).list(flags.family));
      output(json(cmd), list, () =>
        renderTable(
          ['key', 'family', 'kind', 'type', 'origin', 'description'],
          list.map((t) => [t.key, t.family, t.kind, t.type, t.origin, clip(t.description.en, 70)]),
        ) + `\n${list.length} tags`,
      );
    });

  tags
    .command('define')
    .description('add or replace a tag from a JSON definition (validated first; nothing changes if it is invalid)')
    .argument('<file>', 'definition file (JSON)')
    .option('--json', 'machine-readable output')
    .action(async (file: string, _flags: unknown, cmd: Command) => {
      const result = await withWorkspace(cmd, async (ws) => {
        const { definition, replaced } = TagRegistry.define(ws, readJsonFile(file), file);
        // Values follow at once when tags have been built: this tag and the rules that read it.
        if (!(await tagsAsOf(ws.wh))) return { key: definition.key, replaced, computed: null };
        const registry = TagRegistry.load(ws);
        const keys = registry.withDependents(definition.key);
        const built = await buildTags(ws, { keys, registry });
        const users = await ws.wh.query<{ n: number }>('SELECT count(*) AS n FROM tag_values WHERE tag = $1', [definition.key]);
        return { key: definition.key, replaced, computed: { asOf: built.asOf, tags: keys, users: Number(users[0]?.n ?? 0), skipped: built.skipped } };
      });
      output(json(cmd), result, () => {
        const lines = [`${result.replaced ? 'replaced' : 'defined'} tag ${result.key}`];
        if (!result.computed) lines.push('values are computed by the next portrait build');
        else {
          lines.push(`computed as of ${formatTime(result.computed.asOf)} for ${formatNumber(result.computed.users)} users (${result.computed.tags.join(', ')})`);
          for (const s of result.computed.skipped) lines.push(`not computed: ${s.key}: ${s.reason}`);
        }
        return lines.join('\n');
      });
    });

  tags
    .command('show')
    .description('one tag: its definition and how its values are distributed over users')
    .argument('<key>', 'tag key')
    .option('--json', 'machine-readable output')
    .action(async (key: string, _flags: unknown, cmd: Command) => {
      const result = await withWorkspace(cmd, async (ws) => {
        const tag = TagRegistry.load(ws).get(key);
        if (!tag) throw new PortraitError(`unknown tag "${key}"`, 'portrait tags list shows the defined tags');
        return { tag, asOf: await tagsAsOf(ws.wh), distribution: await tagDistribution(ws.wh, tag) };
      });
      output(json(cmd), result, () => {
        const { tag, distribution } = result;
        const head = renderPairs([
          ['key', tag.key],
          ['family', tag.family],
          ['kind', tag.kind],
          ['type', tag.type + (tag.unit ? ` (${tag.unit})` : '')],
          ['origin', tag.origin],
          ['description', tag.description.en],
          ['in Chinese', tag.description.zh],
          ['values as of', result.asOf ? formatTime(result.asOf) : 'not built (run portrait build)'],
        ]);
        return [head, '', 'definition:', JSON.stringify(tag.definition, null, 2), '', renderDistribution(distribution, tag.unit)].join('\n');
      });
    });
}

export function renderDistribution(d: TagDistribution, unit?: string): string {
  const share = d.knownUsers ? ` (${formatNumber((100 * d.users) / d.knownUsers, 1)}% of ${formatNumber(d.knownUsers)} known users)` : '';
  const lines = [`users with a value: ${formatNumber(d.users)}${share}`];
  if (d.summary) {
    lines.push(
      renderPairs(
        (['min', 'p25', 'median', 'p75', 'max', 'mean'] as const)
          .filter((k) => d.summary![k] !== undefined)
          .map((k) => [k, formatValue(d.summary![k], unit)]),
      ),
    );
  }
  if (d.values) lines.push(renderTable(['value', 'users', 'share'], d.values.map((v) => [v.value, v.users, `${formatNumber(100 * v.share, 1)}%`])));
  if (d.histogram) {
    lines.push(renderTable(['from', 'to', 'users'], d.histogram.map((b) => [formatValue(b.from), formatValue(b.to), b.users])));
  }
  return lines.join('\n');
}
