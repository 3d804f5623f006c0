/** Log-in: tenant (slug), user name, password. Errors in the user's language. */
import { LockOutlined, ShopOutlined, UserOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Form, Input, Layout, theme, Typography } from "antd";
import { useState } from "react";
import { useErrorText } from "../../api/errors";
import { useMutation } from "../../api/hooks";
import { setSession } from "../../api/session";
import { useI18n } from "../../i18n";
import { LanguageMenu } from "../../i18n/LanguageMenu";
import { isString, type Preference, usePreference } from "../../preferences/storage";
import { LOGIN_MUTATION, type LoginData, type LoginVariables } from "./login.graphql";

/** The last tenant logged in to, so the next log-in on this browser has it filled in. */
const lastTenantPreference: Preference<string> = { key: "hotline.login.tenant", fallback: () => "", isValid: isString };

export function LoginPage() {
  const { t } = useI18n();
  const errorText = useErrorText();
  const { token } = theme.useToken();
  const [lastTenant, setLastTenant] = usePreference(lastTenantPreference);
  const { mutate, loading, error, reset } = useMutation<LoginData, LoginVariables>(LOGIN_MUTATION);
  const [form] = Form.useForm<LoginVariables>();
  const [submitted, setSubmitted] = useState(false);

  const submit = async (values: LoginVariables) => {
    setSubmitted(true);
    const tenant = values.tenant.trim();
    try {
      const { login } = await mutate({ ...values, tenant, username: values.username.trim() });
      setLastTenant(tenant);
      setSession({
        token: login.token,
        tenantId: login.tenantId,
        userId: login.userId,
        username: login.username,
        permissions: login.permissions,
        expiresAt: login.expiresAt,
      });
    } catch {
      form.setFieldValue("password", "");
    }
  };

  return (
    <Layout style={{ minHeight: "100vh", alignItems: "center", justifyContent: "center", padding: token.paddingLG }}>
      <div style={{ position: "absolute", top: token.padding, right: token.paddingLG }}>
        <LanguageMenu testId="login-language" />
      </div>
      <Card style={{ width: "100%", maxWidth: 400 }} data-testid="login">
        <div style={{ textAlign: "center", marginBottom: token.marginLG }}>
          <img src="/logo.svg" alt="" width={48} height={48} />
          <Typography.Title level={3} style={{ marginBlock: token.marginSM }}>
            {t("app.title")}
          </Typography.Title>
          <Typography.Text type="secondary">{t("login.subtitle")}</Typography.Text>
        </div>
        <Form<LoginVariables>
          form={form}
          name="login"
          layout="vertical"
          requiredMark={false}
          initialValues={{ tenant: lastTenant, username: "", password: "" }}
          onFinish={submit}
          onValuesChange={() => submitted && error && reset()}
        >
          <Form.Item
            name="tenant"
            label={t("login.tenant")}
            rules={[{ required: true, whitespace: true, message: t("validation.required") }]}
          >
            <Input prefix={<ShopOutlined />} placeholder={t("login.tenantPlaceholder")} autoComplete="organization" autoFocus={!lastTenant} />
          </Form.Item>
          <Form.Item
            name="username"
            label={t("login.username")}
            rules={[{ required: true, whitespace: true, message: t("validation.required") }]}
          >
            <Input prefix={<UserOutlined />} autoComplete="username" autoFocus={Boolean(lastTenant)} />
          </Form.Item>
          <Form.Item name="password" label={t("login.password")} rules={[{ required: true, message: t("validation.required") }]}>
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
          </Form.Item>
          {error ? (
            <Alert type="error" showIcon title={errorText(error)} style={{ marginBottom: token.marginMD }} data-testid="login-error" />
          ) : null}
          <Button type="primary" htmlType="submit" block loading={loading} data-testid="login-submit">
            {t("login.submit")}
          </Button>
        </Form>
      </Card>
    </Layout>
  );
}
