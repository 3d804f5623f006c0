export type OrgDimension = "REPORTING" | "LEVEL" | "JURISDICTION";
export type OrgUnitKind = "CENTRE" | "SUB_CENTRE" | "DEPARTMENT" | "TEAM";

export const ORG_DIMENSIONS: readonly OrgDimension[] = ["REPORTING", "LEVEL", "JURISDICTION"];
export const ORG_UNIT_KINDS: readonly OrgUnitKind[] = ["CENTRE", "SUB_CENTRE", "DEPARTMENT", "TEAM"];

export interface OrgUnit {
  id: string;
  parentId: string | null;
  name: string;
  kind: OrgUnitKind;
  dimension: OrgDimension;
  depth: number;
  /** Unit ids from the root down to this unit, both included. */
  path: string[];
}

export interface OrgUnitsData {
  orgUnits: OrgUnit[];
}

/** Parents before children (by dimension, depth and name). */
export const ORG_UNITS_QUERY = /* GraphQL */ `
  query OrgUnits($dimension: OrgDimension) {
    orgUnits(dimension: $dimension) { id parentId name kind dimension depth path }
  }
`;
