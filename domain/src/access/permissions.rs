//! The permission catalogue, the menu tree and the workbench widgets.
//!
//! Permissions are data the code ships, not data a tenant edits: a tenant composes them
//! into roles. A permission key never changes meaning; new modules add keys.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermissionKind {
    /// Opens a menu entry (and the page behind it).
    Menu,
    /// An action on a page: create, edit, unlock, ...
    Button,
    Export,
    Import,
    Download,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permission {
    pub key: &'static str,
    pub kind: PermissionKind,
    /// The menu this permission belongs to, for the permission matrix.
    pub parent: Option<&'static str>,
}

const fn permission(key: &'static str, kind: PermissionKind, parent: Option<&'static str>) -> Permission {
    Permission { key, kind, parent }
}

use PermissionKind::{Button, Download, Export, Import, Menu};

/// Every permission, menus first, in matrix order.
pub const PERMISSIONS: &[Permission] = &[
    permission("menu.workbench", Menu, None),
    permission("menu.desk", Menu, None),
    permission("menu.supervisor", Menu, None),
    permission("chat.supervise", Button, Some("menu.supervisor")),
    permission("menu.customers", Menu, None),
    permission("customer.edit", Button, Some("menu.customers")),
    permission("customer.forget", Button, Some("menu.customers")),
    permission("customer.import", Import, Some("menu.customers")),
    permission("customers.export", Export, Some("menu.customers")),
    permission("menu.calls", Menu, None),
    permission("calls.all", Button, Some("menu.calls")),
    permission("call.recordings", Download, Some("menu.calls")),
    permission("menu.tickets", Menu, None),
    permission("ticket.create", Button, Some("menu.tickets")),
    permission("menu.knowledge", Menu, None),
    permission("knowledge.edit", Button, Some("menu.knowledge")),
    permission("knowledge.push", Button, Some("menu.knowledge")),
    permission("menu.address_book", Menu, None),
    permission("address_book.export", Export, Some("menu.address_book")),
    permission("menu.admin", Menu, None),
    permission("menu.admin.tenants", Menu, Some("menu.admin")),
    permission("tenant.create", Button, Some("menu.admin.tenants")),
    permission("platform.tenants", Button, Some("menu.admin.tenants")),
    permission("menu.admin.settings", Menu, Some("menu.admin")),
    permission("tenant.settings.edit", Button, Some("menu.admin.settings")),
    permission("menu.admin.organisation", Menu, Some("menu.admin")),
    permission("org.edit", Button, Some("menu.admin.organisation")),
    permission("menu.admin.users", Menu, Some("menu.admin")),
    permission("user.create", Button, Some("menu.admin.users")),
    permission("user.edit", Button, Some("menu.admin.users")),
    permission("user.unlock", Button, Some("menu.admin.users")),
    permission("user.reset_password", Button, Some("menu.admin.users")),
    permission("users.export", Export, Some("menu.admin.users")),
    permission("users.import", Import, Some("menu.admin.users")),
    permission("menu.admin.roles", Menu, Some("menu.admin")),
    permission("role.edit", Button, Some("menu.admin.roles")),
    permission("menu.admin.dictionary", Menu, Some("menu.admin")),
    permission("dictionary.edit", Button, Some("menu.admin.dictionary")),
    permission("menu.admin.acd", Menu, Some("menu.admin")),
    permission("acd.admin", Button, Some("menu.admin.acd")),
    permission("menu.admin.telephony", Menu, Some("menu.admin")),
    permission("telephony.admin", Button, Some("menu.admin.telephony")),
    permission("menu.admin.chat_widget", Menu, Some("menu.admin")),
    permission("menu.admin.customer_fields", Menu, Some("menu.admin")),
    permission("customer.fields.edit", Button, Some("menu.admin.customer_fields")),
    permission("menu.admin.ticket_types", Menu, Some("menu.admin")),
    permission("ticket_type.edit", Button, Some("menu.admin.ticket_types")),
    permission("menu.admin.webhooks", Menu, Some("menu.admin")),
    permission("integration.webhooks", Button, Some("menu.admin.webhooks")),
    permission("menu.audit", Menu, None),
    permission("menu.audit.events", Menu, Some("menu.audit")),
    permission("audit.read", Button, Some("menu.audit.events")),
    permission("audit.export", Export, Some("menu.audit.events")),
    // Forks hold every tenant's rows: a platform operator's tool, never a tenant's.
    permission("menu.audit.forks", Menu, Some("menu.audit")),
    permission("platform.forks", Button, Some("menu.audit.forks")),
    permission("recording.download", Download, None),
    permission("softphone", Button, None),
];

pub fn is_known_permission(key: &str) -> bool {
    PERMISSIONS.iter().any(|permission| permission.key == key)
}

/// How much of a resource a query returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataScope {
    /// Only the user's own records.
    Own,
    /// Records of the user's organisation unit.
    OwnDepartment,
    /// Records of the user's unit and every unit below it.
    DepartmentAndBelow,
    /// Every record of the tenant.
    All,
}

/// The resources whose queries honour a data scope.
/// `tickets`: own = tickets the user opened, acted on, or may act on now; a department = also
/// those its members opened or acted on.
pub const SCOPED_RESOURCES: &[&str] = &["users", "tickets"];

