/** A new fork (`forkProjection`): a projection's tables as they were up to a position or a
 * time of the log, under a name. A fork of the same projection and name is replaced. */
import { Alert, App, DatePicker, Form, Input, InputNumber, Modal, Radio, Select } from "antd";
import { useEffect, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { FORK_PROJECTION_MUTATION, type ForkProjectionVariables, type ForkResult, type ProjectionFork, type ProjectionStatus } from "./forks.graphql";
import { type ForkValues, forkVariables, FORK_NAME_MAX, isForkName } from "./rules";

interface Props {
  open: boolean;
  projections: readonly ProjectionStatus[];
  forks: readonly ProjectionFork[];
  onClose: () => void;
  onForked: (result: ForkResult) => void;
}

export function ForkModal({ open, projections, forks, onClose, onForked }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<ForkValues>();
  const { mutate, loading } = useMutation<{ forkProjection: ForkResult }, ForkProjectionVariables>(FORK_PROJECTION_MUTATION);
  const [formError, setFormError] = useState<unknown>();
  const bound = Form.useWatch("bound", form);
  const projection = Form.useWatch("projection", form);
  const name = Form.useWatch("name", form);
  const head = projections.find((status) => status.name === projection)?.head;
  const replaces = forks.some((fork) => fork.projection === projection && fork.name === name?.trim());

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    setFormError(undefined);
  }, [open, form]);

  const submit = async (values: ForkValues) => {
    setFormError(undefined);
    try {
      const { forkProjection } = await mutate(forkVariables(values));
      void message.success(t("forks.created", { tables: forkProjection.tables.join(", "), position: forkProjection.position }));
      onForked(forkProjection);
    } catch (caught) {
      setFormError(caught);
      return;
    }
    onClose();
  };

  return (
    <Modal
      open={open}
      width={560}
      title={t("forks.new")}
      okText={t("forks.create")}
      cancelText={t("common.cancel")}
      okButtonProps={{ "data-testid": "fork-save" }}
      confirmLoading={loading}
      onOk={() => form.submit()}
      onCancel={onClose}
      forceRender
    >
      <Form<ForkValues>
        form={form}
        name="projection-fork"
        layout="vertical"
        initialValues={{ bound: "position" }}
        onFinish={submit}
        onValuesChange={() => setFormError(undefined)}
      >
        <Form.Item name="projection" label={t("forks.projection")} rules={[{ required: true, message: t("validation.required") }]}>
          <Select
            showSearch
            aria-label={t("forks.projection")}
            data-testid="fork-projection"
            options={projections.map((status) => ({ value: status.name, label: status.name }))}
          />
        </Form.Item>
        <Form.Item
          name="name"
          label={t("forks.name")}
          extra={t("forks.nameHint")}
          rules={[
            { required: true, message: t("validation.required") },
            {
              validator: (_, value: string | undefined) =>
                !value || isForkName(value.trim()) ? Promise.resolve() : Promise.reject(new Error(t("forks.nameRule", { max: FORK_NAME_MAX }))),
            },
          ]}
        >
          <Input autoComplete="off" placeholder="before_migration" data-testid="fork-name" />
        </Form.Item>
        <Form.Item name="bound" label={t("forks.upTo")}>
          <Radio.Group
            options={[
              { value: "position", label: t("forks.upToPosition") },
              { value: "time", label: t("forks.upToTime") },
            ]}
          />
        </Form.Item>
        {bound === "time" ? (
          <Form.Item name="toTime" label={t("forks.time")} extra={t("forks.timeHint")} rules={[{ required: true, message: t("validation.required") }]}>
            <DatePicker showTime style={{ width: "100%" }} data-testid="fork-time" />
          </Form.Item>
        ) : (
          <Form.Item
            name="toPosition"
            label={t("forks.position")}
            extra={head !== undefined ? t("forks.positionHint", { head }) : undefined}
            rules={[{ required: true, message: t("validation.required") }]}
          >
            <InputNumber min={0} precision={0} style={{ width: "100%" }} data-testid="fork-position" />
          </Form.Item>
        )}
        {replaces ? <Alert type="warning" showIcon title={t("forks.replaces")} style={{ marginBottom: 12 }} /> : null}
        {formError ? <Alert type="error" showIcon title={errorText(formError)} /> : null}
      </Form>
    </Modal>
  );
}
