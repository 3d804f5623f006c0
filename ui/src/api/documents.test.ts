/**
 * Every GraphQL document of the web app (the `*.graphql.ts` files beside the components)
 * is valid against the server's checked-in SDL, plus what pending.graphql declares and the
 * SDL does not have yet: root fields (queries, mutations, subscriptions), fields of the
 * SDL's object types, and types, inputs and enums. Anything neither has is still refused.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  buildSchema,
  type DefinitionNode,
  extendSchema,
  type FieldDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  isObjectType,
  Kind,
  type OperationTypeNode,
  parse,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
} from "graphql";
import { describe, expect, it } from "vitest";
import { readRepoFile, UI_ROOT } from "../test/repo";

const sdl = readRepoFile("schemas/graphql/schema.graphql")!;
const pending = readFileSync(join(UI_ROOT, "src/api/pending.graphql"), "utf8");

/** The root types pending.graphql may extend, by the name it uses for them. */
const ROOT_OPERATIONS: Record<string, OperationTypeNode> = {
  QueryRoot: "query" as OperationTypeNode,
  MutationRoot: "mutation" as OperationTypeNode,
  SubscriptionRoot: "subscription" as OperationTypeNode,
};

const NAMED_TYPE_DEFINITIONS: readonly string[] = [
  Kind.OBJECT_TYPE_DEFINITION,
  Kind.INPUT_OBJECT_TYPE_DEFINITION,
  Kind.ENUM_TYPE_DEFINITION,
  Kind.SCALAR_TYPE_DEFINITION,
  Kind.INTERFACE_TYPE_DEFINITION,
  Kind.UNION_TYPE_DEFINITION,
];

function rootType(schema: GraphQLSchema, operation: OperationTypeNode): GraphQLObjectType | null | undefined {
  return schema.getRootType(operation);
}

interface Extended {
  schema: GraphQLSchema;
  /** Fields still pending: root ones as `query.myDesk`, `mutation.setPresence`, ..., others as `Ticket.references`. */
  pendingFields: string[];
  /** Named types still pending. */
  pendingTypes: string[];
}

/** The SDL, extended with the pending definitions it lacks (the SDL's own wins). */
function schemaWithPending(): Extended {
  const base = buildSchema(sdl);
  const pendingFields: string[] = [];
  const pendingTypes: string[] = [];
  const definitions: DefinitionNode[] = [];
  // A file of comments only has no definitions (and `parse` refuses an empty document).
  const pendingDefinitions = pending.replace(/#.*$/gm, "").trim() ? parse(pending).definitions : [];
  for (const definition of pendingDefinitions) {
    if (definition.kind === Kind.OBJECT_TYPE_EXTENSION) {
      const operation = ROOT_OPERATIONS[definition.name.value];
      const extended = operation ? rootType(base, operation) : base.getType(definition.name.value);
      if (!extended || !isObjectType(extended)) throw new Error(`the SDL has no object type for pending.graphql to extend as ${definition.name.value}`);
      const existing = extended.getFields();
      const fields = (definition.fields ?? []).filter((field: FieldDefinitionNode) => !(field.name.value in existing));
      pendingFields.push(...fields.map((field) => `${operation ?? extended.name}.${field.name.value}`));
      if (fields.length > 0) definitions.push({ ...definition, name: { ...definition.name, value: extended.name }, fields });
    } else if (NAMED_TYPE_DEFINITIONS.includes(definition.kind) && "name" in definition && definition.name) {
      if (base.getType(definition.name.value)) continue;
      pendingTypes.push(definition.name.value);
      definitions.push(definition);
    } else {
      throw new Error(`pending.graphql holds a ${definition.kind}: only type definitions and root extensions`);
    }
  }
  const schema = definitions.length > 0 ? extendSchema(base, { kind: Kind.DOCUMENT, definitions }) : base;
  return { schema, pendingFields, pendingTypes };
}

/**
 * Every exported string of the *.graphql.ts modules that is a GraphQL operation, as the
 * module builds it (shared selections interpolated).
 */
function documents(): [string, string][] {
  const modules = import.meta.glob<Record<string, unknown>>("../**/*.graphql.ts", { eager: true });
  const found: [string, string][] = [];
  for (const [path, exports] of Object.entries(modules)) {
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value === "string" && /^\s*(query|mutation|subscription)\b/.test(value)) {
        found.push([`${path.replace("../", "ui/src/")} ${name}`, value]);
      }
    }
  }
  return found;
}

/** The fields the documents ask for: root ones as `query.myDesk`, `subscription.liveBoard`,
 * ..., others as `Ticket.references`. */
function usedFields(schema: GraphQLSchema, all: readonly [string, string][]): Set<string> {
  const roots = new Map(Object.values(ROOT_OPERATIONS).map((operation) => [rootType(schema, operation)?.name, operation]));
  const used = new Set<string>();
  for (const [, document] of all) {
    const typeInfo = new TypeInfo(schema);
    visit(
      parse(document),
      visitWithTypeInfo(typeInfo, {
        Field(node) {
          const parent = typeInfo.getParentType()?.name;
          if (parent) used.add(`${roots.get(parent) ?? parent}.${node.name.value}`);
        },
      }),
    );
  }
  return used;
}

describe("GraphQL documents", () => {
  const { schema, pendingFields, pendingTypes } = schemaWithPending();
  const all = documents();

  it("finds the documents", () => {
    expect(all.length).toBeGreaterThanOrEqual(10);
  });

  it.each(all)("%s is valid against the SDL", (_name, document) => {
    const errors = validate(schema, parse(document)).map((error) => error.message);
    expect(errors).toEqual([]);
  });

  it.each([
    ["an unknown query", "query Q { noSuchField }"],
    ["an unknown field of a pending type", "query Q { myDesk { agentId noSuchField } }"],
    ["an unknown mutation", "mutation M { noSuchMutation }"],
    ["a wrong argument", "mutation M { acceptOffer(offerId: \"x\") { id } }"],
    ["an unknown enum value", "mutation M { setPresence(state: ASLEEP) { agentId } }"],
    ["an unknown input field", "mutation M { setAgentRouting(input: { agentId: \"a\", capacity: [], skills: [], queueIds: [], extra: 1 }) { agentId } }"],
    ["an unknown subscription", "subscription S { noSuchEvents { kind } }"],
  ])("still refuses %s", (_name, document) => {
    expect(validate(schema, parse(document)).length).toBeGreaterThan(0);
  });

  it("lists what the server does not have yet, each used by a document", () => {
    // Informational: shrinks as the server catches up. A pending field no document uses is
    // left over: delete it from pending.graphql.
    console.info(`pending GraphQL fields: ${pendingFields.join(", ") || "none"}`);
    console.info(`pending GraphQL types: ${pendingTypes.join(", ") || "none"}`);
    const used = usedFields(schema, all);
    expect(pendingFields.filter((field) => !used.has(field))).toEqual([]);
  });
});
