/** The tenant's settings (the name, logo, copyright, hotline number and website the header
 * and footer show, the support address tickets' mail goes from and comes back to, and the time
 * zone mails and exports write times in), its usage counters (seats, minutes, messages: what
 * billing counts), and its outgoing mail. */
import { ReloadOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Col, Form, Input, Row, Select, Space, Statistic, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation, useQuery } from "../../../api/hooks";
import { useI18n } from "../../../i18n";
import { formatDateTime } from "../../../i18n/format";
import { useShell } from "../../shell/ShellContext";
import { useCommandId } from "../shared/commandId";
import { showOnField } from "../shared/serverErrors";
import { isCleanText } from "../shared/validation";
import { MailOutboxCard } from "./MailOutboxCard";
import {
  COPYRIGHT_MAX,
  HOTLINE_NUMBER_MAX,
  isCopyright,
  isHotlineNumber,
  isSettingsUrl,
  ORGANISATION_NAME_MAX,
} from "./rules";
import {
  type SettingsPageData,
  SETTINGS_PAGE_QUERY,
  type TenantSettingsValues,
  UPDATE_TENANT_SETTINGS_MUTATION,
  type UpdateTenantSettingsVariables,
} from "./settings.graphql";
import { timeZoneOptions } from "./timeZones";

const FIELD_BY_CODE: Record<string, keyof TenantSettingsValues> = {
  "tenant.invalid_organisation_name": "organisationName",
  "tenant.invalid_copyright": "copyright",
  "tenant.invalid_hotline_number": "hotlineNumber",
  "tenant.invalid_support_email": "supportEmail",
  "tenant.invalid_time_zone": "timeZone",
};

const EMPTY: TenantSettingsValues = { organisationName: "", logoUrl: "", copyright: "", hotlineNumber: "", websiteUrl: "", supportEmail: "", timeZone: "" };

