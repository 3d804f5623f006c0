/**
 * What the ticket form's organisation, query and file fields (see `fieldTypes.ts`) read from the page
 * that shows the form: option search, the labels of the ids a ticket already holds, file
 * upload and download. Each page builds its own (`useFieldDirectory.ts`, the collaborator page).
 */

export type FieldOptionKind = "USER" | "GROUP" | "DEPARTMENT" | "TICKET";

/** A user, group (role), department (organisation unit) or ticket a picker may hold. */
export interface FieldOption {
  kind: FieldOptionKind;
  id: string;
  label: string;
  /** A department's parent unit; null at the top and for the other kinds. */
  parentId: string | null;
}

/** A file an upload field holds, as the server stored it. */
export interface FileValue {
  blobId: string;
  name: string;
  size: number;
  contentType: string;
}

/** An option of a `hotline-query` field: a dictionary entry (its code) or a customer (its id). */
export interface QueryOption {
  value: string;
  label: string;
  /** The configured columns' values of a customer; [] for dictionary entries. */
  details: string[];
}

/** The label of a value a ticket's `hotline-query` field (by key) holds. */
export interface QueryLabel {
  field: string;
  value: string;
  label: string;
}

export interface FieldDirectory {
  /** Searches a picker's options (absent on the collaborator page: pickers then only show what is chosen). DEPARTMENT with empty text returns the whole tree. */
  search?: (kind: FieldOptionKind, text: string) => Promise<FieldOption[]>;
  /** Labels of the ids the values already hold (from the server), so chosen values show names, not ids; the users who decided approvals among them. */
  references: FieldOption[];
  /** Searches the options of the query field `field` (its key) (absent on the collaborator page: query fields then only show what is chosen). */
  queryOptions?: (field: string, text: string) => Promise<QueryOption[]>;
  /** Labels of the values the query fields already hold (from the server). */
  queryLabels: QueryLabel[];
  /** Uploads one file (absent: the upload field cannot add files). */
  upload?: (file: File) => Promise<FileValue>;
  /** Where a held file downloads from, or null (e.g. before the ticket exists). */
  fileUrl?: (file: FileValue) => string | null;
  /** Downloads a held file where no plain link can (the collaborator's page sends its link in a header). */
  download?: (file: FileValue) => Promise<void>;
}

/** A form without a directory: pickers show the ids they hold, files cannot be added. */
export const NO_DIRECTORY: FieldDirectory = { references: [], queryLabels: [] };
