/** What an import did: how many rows were imported, refused and duplicates, and each bad
 * row's problem. */
import { Alert, Col, Modal, Row, Statistic, Table } from "antd";
import { useT } from "../../i18n";
import type { CustomerField, ImportReport, ImportRowError } from "./customers.graphql";

interface Props {
  report: ImportReport | null;
  fields: readonly CustomerField[];
  onClose: () => void;
}

export function ImportReportView({ report, fields }: { report: ImportReport; fields: readonly CustomerField[] }) {
  const t = useT();
  const labelOf = (key: string | null) => (key ? (fields.find((field) => field.key === key)?.label ?? key) : "—");
  return (
    <div data-testid="customer-import-report">
      <Row gutter={16} style={{ marginBottom: 16 }}>
        <Col span={8}>
          <Statistic title={t("customers.import.imported")} value={report.imported} data-testid="customer-import-imported" />
        </Col>
        <Col span={8}>
          <Statistic title={t("customers.import.failed")} value={report.failed} data-testid="customer-import-failed" />
        </Col>
        <Col span={8}>
          <Statistic title={t("customers.import.duplicates")} value={report.duplicates} data-testid="customer-import-duplicates" />
        </Col>
      </Row>
      {report.errors.length === 0 ? (
        <Alert type="success" showIcon title={t("customers.import.noErrors")} />
      ) : (
        <Table<ImportRowError>
          size="small"
          rowKey={(error) => `${error.row}:${error.field ?? ""}:${error.message}`}
          dataSource={report.errors}
          pagination={{ pageSize: 10, hideOnSinglePage: true }}
          onRow={(error) => ({ "data-testid": "customer-import-error", "data-row": error.row }) as object}
          columns={[
            { key: "row", dataIndex: "row", title: t("customers.import.row"), width: 80 },
            { key: "field", dataIndex: "field", title: t("customers.import.field"), width: 160, render: (key: string | null) => labelOf(key) },
            { key: "message", dataIndex: "message", title: t("customers.import.problem") },
          ]}
        />
      )}
    </div>
  );
}

export function ImportReportModal({ report, fields, onClose }: Props) {
  const t = useT();
  return (
    <Modal
      open={report !== null}
      width={720}
      title={t("customers.import.reportTitle")}
      onCancel={onClose}
      onOk={onClose}
      okText={t("common.close")}
      cancelButtonProps={{ style: { display: "none" } }}
    >
      {report ? <ImportReportView report={report} fields={fields} /> : null}
    </Modal>
  );
}
