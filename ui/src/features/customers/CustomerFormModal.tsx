/**
 * A new customer, or changes to one: a form generated from the tenant's enabled fields.
 * Before creating, `customerDuplicates` looks for profiles with the same phone or ID-card
 * number and, if there are some, names them (with links) and asks once more. The server's
 * `customer.invalid_values` refusals go under the fields they are about.
 */
import { Alert, App, Button, Form, Modal, Space, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";
import { request } from "../../api/client";
import { useErrorText } from "../../api/errors";
import { useMutation } from "../../api/hooks";
import { type Translate, useT } from "../../i18n";
import { useCommandId } from "../admin/shared/commandId";
import { CustomerFieldItem } from "./CustomerFieldItem";
import {
  CREATE_CUSTOMER_MUTATION,
  type CreateCustomerData,
  type CreateCustomerVariables,
  type Customer,
  CUSTOMER_DUPLICATES_QUERY,
  type CustomerDuplicatesData,
  type CustomerField,
  type FieldValue,
  UPDATE_CUSTOMER_MUTATION,
  type UpdateCustomerData,
  type UpdateCustomerVariables,
} from "./customers.graphql";
import { enabledFields, fieldErrors, mergeValues } from "./fields";
import { customerTitle } from "./labels";

type FormValues = Record<string, string | undefined>;

interface Props {
  open: boolean;
  /** Every field of the tenant (the form shows the enabled ones). */
  fields: readonly CustomerField[];
  /** The customer to change; null for a new one. */
  customer: Customer | null;
  /** A new customer's first values (the screen pop's visitor name and phone). */
  initialValues?: Readonly<Record<string, string | null | undefined>>;
  onClose: () => void;
  onSaved: (customer: Customer) => void;
  /** Opens an existing customer (a duplicate's link). */
  onOpenCustomer?: (id: string) => void;
}

/** A server's word on one field, in the user's language where we know it. */
function fieldProblem(message: string, t: Translate): string {
  if (message === "required") return t("validation.required");
  const longest = /^at most (\d+) characters$/.exec(message);
  if (longest) return t("validation.maxChars", { max: Number(longest[1]) });
  return message;
}

export function CustomerFormModal({ open, fields, customer, initialValues, onClose, onSaved, onOpenCustomer }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const shown = useMemo(() => enabledFields(fields), [fields]);
  const [commandId, renewCommandId] = useCommandId();
  const create = useMutation<CreateCustomerData, CreateCustomerVariables>(CREATE_CUSTOMER_MUTATION);
  const update = useMutation<UpdateCustomerData, UpdateCustomerVariables>(UPDATE_CUSTOMER_MUTATION);
  const [formError, setFormError] = useState<unknown>();
  const [unplaced, setUnplaced] = useState<{ field: string; message: string }[]>([]);
  const [checking, setChecking] = useState(false);
  /** The duplicates found for the values as they are now; null until looked for. */
  const [duplicates, setDuplicates] = useState<Customer[] | null>(null);

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    const start: FormValues = {};
    for (const field of shown) {
      const value = customer ? customer.values.find((entry) => entry.key === field.key)?.value : initialValues?.[field.key];
      if (value != null && value !== "") start[field.key] = value;
    }
    form.setFieldsValue(start);
    setFormError(undefined);
    setUnplaced([]);
    setDuplicates(null);
    renewCommandId();
    // The form starts again when it opens, or for another customer; not when the field list
    // or the prefill is recomputed while it is open.
  }, [open, customer, form, renewCommandId]); // eslint-disable-line react-hooks/exhaustive-deps

  const showRefusal = (caught: unknown) => {
    const problems = fieldErrors(caught);
    const shownKeys = new Set(shown.map((field) => field.key));
    const onFields = problems.filter((problem) => shownKeys.has(problem.field));
    form.setFields(onFields.map((problem) => ({ name: problem.field, errors: [fieldProblem(problem.message, t)] })));
    const elsewhere = problems.filter((problem) => !shownKeys.has(problem.field));
    setUnplaced(elsewhere);
    if (problems.length === 0 || elsewhere.length > 0) setFormError(caught);
  };

  const submit = async (formValues: FormValues) => {
    setFormError(undefined);
    setUnplaced([]);
    const values: FieldValue[] = mergeValues(shown, formValues, customer?.values ?? []);
    let saved: Customer;
    try {
      if (customer) {
        saved = (await update.mutate({ commandId, id: customer.id, values })).updateCustomer;
      } else {
        if (duplicates === null) {
          setChecking(true);
          let found: Customer[];
          try {
            found = (await request<CustomerDuplicatesData>(CUSTOMER_DUPLICATES_QUERY, { values })).customerDuplicates;
          } finally {
            setChecking(false);
          }
          if (found.length > 0) {
            // Shown above the buttons; a second press creates the customer anyway.
            setDuplicates(found);
            return;
          }
        }
        saved = (await create.mutate({ commandId, values })).createCustomer;
      }
    } catch (caught) {
      showRefusal(caught);
      return;
    }
    void message.success(t(customer ? "customers.saved" : "customers.created", { name: customerTitle(saved, t) }));
    onSaved(saved);
    onClose();
  };

  const creatingAnyway = !customer && duplicates !== null && duplicates.length > 0;
  const labelOf = (key: string) => fields.find((field) => field.key === key)?.label ?? key;

  return (
    <Modal
      open={open}
      width={640}
      title={customer ? t("customers.editTitle", { name: customerTitle(customer, t) }) : t("customers.new")}
      okText={creatingAnyway ? t("customers.createAnyway") : t("common.save")}
      cancelText={t("common.cancel")}
      okButtonProps={{ "data-testid": "customer-save", danger: creatingAnyway }}
      confirmLoading={create.loading || update.loading || checking}
      onOk={() => form.submit()}
      onCancel={onClose}
      forceRender
    >
      <Form<FormValues>
        form={form}
        name="customer"
        layout="vertical"
        data-testid="customer-form"
        onFinish={(values) => void submit(values)}
        onValuesChange={() => {
          renewCommandId();
          setFormError(undefined);
          setDuplicates(null);
        }}
      >
        {shown.map((field) => (
          <CustomerFieldItem key={field.key} field={field} />
        ))}
        {creatingAnyway ? (
          <Alert
            type="warning"
            showIcon
            data-testid="customer-duplicates"
            title={t("customers.duplicatesFound", { count: duplicates.length })}
            description={
              <Space orientation="vertical" size={0}>
                {duplicates.map((duplicate) => (
                  <Button
                    key={duplicate.id}
                    type="link"
                    size="small"
                    style={{ paddingInline: 0 }}
                    data-testid="customer-duplicate"
                    data-customer-id={duplicate.id}
                    onClick={() => onOpenCustomer?.(duplicate.id)}
                    disabled={!onOpenCustomer}
                  >
                    {customerTitle(duplicate, t)}
                    {duplicate.phone ? ` · ${duplicate.phone}` : ""}
                  </Button>
                ))}
                <Typography.Text type="secondary">{t("customers.duplicatesHint")}</Typography.Text>
              </Space>
            }
          />
        ) : null}
        {formError ? (
          <Alert
            type="error"
            showIcon
            title={errorText(formError)}
            description={
              unplaced.length > 0 ? unplaced.map((problem) => `${labelOf(problem.field)}: ${fieldProblem(problem.message, t)}`).join("; ") : undefined
            }
          />
        ) : null}
      </Form>
    </Modal>
  );
}
