/** Around each tab's page: a spinner while its code loads, and an error in place of a
 * page that crashed, so one page cannot take the whole frame down. */
import { Alert, Spin } from "antd";
import { Component, type ReactNode, Suspense } from "react";
import { useT } from "../i18n";

class ErrorBoundary extends Component<{ fallback: (error: unknown) => ReactNode; children: ReactNode }, { error: unknown }> {
  state = { error: undefined as unknown };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  render() {
    return this.state.error !== undefined ? this.props.fallback(this.state.error) : this.props.children;
  }
}

export function PageBoundary({ children }: { children: ReactNode }) {
  const t = useT();
  return (
    <ErrorBoundary fallback={(error) => <Alert type="error" showIcon title={t("shell.page.crashed")} description={String(error)} />}>
      <Suspense fallback={<Spin style={{ display: "block", marginBlock: 48 }} />}>{children}</Suspense>
    </ErrorBoundary>
  );
}
