/** The menu icons the server may name (`MenuItem.icon`), imported one by one so the bundle
 * holds only these. An unknown name shows a neutral icon. */
import {
  ApartmentOutlined,
  ApiOutlined,
  AppstoreOutlined,
  AuditOutlined,
  BookOutlined,
  BranchesOutlined,
  ClusterOutlined,
  ContactsOutlined,
  ControlOutlined,
  CustomerServiceOutlined,
  DashboardOutlined,
  DesktopOutlined,
  FileDoneOutlined,
  ForkOutlined,
  FormOutlined,
  HistoryOutlined,
  IdcardOutlined,
  MessageOutlined,
  PartitionOutlined,
  ReadOutlined,
  SafetyOutlined,
  SettingOutlined,
  TeamOutlined,
} from "@ant-design/icons";
import type { ReactNode } from "react";

const ICONS: Record<string, ReactNode> = {
  apartment: <ApartmentOutlined />,
  api: <ApiOutlined />,
  audit: <AuditOutlined />,
  book: <BookOutlined />,
  branches: <BranchesOutlined />,
  cluster: <ClusterOutlined />,
  contacts: <ContactsOutlined />,
  control: <ControlOutlined />,
  "customer-service": <CustomerServiceOutlined />,
  dashboard: <DashboardOutlined />,
  desktop: <DesktopOutlined />,
  "file-done": <FileDoneOutlined />,
  fork: <ForkOutlined />,
  form: <FormOutlined />,
  history: <HistoryOutlined />,
  idcard: <IdcardOutlined />,
  message: <MessageOutlined />,
  partition: <PartitionOutlined />,
  read: <ReadOutlined />,
  safety: <SafetyOutlined />,
  setting: <SettingOutlined />,
  team: <TeamOutlined />,
};

export function menuIcon(name: string): ReactNode {
  return ICONS[name] ?? <AppstoreOutlined />;
}
