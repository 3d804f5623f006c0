/** The reminder area: a bell with a count and the list (new tickets and the like). The
 * `reminders` query arrives with the modules that raise reminders; until then it is empty. */
import { BellOutlined } from "@ant-design/icons";
import { Badge, Button, Empty, List, Popover, Typography } from "antd";
import { useT } from "../../i18n";

export interface Reminder {
  id: string;
  text: string;
  at: string;
}

export function Reminders({ reminders = [], color }: { reminders?: Reminder[]; color: string }) {
  const t = useT();
  const content = (
    <div style={{ width: 320 }}>
      {reminders.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("reminders.empty")} />
      ) : (
        <List
          size="small"
          dataSource={reminders}
          renderItem={(reminder) => (
            <List.Item>
              <Typography.Text>{reminder.text}</Typography.Text>
            </List.Item>
          )}
        />
      )}
    </div>
  );
  return (
    <Popover trigger="click" placement="bottomRight" title={t("reminders.title")} content={content}>
      <Button type="text" aria-label={t("reminders.title")} data-testid="reminders">
        <Badge count={reminders.length} size="small" showZero={false}>
          <BellOutlined style={{ fontSize: 18, color }} />
        </Badge>
      </Button>
    </Popover>
  );
}
