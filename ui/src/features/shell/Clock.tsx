import { useEffect, useState } from "react";
import { useI18n } from "../../i18n";

export function Clock() {
  const { locale } = useI18n();
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(new Date()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  const text = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "medium" }).format(now);
  return (
    <time dateTime={now.toISOString()} data-testid="clock" style={{ fontVariantNumeric: "tabular-nums" }}>
      {text}
    </time>
  );
}