export function SettingsPage() {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const { access, setSettings, tenant } = useShell();
  const canEdit = access.permissions.has("tenant.settings.edit");
  const { data, error, loading, refetch } = useQuery<SettingsPageData>(SETTINGS_PAGE_QUERY);
  const [form] = Form.useForm<TenantSettingsValues>();
  const [commandId, renewCommandId] = useCommandId();
  const save = useMutation<unknown, UpdateTenantSettingsVariables>(UPDATE_TENANT_SETTINGS_MUTATION);
  const [formError, setFormError] = useState<unknown>();
  const [dirty, setDirty] = useState(false);

  const current: TenantSettingsValues = data?.tenantSettings
    ? {
        organisationName: data.tenantSettings.organisationName,
        logoUrl: data.tenantSettings.logoUrl,
        copyright: data.tenantSettings.copyright,
        hotlineNumber: data.tenantSettings.hotlineNumber,
        websiteUrl: data.tenantSettings.websiteUrl,
        supportEmail: data.tenantSettings.supportEmail,
        timeZone: data.tenantSettings.timeZone,
      }
    : { ...EMPTY, organisationName: data?.tenant?.name ?? tenant?.name ?? "" };
  const currentKey = JSON.stringify(current);
  const timeZones = useMemo(() => timeZoneOptions(t("settings.timeZoneUtc"), current.timeZone), [t, current.timeZone]);

  const reset = () => {
    form.setFieldsValue(JSON.parse(currentKey) as TenantSettingsValues);
    setFormError(undefined);
    setDirty(false);
    renewCommandId();
  };
  // The form follows what the server has, until the user changes it.
  useEffect(reset, [currentKey]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = async (values: TenantSettingsValues) => {
    setFormError(undefined);
    const settings = { ...EMPTY, ...values };
    try {
      await save.mutate({ input: { commandId, ...settings } });
    } catch (caught) {
      // `tenant.invalid_url` does not say which of the two addresses: it goes above the buttons.
      if (!showOnField(form, caught, FIELD_BY_CODE, errorText)) setFormError(caught);
      return;
    }
    setSettings(settings);
    setDirty(false);
    void message.success(t("settings.saved"));
    void refetch();
  };

  const rule = (check: (value: string) => boolean, text: string) => ({
    validator: (_: unknown, value: string | undefined) => (check(value ?? "") ? Promise.resolve() : Promise.reject(new Error(text))),
  });
  const urlRule = rule(isSettingsUrl, t("validation.urlRule"));

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Card
        title={t("menu.admin.settings")}
        extra={<Button icon={<ReloadOutlined />} onClick={() => void refetch()} aria-label={t("common.refresh")} />}
      >
        {error ? <Alert type="error" showIcon title={errorText(error)} style={{ marginBottom: 16 }} /> : null}
        <Form<TenantSettingsValues>
          form={form}
          name="tenant-settings"
          layout="vertical"
          disabled={!canEdit || loading}
          style={{ maxWidth: 640 }}
          onFinish={submit}
          onValuesChange={() => {
            renewCommandId();
            setFormError(undefined);
            setDirty(true);
          }}
        >
          <Form.Item
            name="organisationName"
            label={t("settings.organisationName")}
            extra={t("settings.organisationNameHint")}
            rules={[
              { required: true, message: t("validation.required") },
              rule((value) => !value || isCleanText(value, ORGANISATION_NAME_MAX), t("validation.cleanText", { max: ORGANISATION_NAME_MAX })),
            ]}
          >
            <Input autoComplete="organization" data-testid="settings-organisation-name" />
          </Form.Item>
          <Form.Item name="logoUrl" label={t("settings.logoUrl")} rules={[urlRule]}>
            <Input autoComplete="off" placeholder="https://" inputMode="url" />
          </Form.Item>
          <Form.Item
            name="copyright"
            label={t("settings.copyright")}
            extra={t("settings.copyrightHint")}
            rules={[rule(isCopyright, t("validation.copyrightRule", { max: COPYRIGHT_MAX }))]}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item
            name="hotlineNumber"
            label={t("settings.hotlineNumber")}
            rules={[rule(isHotlineNumber, t("validation.hotlineNumberRule", { max: HOTLINE_NUMBER_MAX }))]}
          >
            <Input autoComplete="off" inputMode="tel" placeholder="400-800-1234" />
          </Form.Item>
          <Form.Item name="websiteUrl" label={t("settings.websiteUrl")} rules={[urlRule]}>
            <Input autoComplete="off" placeholder="https://" inputMode="url" />
          </Form.Item>
          <Form.Item
            name="supportEmail"
            label={t("settings.supportEmail")}
            extra={t("settings.supportEmailHint")}
            rules={[{ type: "email", message: t("validation.emailRule") }]}
          >
            <Input type="email" autoComplete="off" placeholder="support@example.com" data-testid="settings-support-email" />
          </Form.Item>
          <Form.Item name="timeZone" label={t("settings.timeZone")} extra={t("settings.timeZoneHint")}>
            <Select options={timeZones} showSearch={{ optionFilterProp: "label" }} data-testid="settings-time-zone" />
          </Form.Item>
          {formError ? <Alert type="error" showIcon title={errorText(formError)} style={{ marginBottom: 16 }} /> : null}
          {canEdit ? (
            <Space>
              <Button type="primary" htmlType="submit" loading={save.loading} disabled={!dirty} data-testid="settings-save">
                {t("common.save")}
              </Button>
              <Button onClick={reset} disabled={!dirty}>
                {t("common.discard")}
              </Button>
            </Space>
          ) : null}
          {data?.tenantSettings ? (
            <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
              {t("settings.updatedAt", { time: formatDateTime(data.tenantSettings.updatedAt, locale) })}
            </Typography.Paragraph>
          ) : null}
        </Form>
      </Card>
      <Card title={t("settings.usageTitle")} data-testid="tenant-usage">
        <Typography.Paragraph type="secondary">{t("settings.usageHint")}</Typography.Paragraph>
        <Row gutter={[24, 16]}>
          <Col xs={24} sm={8}>
            <Statistic title={t("settings.usageSeats")} value={data?.tenantUsage.seats ?? 0} loading={loading && !data} />
          </Col>
          <Col xs={24} sm={8}>
            <Statistic title={t("settings.usageMinutes")} value={data?.tenantUsage.minutes ?? 0} loading={loading && !data} />
          </Col>
          <Col xs={24} sm={8}>
            <Statistic title={t("settings.usageMessages")} value={data?.tenantUsage.messages ?? 0} loading={loading && !data} />
          </Col>
        </Row>
      </Card>
      <MailOutboxCard />
    </Space>
  );
}
