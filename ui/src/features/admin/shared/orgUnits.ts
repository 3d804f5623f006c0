/** Organisation units as trees: for the organisation page and for the unit pickers of the
 * user forms. Texts of kinds and dimensions in the user's language. */
import { useMemo } from "react";
import { useQuery } from "../../../api/hooks";
import type { MessageKey, Translate } from "../../../i18n";
import {
  ORG_DIMENSIONS,
  type OrgDimension,
  type OrgUnit,
  type OrgUnitKind,
  type OrgUnitsData,
  ORG_UNITS_QUERY,
} from "./orgUnits.graphql";

export const KIND_KEYS: Record<OrgUnitKind, MessageKey> = {
  CENTRE: "org.kind.centre",
  SUB_CENTRE: "org.kind.subCentre",
  DEPARTMENT: "org.kind.department",
  TEAM: "org.kind.team",
};

export const DIMENSION_KEYS: Record<OrgDimension, MessageKey> = {
  REPORTING: "org.dimension.reporting",
  LEVEL: "org.dimension.level",
  JURISDICTION: "org.dimension.jurisdiction",
};

export interface UnitNode {
  unit: OrgUnit;
  children: UnitNode[];
}

/** The units as a forest, children by name; a unit whose parent is missing becomes a root. */
export function unitForest(units: readonly OrgUnit[]): UnitNode[] {
  const nodes = new Map(units.map((unit) => [unit.id, { unit, children: [] as UnitNode[] }]));
  const roots: UnitNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.unit.parentId ? nodes.get(node.unit.parentId) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  const sort = (list: UnitNode[]) => {
    list.sort((a, b) => a.unit.name.localeCompare(b.unit.name));
    for (const node of list) sort(node.children);
  };
  sort(roots);
  return roots;
}

/** The unit and every unit below it. */
export function subtreeIds(units: readonly OrgUnit[], unitId: string): Set<string> {
  return new Set(units.filter((unit) => unit.id === unitId || unit.path.includes(unitId)).map((unit) => unit.id));
}

/** "Centre / Sales / Team A". */
export function unitPathLabel(unit: OrgUnit, byId: ReadonlyMap<string, OrgUnit>): string {
  return unit.path.map((id) => byId.get(id)?.name ?? "…").join(" / ");
}

export interface PickerNode {
  value: string;
  title: string;
  selectable?: boolean;
  disabled?: boolean;
  children: PickerNode[];
}

/** TreeSelect data: one group per dimension that has units (the groups themselves cannot be
 * picked), units below. `disabled` units show but cannot be picked. */
export function unitPickerTree(units: readonly OrgUnit[], t: Translate, disabled: ReadonlySet<string> = new Set()): PickerNode[] {
  const convert = (node: UnitNode): PickerNode => ({
    value: node.unit.id,
    title: node.unit.name,
    disabled: disabled.has(node.unit.id),
    children: node.children.map(convert),
  });
  return ORG_DIMENSIONS.flatMap((dimension) => {
    const forest = unitForest(units.filter((unit) => unit.dimension === dimension));
    if (forest.length === 0) return [];
    return [{ value: `dimension:${dimension}`, title: t(DIMENSION_KEYS[dimension]), selectable: false, children: forest.map(convert) }];
  });
}

export interface OrgUnitsState {
  units: OrgUnit[];
  byId: Map<string, OrgUnit>;
  loading: boolean;
  error: ReturnType<typeof useQuery>["error"];
  refetch: () => Promise<void>;
}

/** The tenant's units (all dimensions); empty when the user may not read them. */
export function useOrgUnits(): OrgUnitsState {
  const { data, loading, error, refetch } = useQuery<OrgUnitsData>(ORG_UNITS_QUERY);
  const units = useMemo(() => data?.orgUnits ?? [], [data]);
  const byId = useMemo(() => new Map(units.map((unit) => [unit.id, unit])), [units]);
  return { units, byId, loading, error, refetch };
}
