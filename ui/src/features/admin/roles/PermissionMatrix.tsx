/** The permission matrix: one row per menu, its own box first, then the buttons, exports,
 * imports and downloads of that menu, each a labelled box in the user's language. */
import { Checkbox, Space, Table, theme, Typography } from "antd";
import { useMemo } from "react";
import { useT } from "../../../i18n";
import { ACTION_KINDS, type ActionKind, type MatrixRow, matrixRows, permissionLabelKey, toggle } from "./permissionMatrix";
import type { CataloguePermission } from "./roles.graphql";

const KIND_TITLES: Record<ActionKind, string> = {
  BUTTON: "role.matrix.buttons",
  EXPORT: "role.matrix.export",
  IMPORT: "role.matrix.import",
  DOWNLOAD: "role.matrix.download",
};

interface Props {
  catalogue: CataloguePermission[];
  value?: string[];
  onChange?: (value: string[]) => void;
  disabled?: boolean;
}

export function PermissionMatrix({ catalogue, value = [], onChange, disabled }: Props) {
  const t = useT();
  const { token } = theme.useToken();
  const rows = useMemo(() => matrixRows(catalogue), [catalogue]);
  const selected = useMemo(() => new Set(value), [value]);
  const kinds = useMemo(() => ACTION_KINDS.filter((kind) => rows.some((row) => row.actions[kind].length > 0)), [rows]);

  const box = (permission: CataloguePermission, strong = false) => (
    <Checkbox
      key={permission.key}
      data-testid={`permission-${permission.key}`}
      checked={selected.has(permission.key)}
      disabled={disabled}
      onChange={(event) => onChange?.(toggle(catalogue, value, permission.key, event.target.checked))}
    >
      {strong ? <Typography.Text strong>{t(permissionLabelKey(permission.key))}</Typography.Text> : t(permissionLabelKey(permission.key))}
    </Checkbox>
  );

  return (
    <Table<MatrixRow>
      data-testid="permission-matrix"
      rowKey="key"
      size="small"
      bordered
      pagination={false}
      dataSource={rows}
      tableLayout="fixed"
      scroll={{ x: 760 }}
      columns={[
        {
          key: "menu",
          title: t("role.matrix.menu"),
          width: 210,
          render: (_, row) =>
            row.menu ? (
              <div style={{ paddingInlineStart: row.depth * token.paddingLG }}>{box(row.menu, row.depth === 0)}</div>
            ) : (
              <Typography.Text type="secondary">{t("role.matrix.other")}</Typography.Text>
            ),
        },
        ...kinds.map((kind) => ({
          key: kind,
          title: t(KIND_TITLES[kind]),
          width: kind === "BUTTON" ? undefined : 150,
          render: (_: unknown, row: MatrixRow) =>
            row.actions[kind].length > 0 ? (
              <Space size={[token.marginSM, token.marginXXS]} wrap>
                {row.actions[kind].map((permission) => box(permission))}
              </Space>
            ) : null,
        })),
      ]}
    />
  );
}
