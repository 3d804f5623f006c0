import type { OrgDimension, OrgUnitKind } from "../shared/orgUnits.graphql";

export const CREATE_ORG_UNIT_MUTATION = /* GraphQL */ `
  mutation CreateOrgUnit($input: CreateOrgUnitInput!) {
    createOrgUnit(input: $input) { aggregateId duplicate }
  }
`;

export interface CreateOrgUnitVariables {
  input: { commandId: string; parentId: string | null; name: string; kind: OrgUnitKind; dimension: OrgDimension };
}

export const RENAME_ORG_UNIT_MUTATION = /* GraphQL */ `
  mutation RenameOrgUnit($input: RenameOrgUnitInput!) {
    renameOrgUnit(input: $input) { aggregateId duplicate }
  }
`;

export interface RenameOrgUnitVariables {
  input: { commandId: string; unitId: string; name: string };
}

export const MOVE_ORG_UNIT_MUTATION = /* GraphQL */ `
  mutation MoveOrgUnit($input: MoveOrgUnitInput!) {
    moveOrgUnit(input: $input) { aggregateId duplicate }
  }
`;

export interface MoveOrgUnitVariables {
  input: { commandId: string; unitId: string; newParentId: string | null };
}

export const REMOVE_ORG_UNIT_MUTATION = /* GraphQL */ `
  mutation RemoveOrgUnit($input: RemoveOrgUnitInput!) {
    removeOrgUnit(input: $input) { aggregateId duplicate }
  }
`;

export interface RemoveOrgUnitVariables {
  input: { commandId: string; unitId: string };
}

export interface CommandData {
  [field: string]: { aggregateId: string; duplicate: boolean };
}
