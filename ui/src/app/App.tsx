/** The providers (language, skin, antd) and the choice between the log-in page and the shell. */
import { App as AntApp, ConfigProvider } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import zhTW from "antd/locale/zh_TW";
import type { ConfigProviderProps } from "antd";
import { useEffect, useState } from "react";
import { getSession, onSessionChange, type Session, setSession } from "../api/session";
import { LoginPage } from "../features/auth/LoginPage";
import { AppShell } from "../features/shell/AppShell";
import { I18nProvider, type Locale, useI18n } from "../i18n";
import { SkinProvider, useSkin } from "../theme/SkinProvider";

type AntLocale = NonNullable<ConfigProviderProps["locale"]>;
const ANTD_LOCALES: Record<Locale, AntLocale> = { "zh-CN": zhCN, "zh-TW": zhTW, en: enUS };

function useSession(): Session | null {
  const [session, setCurrent] = useState(getSession);
  useEffect(() => onSessionChange(setCurrent), []);
  // Log out when the token expires, rather than on the next failing request.
  useEffect(() => {
    if (!session) return;
    const remaining = Date.parse(session.expiresAt) - Date.now();
    const timer = window.setTimeout(() => setSession(null), Math.max(0, Math.min(remaining, 2 ** 31 - 1)));
    return () => window.clearTimeout(timer);
  }, [session]);
  return session;
}

function Themed() {
  const { locale } = useI18n();
  const { skin } = useSkin();
  const session = useSession();
  return (
    <ConfigProvider locale={ANTD_LOCALES[locale]} theme={skin.theme}>
      <AntApp>{session ? <AppShell key={session.token} session={session} /> : <LoginPage />}</AntApp>
    </ConfigProvider>
  );
}

export function App() {
  return (
    <I18nProvider>
      <SkinProvider>
        <Themed />
      </SkinProvider>
    </I18nProvider>
  );
}
