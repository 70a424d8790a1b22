/** Warehouse DDL derived from the model: the tables exist exactly as src/model declares them. */
import { ALL_TABLES, type Table } from '../model/schema.js';
import type { Dialect } from '../warehouse/dialect.js';

export function createTableSql(table: Table, dialect: Dialect, name = table.name): string {
  const cols = table.columns.map((c) => `${dialect.ident(c.name)} ${dialect.columnType(c.type)}`);
  return `CREATE TABLE IF NOT EXISTS ${name} (${cols.join(', ')})`;
}

export function schemaStatements(dialect: Dialect): string[] {
  return [
    ...dialect.enumDeclarations(),
    'CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)',
    ...ALL_TABLES.map((t) => createTableSql(t, dialect)),
    'CREATE SEQUENCE IF NOT EXISTS batch_seq START 1',
  ];
}
