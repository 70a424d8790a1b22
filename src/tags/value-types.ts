/**
 * The value types a tag can hold and where each is stored in the tag-values table: one row per user and
 * tag, with the value in the column of its type (num, txt, ts or lst), the others null.
 */
export const TAG_VALUE_TYPES = ['number', 'integer', 'boolean', 'text', 'timestamp', 'list'] as const;
export type TagValueType = (typeof TAG_VALUE_TYPES)[number];

export type ValueColumn = 'num' | 'txt' | 'ts' | 'lst';

/** Booleans are stored as 1 (true) and 0 (false) in num, so they sum and average like numbers. */
export function valueColumn(type: TagValueType): ValueColumn {
  switch (type) {
    case 'number':
    case 'integer':
    case 'boolean':
      return 'num';
    case 'text':
      return 'txt';
    case 'timestamp':
      return 'ts';
    case 'list':
      return 'lst';
    default: {
      const never: never = type;
      throw new Error(`unknown tag value type ${String(never)}`);
    }
  }
}
