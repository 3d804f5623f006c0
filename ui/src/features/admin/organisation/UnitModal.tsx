/** A new unit (at the top of a dimension or under a unit), or a new name for one. */
import { Alert, App, Form, Input, Modal, Radio, Typography } from "antd";
import { useEffect, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { useCommandId } from "../shared/commandId";
import { DIMENSION_KEYS, KIND_KEYS } from "../shared/orgUnits";
import { type OrgDimension, type OrgUnit, type OrgUnitKind, ORG_UNIT_KINDS } from "../shared/orgUnits.graphql";
import { showOnField } from "../shared/serverErrors";
import { isCleanText } from "../shared/validation";
import {
  type CommandData,
  CREATE_ORG_UNIT_MUTATION,
  type CreateOrgUnitVariables,
  RENAME_ORG_UNIT_MUTATION,
  type RenameOrgUnitVariables,
} from "./organisation.graphql";

export const UNIT_NAME_MAX = 120;

export type UnitEditing =
  | { mode: "create"; parent: OrgUnit | null; dimension: OrgDimension }
  | { mode: "rename"; unit: OrgUnit };

interface Values {
  name: string;
  kind: OrgUnitKind;
}

const FIELD_BY_CODE: Record<string, keyof Values> = {
  "org.invalid_name": "name",
  "org.name_taken": "name",
};

/** The kind a new unit most likely has, one step below its parent's. */
export function suggestedKind(parent: OrgUnit | null): OrgUnitKind {
  if (!parent) return "CENTRE";
  const index = ORG_UNIT_KINDS.indexOf(parent.kind);
  return ORG_UNIT_KINDS[Math.min(index + 1, ORG_UNIT_KINDS.length - 1)]!;
}

interface Props {
  editing: UnitEditing | null;
  onClose: () => void;
  onSaved: (unitId: string) => void;
}

export function UnitModal({ editing, onClose, onSaved }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [commandId, renewCommandId] = useCommandId();
  const create = useMutation<CommandData, CreateOrgUnitVariables>(CREATE_ORG_UNIT_MUTATION);
  const rename = useMutation<CommandData, RenameOrgUnitVariables>(RENAME_ORG_UNIT_MUTATION);
  const [formError, setFormError] = useState<unknown>();

  useEffect(() => {
    if (!editing) return;
    form.resetFields();
    form.setFieldsValue(
      editing.mode === "create" ? { name: "", kind: suggestedKind(editing.parent) } : { name: editing.unit.name, kind: editing.unit.kind },
    );
    setFormError(undefined);
    renewCommandId();
  }, [editing, form, renewCommandId]);

  const submit = async (values: Values) => {
    if (!editing) return;
    setFormError(undefined);
    let unitId: string;
    try {
      if (editing.mode === "create") {
        const data = await create.mutate({
          input: { commandId, parentId: editing.parent?.id ?? null, name: values.name, kind: values.kind, dimension: editing.dimension },
        });
        unitId = data.createOrgUnit!.aggregateId;
      } else {
        await rename.mutate({ input: { commandId, unitId: editing.unit.id, name: values.name } });
        unitId = editing.unit.id;
      }
    } catch (caught) {
      if (!showOnField(form, caught, FIELD_BY_CODE, errorText)) setFormError(caught);
      return;
    }
    void message.success(t(editing.mode === "create" ? "org.created" : "org.renamed", { name: values.name }));
    onSaved(unitId);
    onClose();
  };

  const where =
    editing?.mode === "create"
      ? editing.parent
        ? t("org.createUnder", { name: editing.parent.name })
        : t("org.createAtTop", { dimension: t(DIMENSION_KEYS[editing.dimension]) })
      : null;

  return (
    <Modal
      open={editing !== null}
      title={editing?.mode === "rename" ? t("org.rename") : t("org.create")}
      okText={editing?.mode === "rename" ? t("common.save") : t("common.create")}
      cancelText={t("common.cancel")}
      confirmLoading={create.loading || rename.loading}
      onOk={() => form.submit()}
      onCancel={onClose}
      forceRender
      okButtonProps={{ "data-testid": "unit-save" } as Record<string, string>}
    >
      {where ? <Typography.Paragraph type="secondary">{where}</Typography.Paragraph> : null}
      <Form
        form={form}
        name="org-unit"
        layout="vertical"
        onFinish={submit}
        onValuesChange={() => {
          renewCommandId();
          setFormError(undefined);
        }}
      >
        <Form.Item
          name="name"
          label={t("org.name")}
          rules={[
            { required: true, message: t("validation.required") },
            {
              validator: (_, value: string | undefined) =>
                !value || isCleanText(value, UNIT_NAME_MAX)
                  ? Promise.resolve()
                  : Promise.reject(new Error(t("validation.cleanText", { max: UNIT_NAME_MAX }))),
            },
          ]}
        >
          <Input autoComplete="off" data-testid="unit-name" />
        </Form.Item>
        {editing?.mode !== "rename" ? (
          <Form.Item name="kind" label={t("org.kind")} rules={[{ required: true, message: t("validation.required") }]}>
            <Radio.Group
              optionType="button"
              data-testid="unit-kind"
              options={ORG_UNIT_KINDS.map((kind) => ({ value: kind, label: t(KIND_KEYS[kind]) }))}
            />
          </Form.Item>
        ) : null}
        {formError ? <Alert type="error" showIcon title={errorText(formError)} /> : null}
      </Form>
    </Modal>
  );
}
