/**
 * The forms per role of a ticket type's form (see `roleForms.ts`): "Everyone else" and every
 * role that has a form of its own; for the one chosen, each field of the form (in form order)
 * as editable, read-only or hidden. A role's form is added from the tenant's roles (built-in
 * ones in the user's language) and can be removed, its users then falling back to the others.
 */
import { Alert, Button, Radio, Segmented, Select, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { useT } from "../../../i18n";
import { addRoleForm, EVERYONE_ELSE, removeRoleForm, ROLE_FIELD_ACCESS, type RoleFieldAccess, roleFieldAccess, type RoleForms, setRoleFieldAccess } from "../../tickets/roleForms";
import type { FormField } from "../../tickets/workflow";
import { roleLabel, useRoles } from "../shared/roles";

const ACCESS_KEYS: Record<RoleFieldAccess, string> = {
  editable: "tickets.access.editable",
  readonly: "tickets.access.readOnly",
  hidden: "tickets.access.hidden",
};

interface Props {
  forms: RoleForms;
  /** The form's fields, in form order. */
  fields: readonly FormField[];
  disabled?: boolean;
  onChange: (forms: RoleForms) => void;
}

export function RoleFormsPanel({ forms, fields, disabled, onChange }: Props) {
  const t = useT();
  const roles = useRoles();
  const [chosen, setChosen] = useState(EVERYONE_ELSE);
  // A removed role's form shows everyone else's.
  const shown = chosen in forms ? chosen : EVERYONE_ELSE;
  const roleIds = Object.keys(forms).filter((role) => role !== EVERYONE_ELSE);
  const name = (role: string) => {
    const known = roles.byId.get(role);
    return known ? roleLabel(known, t) : role;
  };

  return (
    <div data-testid="ticket-role-forms">
      <Typography.Paragraph type="secondary">{t("ticketTypes.roleFormsHint")}</Typography.Paragraph>
      <Space wrap style={{ marginBottom: 12 }}>
        <Radio.Group
          optionType="button"
          buttonStyle="solid"
          value={shown}
          onChange={(event) => setChosen(event.target.value as string)}
          options={[
            { value: EVERYONE_ELSE, label: <span data-testid="ticket-role-form-of-everyone">{t("ticketTypes.roleFormsEveryone")}</span> },
            ...roleIds.map((role) => ({
              value: role,
              label: (
                <span data-testid={`ticket-role-form-of-${role}`}>
                  {name(role)}
                  {/* A deleted role's form: the server refuses it until it is removed. */}
                  {!roles.loading && roles.roles.length > 0 && !roles.byId.has(role) ? (
                    <Tag color="red" style={{ marginInlineStart: 6 }}>
                      {t("ticketTypes.roleFormsUnknownRole")}
                    </Tag>
                  ) : null}
                </span>
              ),
            })),
          ]}
        />
        <Select<string>
          data-testid="ticket-role-form-role"
          style={{ minWidth: 220 }}
          disabled={disabled}
          loading={roles.loading}
          value={null}
          placeholder={t("ticketTypes.roleFormsAdd")}
          showSearch={{ optionFilterProp: "label" }}
          options={roles.roles.filter((role) => !(role.id in forms)).map((role) => ({ value: role.id, label: roleLabel(role, t) }))}
          onChange={(role) => {
            onChange(addRoleForm(forms, role));
            setChosen(role);
          }}
        />
        {shown in forms ? (
          <Button danger disabled={disabled} data-testid="ticket-role-form-remove" onClick={() => onChange(removeRoleForm(forms, shown))}>
            {t("ticketTypes.roleFormsRemove")}
          </Button>
        ) : null}
      </Space>
      {fields.length === 0 ? (
        <Alert type="info" showIcon title={t("ticketTypes.noFormFields")} />
      ) : (
        <Table
          size="small"
          rowKey="key"
          pagination={false}
          dataSource={[...fields]}
          columns={[
            {
              title: t("ticketTypes.field"),
              key: "field",
              render: (_: unknown, field: FormField) => (
                <>
                  {field.label} <Typography.Text type="secondary">({field.key})</Typography.Text>
                </>
              ),
            },
            {
              title: t("ticketTypes.access"),
              key: "access",
              width: 300,
              render: (_: unknown, field: FormField) => (
                <Segmented<RoleFieldAccess>
                  size="small"
                  data-testid={`ticket-role-field-${field.key}`}
                  disabled={disabled}
                  value={roleFieldAccess(forms, shown, field.key)}
                  options={ROLE_FIELD_ACCESS.map((access) => ({ value: access, label: <span data-testid={`ticket-role-field-${field.key}-${access}`}>{t(ACCESS_KEYS[access])}</span> }))}
                  onChange={(access) => onChange(setRoleFieldAccess(forms, shown, field.key, access))}
                />
              ),
            },
          ]}
        />
      )}
    </div>
  );
}
