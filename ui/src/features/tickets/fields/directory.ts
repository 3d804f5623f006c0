/**
 * What the ticket form's organisation and file fields (see `fieldTypes.ts`) read from the page
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

export interface FieldDirectory {
  /** Searches a picker's options (absent on the collaborator page: pickers then only show what is chosen). DEPARTMENT with empty text returns the whole tree. */
  search?: (kind: FieldOptionKind, text: string) => Promise<FieldOption[]>;
  /** Labels of the ids the values already hold (from the server), so chosen values show names, not ids. */
  references: FieldOption[];
  /** Uploads one file (absent: the upload field cannot add files). */
  upload?: (file: File) => Promise<FileValue>;
  /** Where a held file downloads from, or null (e.g. before the ticket exists). */
  fileUrl?: (file: FileValue) => string | null;
  /** Downloads a held file where no plain link can (the collaborator's page sends its link in a header). */
  download?: (file: FileValue) => Promise<void>;
}

/** A form without a directory: pickers show the ids they hold, files cannot be added. */
export const NO_DIRECTORY: FieldDirectory = { references: [] };
