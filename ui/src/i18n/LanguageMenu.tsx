/** The language switch of the pages shown before (or without) a log-in: the log-in page and an outside collaborator's page. */
import { TranslationOutlined } from "@ant-design/icons";
import { Button, Dropdown } from "antd";
import { LOCALE_NAMES, LOCALES, useI18n } from ".";

export function LanguageMenu({ testId }: { testId: string }) {
  const { locale, setLocale } = useI18n();
  return (
    <Dropdown
      trigger={["click"]}
      menu={{
        selectable: true,
        selectedKeys: [locale],
        items: LOCALES.map((id) => ({ key: id, label: <span lang={id}>{LOCALE_NAMES[id]}</span> })),
        onClick: ({ key }) => setLocale(key as (typeof LOCALES)[number]),
      }}
    >
      <Button type="text" icon={<TranslationOutlined />} data-testid={testId}>
        {LOCALE_NAMES[locale]}
      </Button>
    </Dropdown>
  );
}
