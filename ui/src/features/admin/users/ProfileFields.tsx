/** The fields a user's profile has in both the create and the edit form: display name,
 * e-mail address, roles and organisation unit, with the rules the server applies again. */
import { Form, Input, Select } from "antd";
import { useT } from "../../../i18n";
import type { OrgUnitsState } from "../shared/orgUnits";
import { roleLabel, type RolesState } from "../shared/roles";
import { DISPLAY_NAME_MAX, isCleanText } from "../shared/validation";
import { OrgUnitPicker } from "./OrgUnitPicker";

/** The profile fields' names. */
export interface ProfileValues {
  displayName: string;
  /** Empty or absent: no address (the API's null). */
  email?: string;
  roleIds: string[];
  orgUnitId: string | null;
}

/** Server error codes about a profile field, and the field each concerns. */
export const PROFILE_FIELD_BY_CODE: Record<string, keyof ProfileValues> = {
  "user.invalid_display_name": "displayName",
  "user.invalid_email": "email",
  "user.no_role": "roleIds",
  "user.too_many_roles": "roleIds",
  "role.not_found": "roleIds",
  "org.unit_not_found": "orgUnitId",
};

export function DisplayNameField() {
  const t = useT();
  return (
    <Form.Item
      name="displayName"
      label={t("admin.users.displayName")}
      rules={[
        { required: true, message: t("validation.required") },
        {
          validator: (_, value: string | undefined) =>
            !value || isCleanText(value, DISPLAY_NAME_MAX)
              ? Promise.resolve()
              : Promise.reject(new Error(t("validation.cleanText", { max: DISPLAY_NAME_MAX }))),
        },
      ]}
    >
      <Input autoComplete="off" />
    </Form.Item>
  );
}

/** Optional: where reminders about ticket steps reach the user. */
export function EmailField({ testId }: { testId: string }) {
  const t = useT();
  return (
    <Form.Item name="email" label={t("admin.users.email")} rules={[{ type: "email", message: t("validation.emailRule") }]}>
      <Input type="email" autoComplete="off" placeholder="name@example.com" data-testid={testId} />
    </Form.Item>
  );
}

export function RolesAndUnitFields({ roles, orgUnits, testId }: { roles: RolesState; orgUnits: OrgUnitsState; testId?: string }) {
  const t = useT();
  return (
    <>
      <Form.Item
        name="roleIds"
        label={t("admin.users.roles")}
        rules={[{ required: true, type: "array", min: 1, message: t("validation.atLeastOneRole") }]}
      >
        <Select
          mode="multiple"
          loading={roles.loading}
          optionFilterProp="label"
          data-testid={testId}
          options={roles.roles.map((role) => ({ value: role.id, label: roleLabel(role, t) }))}
        />
      </Form.Item>
      <Form.Item name="orgUnitId" label={t("admin.users.orgUnit")}>
        <OrgUnitPicker orgUnits={orgUnits} />
      </Form.Item>
    </>
  );
}
