import { readFile } from 'node:fs/promises';
import {
  buildSchema,
  type GraphQLNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
} from 'graphql';
import { describe, expect, test } from 'vitest';
import { renderSchemas } from '../../scripts/print-schema.js';

describe('checked-in SDL', () => {
  for (const [path, content] of Object.entries(renderSchemas())) {
    test(`${path} matches the code (run \`npm run schema:print\` when this fails)`, async () => {
      expect(await readFile(path, 'utf8')).toBe(content);
    });
  }
});

describe('schema conventions', () => {
  const schema = buildSchema(renderSchemas()['schema/schema.graphql'] as string);
  const ours = Object.values(schema.getTypeMap()).filter(
    (type: GraphQLNamedType) =>
      !type.name.startsWith('__') && !['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name),
  );

  test('every public type, field, argument and enum value has a description', () => {
    const missing: string[] = [];
    for (const type of ours) {
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (field.name.startsWith('_')) continue;
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of field.args) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isInputObjectType(type)) {
        for (const field of Object.values(type.getFields()))
          if (!field.description) missing.push(`${type.name}.${field.name}`);
      }
      if (isEnumType(type))
        for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
    }
    expect(missing.filter((name) => !name.startsWith('_'))).toEqual([]);
  });

  test('types are PascalCase, fields and arguments camelCase, enum values SCREAMING_SNAKE_CASE', () => {
    const bad: string[] = [];
    for (const type of ours) {
      if (type.name.startsWith('_')) continue;
      if (!/^[A-Z][A-Za-z0-9]*$/.test(type.name)) bad.push(type.name);
      if (isObjectType(type) || isInputObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.name.startsWith('_') && !/^[a-z][A-Za-z0-9]*$/.test(field.name))
            bad.push(`${type.name}.${field.name}`);
        }
      }
      if (isEnumType(type))
        for (const value of type.getValues())
          if (!/^[A-Z][A-Z0-9_]*$/.test(value.name)) bad.push(`${type.name}.${value.name}`);
    }
    expect(bad).toEqual([]);
  });

  test('upstream-deprecated fields are deprecated with a reason naming the replacement', () => {
    const message = schema.getType('Message');
    if (!isObjectType(message)) throw new Error('Message missing');
    const fields = message.getFields();
    expect(fields.ts?.deprecationReason).toMatch(/scannedAt/);
    expect(fields.sentDate?.deprecationReason).toMatch(/sentAt/);
    expect(fields.findings?.deprecationReason).toMatch(/detection/);
  });
});
