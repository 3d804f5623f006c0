/** The providers (language, skin, antd) and the choice between the log-in page and the shell,
 * or, for a `/collaborate#<link>` address, an outside collaborator's page (no log-in, no session). */
import { App as AntApp, ConfigProvider, Spin } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import zhTW from "antd/locale/zh_TW";
import type { ConfigProviderProps } from "antd";
import { lazy, Suspense, useEffect, useState } from "react";
import { getSession, onSessionChange, type Session, setSession } from "../api/session";
import { LoginPage } from "../features/auth/LoginPage";
import { collaborateLink } from "../features/collaborate/link";
import { AppShell } from "../features/shell/AppShell";
import { I18nProvider, type Locale, useI18n } from "../i18n";
import { SkinProvider, useSkin } from "../theme/SkinProvider";

const CollaboratePage = lazy(() => import("../features/collaborate/CollaboratePage").then((module) => ({ default: module.CollaboratePage })));

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

/** The log-in page or the shell, by the session. */
function SessionChoice() {
  const session = useSession();
  return session ? <AppShell key={session.token} session={session} /> : <LoginPage />;
}

function Themed() {
  const { locale } = useI18n();
  const { skin } = useSkin();
  const [link] = useState(() => collaborateLink(window.location));
  return (
    <ConfigProvider locale={ANTD_LOCALES[locale]} theme={skin.theme}>
      <AntApp>
        {link !== null ? (
          <Suspense fallback={<Spin style={{ display: "block", margin: "48px auto" }} />}>
            <CollaboratePage link={link} />
          </Suspense>
        ) : (
          <SessionChoice />
        )}
      </AntApp>
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