/// One entry of the menu tree; the web app shows an entry when the user holds its
/// permission and, for a group, at least one child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MenuItem {
    /// Also the permission that opens it.
    pub key: &'static str,
    /// The web app's i18n key of the label.
    pub title_key: &'static str,
    pub path: &'static str,
    pub icon: &'static str,
    pub children: &'static [MenuItem],
}

const fn leaf(key: &'static str, path: &'static str, icon: &'static str) -> MenuItem {
    MenuItem { key, title_key: key, path, icon, children: &[] }
}

pub const MENU: &[MenuItem] = &[
    leaf("menu.workbench", "/workbench", "desktop"),
    leaf("menu.desk", "/desk", "customer-service"),
    leaf("menu.supervisor", "/supervisor", "dashboard"),
    leaf("menu.customers", "/customers", "idcard"),
    leaf("menu.calls", "/calls", "customer-service"),
    leaf("menu.tickets", "/tickets", "file-done"),
    leaf("menu.knowledge", "/knowledge", "read"),
    leaf("menu.address_book", "/address-book", "contacts"),
    MenuItem {
        key: "menu.admin",
        title_key: "menu.admin",
        path: "/admin",
        icon: "setting",
        children: &[
            leaf("menu.admin.tenants", "/admin/tenants", "cluster"),
            leaf("menu.admin.settings", "/admin/settings", "control"),
            leaf("menu.admin.organisation", "/admin/organisation", "apartment"),
            leaf("menu.admin.users", "/admin/users", "team"),
            leaf("menu.admin.roles", "/admin/roles", "safety"),
            leaf("menu.admin.dictionary", "/admin/dictionary", "book"),
            leaf("menu.admin.acd", "/admin/acd", "branches"),
            leaf("menu.admin.telephony", "/admin/telephony", "customer-service"),
            leaf("menu.admin.chat_widget", "/admin/chat-widget", "message"),
            leaf("menu.admin.customer_fields", "/admin/customer-fields", "form"),
            leaf("menu.admin.ticket_types", "/admin/ticket-types", "partition"),
            leaf("menu.admin.webhooks", "/admin/webhooks", "api"),
        ],
    },
    MenuItem {
        key: "menu.audit",
        title_key: "menu.audit",
        path: "/audit",
        icon: "audit",
        children: &[
            leaf("menu.audit.events", "/audit/events", "history"),
            leaf("menu.audit.forks", "/audit/forks", "fork"),
        ],
    },
];

/// A menu entry as one user sees it: only the children they may open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisibleMenuItem {
    pub key: &'static str,
    pub title_key: &'static str,
    pub path: &'static str,
    pub icon: &'static str,
    pub children: Vec<VisibleMenuItem>,
}

/// The menu tree a holder of the `granted` permissions sees: an entry needs its permission,
/// and a group also needs at least one visible child.
pub fn visible_menu(granted: &dyn Fn(&str) -> bool) -> Vec<VisibleMenuItem> {
    fn visit(items: &[MenuItem], granted: &dyn Fn(&str) -> bool) -> Vec<VisibleMenuItem> {
        items
            .iter()
            .filter(|item| granted(item.key))
            .filter_map(|item| {
                let children = visit(item.children, granted);
                let is_empty_group = !item.children.is_empty() && children.is_empty();
                (!is_empty_group).then_some(VisibleMenuItem {
                    key: item.key,
                    title_key: item.title_key,
                    path: item.path,
                    icon: item.icon,
                    children,
                })
            })
            .collect()
    }
    visit(MENU, granted)
}

/// A workbench widget, shown to holders of its permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Widget {
    pub key: &'static str,
    pub permission: &'static str,
}

pub const WIDGETS: &[Widget] = &[
    Widget { key: "my-profile", permission: "menu.workbench" },
    Widget { key: "event-log", permission: "audit.read" },
    Widget { key: "ticket-todos", permission: "menu.tickets" },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_menu_entry_and_widget_names_a_catalogued_permission() {
        fn visit(items: &[MenuItem]) {
            for item in items {
                assert!(is_known_permission(item.key), "{}", item.key);
                visit(item.children);
            }
        }
        visit(MENU);
        for widget in WIDGETS {
            assert!(is_known_permission(widget.permission), "{}", widget.key);
        }
        for permission in PERMISSIONS {
            if let Some(parent) = permission.parent {
                assert!(is_known_permission(parent), "{}", permission.key);
            }
        }
    }

    #[test]
    fn a_group_shows_only_with_a_visible_child() {
        let only_group = visible_menu(&|key: &str| key == "menu.admin");
        assert!(only_group.is_empty());
        let users = visible_menu(&|key: &str| matches!(key, "menu.admin" | "menu.admin.users" | "menu.workbench"));
        assert_eq!(users.iter().map(|item| item.key).collect::<Vec<_>>(), ["menu.workbench", "menu.admin"]);
        assert_eq!(users[1].children.iter().map(|item| item.key).collect::<Vec<_>>(), ["menu.admin.users"]);
    }

    #[test]
    fn permission_keys_are_unique() {
        let mut keys: Vec<&str> = PERMISSIONS.iter().map(|permission| permission.key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), PERMISSIONS.len());
    }
}
