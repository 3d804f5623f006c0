/** The menu icons the server may name (`MenuItem.icon`), imported one by one so the bundle
 * holds only these. An unknown name shows a neutral icon. */
import {
  ApartmentOutlined,
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
  FormOutlined,
  HistoryOutlined,
  IdcardOutlined,
  MessageOutlined,
  ReadOutlined,
  SafetyOutlined,
  SettingOutlined,
  TeamOutlined,
} from "@ant-design/icons";
import type { ReactNode } from "react";

const ICONS: Record<string, ReactNode> = {
  apartment: <ApartmentOutlined />,
  audit: <AuditOutlined />,
  book: <BookOutlined />,
  branches: <BranchesOutlined />,
  cluster: <ClusterOutlined />,
  contacts: <ContactsOutlined />,
  control: <ControlOutlined />,
  "customer-service": <CustomerServiceOutlined />,
  dashboard: <DashboardOutlined />,
  desktop: <DesktopOutlined />,
  form: <FormOutlined />,
  history: <HistoryOutlined />,
  idcard: <IdcardOutlined />,
  message: <MessageOutlined />,
  read: <ReadOutlined />,
  safety: <SafetyOutlined />,
  setting: <SettingOutlined />,
  team: <TeamOutlined />,
};

export function menuIcon(name: string): ReactNode {
  return ICONS[name] ?? <AppstoreOutlined />;
}
