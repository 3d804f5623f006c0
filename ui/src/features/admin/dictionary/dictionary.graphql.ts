export type DictionaryValueType = "TEXT" | "NUMBER" | "BOOLEAN";
export const VALUE_TYPES: readonly DictionaryValueType[] = ["TEXT", "NUMBER", "BOOLEAN"];

export interface DictionaryEntry {
  code: string;
  label: string;
  sortOrder: number;
  enabled: boolean;
}

export interface Dictionary {
  id: string;
  code: string;
  name: string;
  valueType: DictionaryValueType;
  entries: DictionaryEntry[];
  updatedAt: string;
}

export interface DictionariesData {
  dictionaries: Dictionary[];
}

export const DICTIONARIES_QUERY = /* GraphQL */ `
  query Dictionaries {
    dictionaries { id code name valueType updatedAt entries { code label sortOrder enabled } }
  }
`;

export const CREATE_DICTIONARY_MUTATION = /* GraphQL */ `
  mutation CreateDictionary($input: CreateDictionaryInput!) {
    createDictionary(input: $input) { aggregateId duplicate }
  }
`;

export interface CreateDictionaryVariables {
  input: { commandId: string; code: string; name: string; valueType: DictionaryValueType };
}

export const SET_DICTIONARY_ENTRIES_MUTATION = /* GraphQL */ `
  mutation SetDictionaryEntries($input: SetDictionaryEntriesInput!) {
    setDictionaryEntries(input: $input) { aggregateId duplicate }
  }
`;

export interface SetDictionaryEntriesVariables {
  input: { commandId: string; code: string; entries: DictionaryEntry[] };
}
