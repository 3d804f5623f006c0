/**
 * Every GraphQL document of the web app (the `*.graphql.ts` files beside the components)
 * is valid against the server's checked-in SDL, plus the fields of pending.graphql that the
 * SDL does not have yet.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  buildSchema,
  extendSchema,
  type FieldDefinitionNode,
  type GraphQLSchema,
  Kind,
  parse,
  type DefinitionNode,
  validate,
} from "graphql";
import { describe, expect, it } from "vitest";
import { readRepoFile, sourceFiles, UI_ROOT } from "../test/repo";

const sdl = readRepoFile("schemas/graphql/schema.graphql")!;
const pending = readFileSync(join(UI_ROOT, "src/api/pending.graphql"), "utf8");

/** The SDL, extended with the pending fields it lacks; and the names of those fields. */
function schemaWithPending(): { schema: GraphQLSchema; stillPending: string[] } {
  const base = buildSchema(sdl);
  const query = base.getQueryType()!;
  const existing = query.getFields();
  const stillPending: string[] = [];
  const definitions: DefinitionNode[] = [];
  // A file of comments only has no definitions (and `parse` refuses an empty document).
  const pendingDefinitions = pending.replace(/#.*$/gm, "").trim() ? parse(pending).definitions : [];
  for (const definition of pendingDefinitions) {
    if (definition.kind === Kind.OBJECT_TYPE_EXTENSION) {
      const fields = (definition.fields ?? []).filter((field: FieldDefinitionNode) => !(field.name.value in existing));
      stillPending.push(...fields.map((field) => field.name.value));
      if (fields.length > 0) definitions.push({ ...definition, name: { ...definition.name, value: query.name }, fields });
    } else if (definition.kind === Kind.OBJECT_TYPE_DEFINITION && !base.getType(definition.name.value)) {
      definitions.push(definition);
    }
  }
  const schema = definitions.length > 0 ? extendSchema(base, { kind: Kind.DOCUMENT, definitions }) : base;
  return { schema, stillPending };
}

/** Every exported string of the *.graphql.ts modules that is a GraphQL operation. */
function documents(): [string, string][] {
  const found: [string, string][] = [];
  for (const [path, text] of sourceFiles(".graphql.ts")) {
    for (const match of text.matchAll(/export const (\w+) = \/\* GraphQL \*\/ `([^`]*)`/g)) {
      found.push([`${path.replace(UI_ROOT, "ui")} ${match[1]}`, match[2]!]);
    }
  }
  return found;
}

describe("GraphQL documents", () => {
  const { schema, stillPending } = schemaWithPending();
  const all = documents();

  it("finds the documents", () => {
    expect(all.length).toBeGreaterThanOrEqual(10);
  });

  it.each(all)("%s is valid against the SDL", (_name, document) => {
    const errors = validate(schema, parse(document)).map((error) => error.message);
    expect(errors).toEqual([]);
  });

  it("lists the fields the server does not have yet", () => {
    // Informational: shrinks as the server catches up; the client falls back meanwhile.
    console.info(`pending GraphQL fields: ${stillPending.join(", ") || "none"}`);
    expect(stillPending).toEqual([]);
  });
});
