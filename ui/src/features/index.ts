/**
 * Every feature folder, each registering its pages (by menu path) and workbench widgets.
 * A new admin page (organisation, roles, dictionary, settings) is one folder plus one line here.
 */
import "./workbench";
import "./admin/tenants";
import "./admin/users";
import "./audit/events";
