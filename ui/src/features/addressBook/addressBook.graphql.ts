/** The address book (docs/customers.md): the tenant's users and its customers, read only. */

export type AddressBookKind = "internal" | "external";

export interface AddressBookEntry {
  kind: string;
  id: string;
  name: string;
  phone: string | null;
  email: string | null;
  department: string | null;
}

export const ADDRESS_BOOK_QUERY = /* GraphQL */ `
  query AddressBook($kind: String, $search: String, $first: Int) {
    addressBook(kind: $kind, search: $search, first: $first) { kind id name phone email department }
  }
`;

export interface AddressBookVariables {
  kind: AddressBookKind;
  search: string | null;
  first: number;
}

export interface AddressBookData {
  addressBook: AddressBookEntry[];
}
