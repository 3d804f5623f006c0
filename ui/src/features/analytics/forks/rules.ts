/** What the server checks on a fork (projections/src/runner.rs), checked again in the form. */
import type { Dayjs } from "dayjs";
import type { ForkProjectionVariables } from "./forks.graphql";

export const FORK_NAME_MAX = 32;

/** 1 to 32 lowercase letters, digits and underscores. */
export function isForkName(name: string): boolean {
  return /^[a-z0-9_]{1,32}$/.test(name);
}

export type BoundKind = "position" | "time";

export interface ForkValues {
  projection: string;
  name: string;
  bound: BoundKind;
  toPosition?: number | null;
  toTime?: Dayjs | null;
}

/** The form's values as `forkProjection`'s variables: exactly one bound. */
export function forkVariables(values: ForkValues): ForkProjectionVariables {
  const variables: ForkProjectionVariables = { projection: values.projection, name: values.name.trim() };
  if (values.bound === "position") variables.toPosition = values.toPosition ?? 0;
  else variables.toTime = values.toTime?.toISOString();
  return variables;
}
