/** The workbench: the default tab, a grid of the widgets the user's roles allow. */
import { Card, Col, Empty, Row } from "antd";
import { useT } from "../../i18n";
import { useShell } from "../shell/ShellContext";
import { visibleWidgets } from "./registry";

export function WorkbenchPage() {
  const t = useT();
  const { access } = useShell();
  const widgets = visibleWidgets(access.widgetKeys);
  if (widgets.length === 0) {
    return <Empty description={t("workbench.empty")} />;
  }
  return (
    <Row gutter={[16, 16]} data-testid="workbench">
      {widgets.map(({ key, titleKey, component: Widget, span = 12 }) => (
        <Col key={key} xs={24} xl={span}>
          <Card title={t(titleKey)} size="small" data-widget={key} style={{ height: "100%" }}>
            <Widget />
          </Card>
        </Col>
      ))}
    </Row>
  );
}
