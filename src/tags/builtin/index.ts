/**
 * The built-in tags, written in exactly the form an operator's `portrait tags define FILE.json` takes.
 * docs/tags.md lists them.
 */
import type { TagDefinitionInput } from '../registry/definition.js';
import { BEHAVIOUR_TAGS } from './behaviour.js';
import { CONSUMPTION_TAGS } from './consumption.js';
import { PEOPLE_TAGS } from './people.js';
import { SEGMENT_TAGS } from './segments.js';

export const BUILTIN_TAGS: readonly TagDefinitionInput[] = [...PEOPLE_TAGS, ...CONSUMPTION_TAGS, ...BEHAVIOUR_TAGS, ...SEGMENT_TAGS];
