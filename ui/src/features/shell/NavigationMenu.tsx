/** The server's menu tree (one to three levels) as an antd Menu, on the left or on top. */
import { Menu, type MenuProps } from "antd";
import { useMemo } from "react";
import { useT } from "../../i18n";
import { menuIcon } from "./icons";
import type { MenuItem } from "./shell.graphql";

type AntItems = NonNullable<MenuProps["items"]>;

interface Props {
  menus: MenuItem[];
  mode: "inline" | "horizontal";
  theme: "dark" | "light";
  activePath: string;
  onOpen: (path: string) => void;
}

/** The keys of the groups above `path`, so the inline menu opens on the active entry. */
function ancestorKeys(items: readonly MenuItem[], path: string, trail: string[] = []): string[] | null {
  for (const item of items) {
    if (item.children && item.children.length > 0) {
      const found = ancestorKeys(item.children, path, [...trail, item.key]);
      if (found) return found;
    } else if (item.path === path) {
      return trail;
    }
  }
  return null;
}

export function NavigationMenu({ menus, mode, theme, activePath, onOpen }: Props) {
  const t = useT();
  const items = useMemo(() => {
    const convert = (entries: readonly MenuItem[]): AntItems =>
      entries.map((item) =>
        item.children && item.children.length > 0
          ? { key: item.key, icon: menuIcon(item.icon), label: t(item.titleKey), children: convert(item.children) }
          : { key: item.path, icon: menuIcon(item.icon), label: t(item.titleKey) },
      );
    return convert(menus);
  }, [menus, t]);
  const defaultOpenKeys = useMemo(() => ancestorKeys(menus, activePath) ?? [], [menus, activePath]);

  return (
    <Menu
      mode={mode}
      theme={theme}
      items={items}
      selectedKeys={[activePath]}
      defaultOpenKeys={mode === "inline" ? defaultOpenKeys : undefined}
      onClick={({ key }) => onOpen(key)}
      style={mode === "horizontal" ? { flex: 1, minWidth: 0, borderBottom: "none" } : { borderInlineEnd: "none" }}
    />
  );
}
