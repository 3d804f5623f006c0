/**
 * Every feature folder, each registering its pages (by menu path) and workbench widgets.
 * A new page is one folder plus one line here.
 */
import "./workbench";
import "./admin/tenants";
import "./admin/settings";
import "./admin/organisation";
import "./admin/users";
import "./admin/roles";
import "./admin/dictionary";
import "./admin/acd";
import "./admin/chatWidget";
import "./admin/customerFields";
import "./admin/telephony";
import "./desk";
import "./supervisor";
import "./customers";
import "./tickets";
import "./admin/ticketTypes";
import "./addressBook";
import "./knowledge";
import "./audit/events";
import "./integrations/webhooks";
import "./analytics/forks";
import "./calls";
