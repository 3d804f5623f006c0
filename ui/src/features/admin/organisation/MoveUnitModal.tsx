/** Moves a unit with its sub-units under another unit of its dimension, or to the top. The
 * unit itself and its own sub-units cannot be picked (the server refuses them: `org.cycle`). */
import { Alert, App, Form, Modal, TreeSelect, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { useCommandId } from "../shared/commandId";
import { subtreeIds, unitPickerTree } from "../shared/orgUnits";
import type { OrgUnit } from "../shared/orgUnits.graphql";
import { showOnField } from "../shared/serverErrors";
import { type CommandData, MOVE_ORG_UNIT_MUTATION, type MoveOrgUnitVariables } from "./organisation.graphql";

interface Values {
  newParentId?: string | null;
}

const FIELD_BY_CODE: Record<string, keyof Values> = {
  "org.cycle": "newParentId",
  "org.parent_not_found": "newParentId",
  "org.dimension_mismatch": "newParentId",
  "org.name_taken": "newParentId",
};

interface Props {
  unit: OrgUnit | null;
  units: OrgUnit[];
  onClose: () => void;
  onMoved: (unitId: string) => void;
}

export function MoveUnitModal({ unit, units, onClose, onMoved }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [commandId, renewCommandId] = useCommandId();
  const { mutate, loading } = useMutation<CommandData, MoveOrgUnitVariables>(MOVE_ORG_UNIT_MUTATION);
  const [formError, setFormError] = useState<unknown>();

  const tree = useMemo(() => {
    if (!unit) return [];
    const sameDimension = units.filter((candidate) => candidate.dimension === unit.dimension);
    return unitPickerTree(sameDimension, t, subtreeIds(units, unit.id)).flatMap((group) => group.children);
  }, [unit, units, t]);

  useEffect(() => {
    if (!unit) return;
    form.resetFields();
    form.setFieldsValue({ newParentId: unit.parentId ?? undefined });
    setFormError(undefined);
    renewCommandId();
  }, [unit, form, renewCommandId]);

  const submit = async (values: Values) => {
    if (!unit) return;
    const newParentId = values.newParentId ?? null;
    if (newParentId === unit.parentId) {
      onClose();
      return;
    }
    setFormError(undefined);
    try {
      await mutate({ input: { commandId, unitId: unit.id, newParentId } });
    } catch (caught) {
      if (!showOnField(form, caught, FIELD_BY_CODE, errorText)) setFormError(caught);
      return;
    }
    void message.success(t("org.moved", { name: unit.name }));
    onMoved(unit.id);
    onClose();
  };

  return (
    <Modal
      open={unit !== null}
      title={unit ? t("org.moveTitle", { name: unit.name }) : ""}
      okText={t("org.move")}
      cancelText={t("common.cancel")}
      confirmLoading={loading}
      onOk={() => form.submit()}
      onCancel={onClose}
      forceRender
    >
      <Typography.Paragraph type="secondary">{t("org.moveHint")}</Typography.Paragraph>
      <Form
        form={form}
        name="move-org-unit"
        layout="vertical"
        onFinish={submit}
        onValuesChange={() => {
          renewCommandId();
          setFormError(undefined);
        }}
      >
        <Form.Item name="newParentId" label={t("org.newParent")}>
          <TreeSelect
            allowClear
            showSearch
            treeDefaultExpandAll
            treeNodeFilterProp="title"
            placeholder={t("org.topLevel")}
            treeData={tree}
            data-testid="move-parent"
          />
        </Form.Item>
        {formError ? <Alert type="error" showIcon title={errorText(formError)} /> : null}
      </Form>
    </Modal>
  );
}
