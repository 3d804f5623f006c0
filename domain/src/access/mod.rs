//! Access: what a user may do and see.
//!
//! - [`permissions`]: the catalogue of functional permissions (menus, buttons, export,
//!   import, download), the menu tree and the workbench widgets they unlock, and the data
//!   scopes that narrow what a query returns.
//! - [`role`]: the role stream: a named set of permissions and data scopes, per tenant.
//!   Every tenant gets the built-in roles, with the same well-known ids everywhere.

pub mod permissions;
pub mod role;

pub use permissions::{
    DataScope, MENU, MenuItem, PERMISSIONS, Permission, PermissionKind, VisibleMenuItem, WIDGETS, Widget, visible_menu,
};
pub use role::{BuiltInRole, Role, RoleCommand, RoleEvent, RoleState};
