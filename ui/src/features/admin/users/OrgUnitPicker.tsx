/** Picks the organisation unit of a user: the tenant's units, grouped by dimension. */
import { TreeSelect } from "antd";
import { useMemo } from "react";
import { useT } from "../../../i18n";
import { type OrgUnitsState, unitPickerTree } from "../shared/orgUnits";

interface Props {
  orgUnits: OrgUnitsState;
  value?: string | null;
  onChange?: (value: string | null) => void;
  id?: string;
}

export function OrgUnitPicker({ orgUnits, value, onChange, id }: Props) {
  const t = useT();
  const tree = useMemo(() => unitPickerTree(orgUnits.units, t), [orgUnits.units, t]);
  return (
    <TreeSelect
      id={id}
      data-testid="user-org-unit"
      allowClear
      showSearch
      treeDefaultExpandAll
      treeNodeFilterProp="title"
      loading={orgUnits.loading}
      placeholder={t("admin.users.noOrgUnit")}
      treeData={tree}
      value={value ?? undefined}
      onChange={(next: string | undefined) => onChange?.(next ?? null)}
      notFoundContent={t("admin.users.noOrgUnits")}
    />
  );
}
