//! The error-code catalogue: every stable code an operator or integrator can see, with what
//! it means.
//!
//! Codes are `<context>.<snake_case>` (the one exception is the catch-all `internal`). They
//! reach clients as the problem+json `code` (and `type` `urn:hotline:error:<code>`) and as
//! GraphQL `extensions.code`. A code, once published, keeps its meaning; a code nothing emits
//! any more is removed here in the same change that stops emitting it.
//!
//! The domain codes are checked against the domain sources by a test; the API codes are the
//! ones `hotline-command-api` and the chat service (the visitor WebSocket, chat uploads and the
//! agent desk) map their errors to. Over HTTP a domain code answers 404 when it ends in
//! `.not_found` and 422 otherwise; the statuses of API codes are with their groups below.

/// (code, meaning) for every code the product emits, grouped by context.
pub const ERROR_CODES: &[(&str, &str)] = &[
    // Domain: tenants.
    ("tenant.slug_taken", "A tenant with this slug exists already."),
    ("tenant.invalid_slug", "A slug is 2 to 40 lowercase letters, digits and inner hyphens."),
    ("tenant.invalid_name", "A tenant name is 1 to 120 characters with no leading or trailing spaces."),
    ("tenant.not_found", "No tenant with this id or slug."),
    // Domain: users.
    ("user.username_taken", "The user name is taken in this tenant (user names are unique ignoring case)."),
    ("user.invalid_username", "A user name is 3 to 64 letters, digits, '.', '_', '-' or '@'."),
    ("user.invalid_display_name", "A display name is 1 to 120 characters with no leading or trailing spaces."),
    ("user.invalid_email", "An e-mail address looks like name@example.com (one @, a dotted domain, no spaces)."),
    ("user.no_role", "A user needs at least one role."),
    ("user.not_found", "No such user in this tenant."),
    ("user.too_many_roles", "A user holds at most 20 roles."),
    ("role.built_in", "Built-in roles cannot be changed; create a role of your own."),
    ("role.exists", "A role with this id exists already."),
    ("role.invalid_name", "A role name is 1 to 80 characters without outer spaces."),
    ("role.invalid_description", "A role description is at most 500 characters."),
    ("role.not_found", "No such role in this tenant."),
    ("role.unknown_permission", "The role names a permission that does not exist."),
    ("role.unknown_resource", "The role gives a data scope to a resource that has none."),
    // Domain: tenant settings.
    ("tenant.invalid_organisation_name", "An organisation name is 1 to 120 characters without outer spaces."),
    ("tenant.invalid_url", "A logo or website URL is empty or an http(s):// address of at most 2000 characters."),
    ("tenant.invalid_copyright", "A copyright line is one line of at most 200 characters without outer spaces."),
    ("tenant.invalid_hotline_number", "A hotline number is at most 32 digits, '+', '-' and spaces, with a digit."),
    ("tenant.invalid_support_email", "The support address is empty or an e-mail address like care@example.com."),
    ("tenant.invalid_time_zone", "A time zone that is not in the IANA database (such as Asia/Shanghai)."),
    // Domain: organisation.
    ("org.unit_exists", "An organisation unit with this id exists or existed (unit ids are never reused)."),
    ("org.unit_not_found", "No such organisation unit in this tenant."),
    ("org.parent_not_found", "The parent unit does not exist in this tenant."),
    ("org.invalid_name", "A unit name is 1 to 120 characters with no leading or trailing spaces."),
    ("org.name_taken", "A unit beside it (same parent and dimension) already has this name, ignoring case."),
    ("org.dimension_mismatch", "A unit and its parent are of one dimension; a unit never changes dimension."),
    ("org.cycle", "A unit cannot move under itself or under one of its own sub-units."),
    ("org.has_children", "The unit has sub-units: move or remove them first."),
    // Domain: dictionary.
    ("dictionary.code_taken", "A dictionary with this code exists in the tenant (codes are unique ignoring case)."),
    ("dictionary.invalid_code", "A dictionary code is 1 to 64 letters, digits, '_', '-' or '.', led by a letter."),
    ("dictionary.invalid_name", "A dictionary name is 1 to 120 characters with no leading or trailing spaces."),
    ("dictionary.not_found", "No dictionary with this code in the tenant."),
    ("dictionary.too_many_entries", "A dictionary holds at most 500 entries."),
    ("dictionary.invalid_entry_code", "An entry code does not fit the dictionary's type (text, number or boolean)."),
    ("dictionary.duplicate_entry_code", "Two entries of the list have the same code."),
    ("dictionary.invalid_entry_label", "An entry label is 1 to 200 characters with no leading or trailing spaces."),
    // Domain: ACD (routing of contacts of every channel to agents).
    ("acd.agent_exists", "An agent with this id is registered in the ACD already."),
    ("acd.agent_not_found", "No such agent in this tenant's ACD."),
    ("acd.queue_not_found", "No such queue in this tenant's ACD."),
    ("acd.contact_exists", "A contact with this id is queued, offered or assigned already."),
    ("acd.contact_not_found", "No such contact is queued, offered or assigned."),
    ("acd.invalid_capacity", "A capacity per channel is 0 to 20 contacts."),
    ("acd.invalid_skill", "A skill name is 1 to 64 characters with no leading or trailing spaces."),
    ("acd.invalid_skill_level", "A skill level is 1 to 10."),
    ("acd.invalid_queue_name", "A queue name is 1 to 120 characters with no leading or trailing spaces."),
    ("acd.invalid_timeout", "Offer, sticky-agent and overflow timeouts are 1 second to 1 day."),
    ("acd.overflow_to_itself", "A queue cannot overflow into itself; name another queue."),
    ("acd.invalid_priority", "A customer priority is 0 (normal) to 9 (most important)."),
    ("acd.invalid_customer_key", "A customer key is 1 to 200 characters."),
    ("acd.invalid_presence_reason", "A not-ready or break reason is 1 to 80 characters without outer spaces."),
    ("acd.agent_has_contacts", "An agent holding offered or assigned contacts cannot go offline; finish them first."),
    ("acd.capacity_below_load", "The new capacity is below the contacts the agent holds; finish some first."),
    ("acd.no_such_offer", "The contact is not on offer to this agent (answered, timed out or withdrawn)."),
    ("acd.not_assigned", "The contact is not assigned to this agent."),
    ("acd.contact_assigned", "The contact is with an agent already: the agent finishes it."),
    ("acd.transfer_to_self", "An agent cannot transfer a contact to themselves; name another agent or a queue."),
    ("acd.hand_over_to_self", "A contact cannot be handed over to the agent who has it; consult another agent."),
    (
        "acd.agent_without_queue",
        "The agent named as a transfer's target serves no queue, so the contact has nowhere to wait for them.",
    ),
    // Domain: conversations (a contact on a text channel, e.g. web chat).
    ("conversation.not_found", "No such conversation in this tenant."),
    ("conversation.closed", "The conversation is closed: nothing more is posted, assigned or transferred in it."),
    (
        "conversation.invalid_message",
        "A message has a client id of 1 to 64 characters and text (not blank, at most 4000 characters), a \
         file, or both; visitor details are at most 200 characters and a rating comment at most 1000.",
    ),
    ("conversation.invalid_priority", "A conversation's priority is 0 (normal) to 9 (most important)."),
    (
        "conversation.not_your_conversation",
        "The conversation is not assigned to this agent: only its agent writes in, transfers or closes it.",
    ),
    ("conversation.not_assigned", "Only a conversation assigned to an agent can be transferred."),
    (
        "conversation.invalid_transfer",
        "A transfer goes to exactly one queue or to one other agent (not both, neither, or the agent themselves).",
    ),
    (
        "conversation.invalid_disposition",
        "An agent closes a conversation with a disposition code of 1 to 64 characters without outer spaces.",
    ),
    ("conversation.not_closed", "A conversation is rated only after it closes."),
    ("conversation.already_rated", "The conversation is rated already; it is rated once."),
    ("conversation.invalid_rating", "A rating is 1 to 5."),
    // Domain: chat widget.
    (
        "chat_widget.invalid_settings",
        "The widget settings are refused (the message says why): an organisation name is required, texts \
         have length limits, the colour is #rrggbb, the logo an http(s) URL, at most 20 questions, and the \
         language en, zh-CN or zh-TW.",
    ),
    // Domain: customers (profiles whose personal data is sealed with each customer's own key).
    ("customer.exists", "A customer with this id exists already."),
    ("customer.not_found", "No such customer in this tenant."),
    (
        "customer.forgotten",
        "The customer was forgotten: their key is destroyed and their data gone, so they cannot be changed.",
    ),
    (
        "customer.invalid_values",
        "Some of the profile's values are refused (422): the message lists `field: problem; ...`, and the \
         problem+json `fields` and GraphQL `extensions.fields` list `{ field, message }` per field.",
    ),
    ("customer.wrong_key", "A customer's profile is sealed with that customer's own key, not another."),
    (
        "customer.invalid_query",
        "A query's condition or sort names no field of the tenant, uses an operator the field's type does not \
         take, or has a value of the wrong type; on an export, the saved query named does not exist (404).",
    ),
    // Domain: ticket types (a form and a workflow, published in versions) and tickets.
    ("ticket_type.exists", "A ticket type with this id exists already."),
    ("ticket_type.not_found", "No such ticket type in this tenant."),
    ("ticket_type.invalid_name", "A ticket type's name is 1 to 80 characters."),
    ("ticket_type.invalid_description", "A ticket type's description is at most 500 characters."),
    (
        "ticket_type.invalid_form",
        "The form is not a form-js schema the server reads: not an object, no components, a missing, bad or \
         repeated field key, more than 200 fields, or groups nested too deep.",
    ),
    (
        "ticket_type.invalid_workflow",
        "The workflow cannot be published: BPMN that does not parse, an element outside the supported subset, \
         or a process that cannot run (unreachable nodes, a gateway with no way out, a condition without a \
         default, an unknown field); the message lists every problem at once.",
    ),
    ("ticket_type.invalid_condition", "A sequence flow's condition does not parse (the message says where)."),
    ("ticket_type.too_large", "A workflow's BPMN or a form's JSON is over 1 MB."),
    ("ticket_type.not_published", "The ticket type has no published workflow yet, so it opens no tickets."),
    (
        "ticket_type.invalid_template",
        "An export template is not a readable Word (.docx) or Excel (.xlsx) file, has no name, or uses a placeholder \
         that names nothing of the type; the message lists the placeholders it may use.",
    ),
    ("ticket_type.template_name_taken", "The ticket type has an export template of that name already."),
    ("ticket_type.too_many_templates", "A ticket type keeps at most 20 export templates: remove one first."),
    ("ticket_type.template_too_large", "An export template is at most 5 MB."),
    ("ticket_type.template_not_found", "No such export template for this ticket type."),
    ("mail.not_found", "No such mail in your tenant's outbox."),
    ("mail.not_dead", "Only a mail that gave up is sent again; this one is queued or sent already."),
    ("ticket.exists", "A ticket with this id exists already."),
    ("ticket.not_found", "No such ticket in this tenant."),
    ("ticket.closed", "The ticket is finished or cancelled: its workflow takes no more steps."),
    (
        "ticket.invalid_values",
        "Some form values are refused (422): a required field is empty, a value has the wrong type or length, \
         the field is unknown, or the step does not let you edit it. The message lists `field: problem; ...`, \
         and GraphQL `extensions.fields` lists `{ field, message }` per field.",
    ),
    ("ticket.invalid_title", "A ticket's title is 1 to 200 characters."),
    ("ticket.invalid_comment", "A comment is 1 to 4,000 characters."),
    ("ticket.invalid_reason", "A reason for cancelling is at most 1,000 characters."),
    ("ticket.not_your_task", "Only the task's candidates (its user, role or unit) may complete it."),
    ("ticket.no_such_task", "No open user task has this token (it was completed already, or never was)."),
    ("ticket.no_such_timer", "No timer of the ticket waits with this token."),
    ("ticket.no_such_service", "No service task of the ticket waits with this token."),
    (
        "ticket.service_not_failed",
        "The service call has not failed: it is still being made, so there is nothing to retry.",
    ),
    ("ticket.timer_not_due", "The timer is not due yet."),
    ("ticket.not_external", "The task is not done by an outside collaborator, so it takes no link."),
    ("ticket.invalid_link", "A link must expire after it is sent."),
    ("ticket.link_invalid", "The collaborator's link is not genuine, or no link was sent for its task."),
    ("ticket.link_expired", "The collaborator's link has expired: someone at the organisation can send a new one."),
    ("ticket.link_superseded", "A newer link was sent for the collaborator's step, which revokes the earlier ones."),
    ("ticket.invalid_file", "A ticket's file needs a name (the X-File-Name header) and some content."),
    ("ticket.file_too_large", "A ticket's file is at most 20 MB."),
    ("ticket.file_not_found", "The ticket's fields hold no such file."),
    ("ticket.upload_not_allowed", "The collaborator's step has no upload field for them to fill in."),
    ("ticket.no_such_query_field", "The ticket type's form has no query field by that key."),
    (
        "ticket_type.rules_failed",
        "The form rules did not compile, threw an error, or ran out of time or memory; the message says which.",
    ),
    ("ticket.sla_not_due", "Neither the task's reminder nor its due time has come, or both were recorded already."),
    ("ticket.invalid_sender", "A mail joins a ticket only from a valid sender address."),
    (
        "ticket.no_way_out",
        "No outgoing condition of an exclusive gateway holds for the ticket's values and it has no default \
         flow: nothing was done.",
    ),
    ("ticket.no_assignee", "A step's assignee is a form field whose value is not a user's id."),
    ("ticket.workflow_loops", "The workflow took over 10,000 steps in one go: it loops without a task to stop at."),
    ("ticket.broken_workflow", "The workflow does not match the ticket (a node it is at is missing): a server fault."),
    ("ticket.origin_not_found", "The conversation or call a ticket names is not one of this tenant's."),
    // Domain: the knowledge base.
    ("knowledge.article_not_found", "No such knowledge article in this tenant (or it was deleted)."),
    (
        "knowledge.revision_conflict",
        "Someone else saved the article since the editor opened it: reload it and apply the change again.",
    ),
    (
        "knowledge.invalid_article",
        "Some of the article is refused (422): the message lists `field: problem; ...` (title 1 to 200 \
         characters, at most 20 keywords of 40, a summary of 1000, a body of 200 KB, 20 attachments, 50 quiz \
         questions of 2 to 10 options with one marked correct), and `fields` lists them per field.",
    ),
    ("knowledge.article_not_published", "Only a published article can be pushed to agents: publish it first."),
    ("knowledge.invalid_push", "A push reaches 1 to 1000 users, with a note of at most 500 characters."),
    (
        "knowledge.invalid_categories",
        "The category tree is refused (the message says why): names of 1 to 200 characters, unique among \
         siblings, every parent present, no category inside itself, at most 8 levels and 1000 categories.",
    ),
    (
        "knowledge.invalid_template",
        "The template is refused: a name of 1 to 200 characters that no other template of the tenant has, a \
         body of at most 200 KB, at most 200 templates.",
    ),
    ("knowledge.too_many_favourites", "A reader keeps at most 500 favourite articles: remove one first."),
    ("knowledge.gap_not_found", "That query is not on the knowledge-to-add list (it was resolved already)."),
    (
        "knowledge.invalid_query",
        "The search text cannot be read: the message says what and where (an unbalanced quote or \
         parenthesis, an unknown field); an empty query or one over 500 characters is refused too.",
    ),
    ("knowledge.category_not_found", "The article's category does not exist in this tenant."),
    (
        "knowledge.category_not_empty",
        "A category that still holds articles cannot be removed: move or delete its articles first.",
    ),
    ("knowledge.template_not_found", "No such knowledge template in this tenant."),
    ("knowledge.attachment_not_found", "No file with that id was uploaded to this tenant's knowledge base."),
    (
        "knowledge.attachment_type_not_allowed",
        "The file's type is not accepted (415): documents (.docx, .pdf, .txt), audio (mp3, wav, ogg, m4a), \
         images, spreadsheets and zip files are.",
    ),
    ("knowledge.attachment_too_large", "A knowledge base file is at most 20 MB (413)."),
    (
        "knowledge.document_unreadable",
        "The document's text could not be read: the file is corrupt, or not what its name says (422).",
    ),
    // Domain: webhooks.
    (
        "webhook.invalid_url",
        "A webhook URL is an absolute http:// or https:// address with a host, at most 2000 characters, \
         without spaces or a user name and password.",
    ),
    (
        "webhook.invalid_event_type",
        "A webhook's event-type filter lists at most 100 patterns, each `hotline.<context>.<event>` or \
         `hotline.<context>.*`, none twice.",
    ),
    (
        "webhook.unknown_event_type",
        "A pattern of the webhook's event-type filter matches no event type of the event catalogue \
         (schemas/events.json).",
    ),
    ("webhook.invalid_description", "A webhook description is at most 500 characters."),
    ("webhook.invalid_reason", "A reason for disabling a webhook endpoint is 1 to 200 characters."),
    ("webhook.endpoint_exists", "A webhook endpoint with this id exists already."),
    ("webhook.endpoint_not_found", "No such webhook endpoint in this tenant (or it was deleted)."),
    ("webhook.delivery_not_found", "No such webhook delivery in this tenant."),
    (
        "webhook.address_not_allowed",
        "A webhook URL's host is, or resolves only to, an address webhooks may not reach (loopback, private, \
         link-local, ...); the operator may allow networks with HOTLINE_WEBHOOK_ALLOWED_NETWORKS (422).",
    ),
    (
        "webhook.endpoint_disabled",
        "The delivery's endpoint is disabled or deleted: enable it (or register a new one) before redelivering.",
    ),
    // Domain: calls.
    ("call.exists", "A call with this id exists already."),
    ("call.invalid_number", "A phone number is digits with an optional leading +, at most 32 characters."),
    ("call.not_found", "No such call in this tenant."),
    ("call.ended", "The call has ended."),
    ("call.not_connected", "The call is not connected to an agent (it is waiting, or ringing one)."),
    ("call.leg_not_ringing", "That agent leg of the call is not ringing (it was answered, refused or cancelled)."),
    ("call.already_connected", "The call is connected to an agent already."),
    ("call.transfer_to_self", "A call cannot be transferred to the agent who has it."),
    ("call.invalid_transfer", "A call is transferred to exactly one target: an agent or a queue, not both or neither."),
    ("call.recording_not_found", "No such call recording in this tenant (or its key was destroyed)."),
    (
        "call.not_dialing",
        "The call is not calling a customer out (the agent has not picked up, or the customer answered).",
    ),
    ("call.no_trunk", "The tenant has no trunk with an outbound address to call out through (or no such trunk)."),
    ("call.no_phone", "You have no extension, or no phone registered to it now: calling out rings your phone first."),
    ("call.agent_busy", "You are on a call already."),
    ("call.not_transferable", "A call out is handed on to a queue, not to a named agent."),
    ("call.consult_in_progress", "A consultation is in progress on this call."),
    ("call.consult_self", "You cannot consult yourself."),
    ("call.not_consulting", "This call has no consultation in progress."),
    ("call.consult_not_answered", "The agent you consult has not answered yet."),
    ("call.agent_unavailable", "That agent is not available: on a call, or not signed in."),
    // Domain: telephony (extensions, trunks, access numbers).
    ("telephony.invalid_extension_number", "An extension number is 2 to 8 digits."),
    ("telephony.extension_number_taken", "The number is an extension or an access number of this tenant already."),
    ("telephony.invalid_display_name", "An extension's display name is 1 to 100 characters, not blank."),
    ("telephony.user_has_extension", "The user has an extension already (a user has at most one)."),
    ("telephony.extension_exists", "An extension with this id exists already."),
    ("telephony.extension_not_found", "No such extension in this tenant (or it was removed)."),
    ("telephony.invalid_trunk_name", "A trunk name is 1 to 100 characters, not blank."),
    ("telephony.trunk_name_taken", "A trunk with this name exists in the tenant (names are unique ignoring case)."),
    (
        "telephony.invalid_peers",
        "A trunk lists 1 to 20 peers, none twice, each an IP address or a CIDR network (host names are not \
         accepted: inbound calls are matched by source address).",
    ),
    ("telephony.invalid_outbound_address", "An outbound address is host or host:port, at most 255 characters."),
    (
        "telephony.invalid_registration",
        "A trunk registration names a registrar (host or host:port) and a user name of 1 to 100 characters \
         without spaces.",
    ),
    (
        "telephony.registration_password_required",
        "A new trunk registration needs a password; it can be left out only to keep the current one.",
    ),
    ("telephony.trunk_exists", "A trunk with this id exists already."),
    ("telephony.trunk_not_found", "No such trunk in this tenant (or it was removed)."),
    ("telephony.trunk_in_use", "An access number arrives on this trunk: release it first."),
    ("telephony.invalid_access_number", "An access number is 1 to 32 digits with an optional leading +."),
    ("telephony.access_number_taken", "The number is an access number or an extension of this tenant already."),
    ("telephony.access_number_not_found", "The number is not an access number of this tenant."),
    ("telephony.invalid_description", "An access number's description is at most 200 characters on one line."),
    (
        "telephony.invalid_music_file",
        "The upload is not music Hotline can play: a WAV file of 16-bit PCM, μ-law or A-law, mono or stereo, sampled at 8 kHz or faster.",
    ),
    ("telephony.invalid_music_name", "A music file's name is 1 to 100 characters, not blank."),
    ("telephony.invalid_music_length", "Music lasts 1 second to 10 minutes."),
    ("telephony.too_much_music", "A tenant keeps at most 50 music files: remove one first."),
    ("telephony.music_exists", "A music file with this id exists already."),
    ("telephony.music_not_found", "No such music file in this tenant (or it was removed)."),
    ("telephony.music_in_use", "A queue plays this music: give the queue other music first."),
    // Domain: customer fields.
    (
        "customer_fields.invalid",
        "The field definitions are refused (the message says why): at most 200 fields, keys of lowercase \
         letters, digits and _ (at most 40, unique, not a built-in one), labels of 1 to 60 characters, a text \
         length of 1 to 2000, and no field of the gender type but the built-in one.",
    ),
    (
        "customer_fields.type_changed",
        "A field key keeps the type it was first defined with, since stored values have that meaning; use a new key.",
    ),
    // Domain: saved customer queries.
    (
        "customer_queries.invalid",
        "A saved query has a name of 1 to 80 characters without outer spaces, at most 20 conditions and a \
         sort field that names a field.",
    ),
    ("customer_queries.name_taken", "You have a saved query with this name already (names compare ignoring case)."),
    ("customer_queries.not_found", "No such saved customer query."),
    ("customer_queries.not_owner", "The saved query is someone else's: only its owner changes or deletes it."),
    // Domain: saved ticket queries (and the ticket list's filter).
    (
        "ticket_queries.invalid",
        "A ticket query has a name of 1 to 80 characters without outer spaces, a searched text of at most 200 \
         characters, \"due within\" of 1 hour to a year, and at most 20 conditions, each on a form field's key \
         with the values its operator needs.",
    ),
    (
        "ticket_queries.name_taken",
        "You have a saved ticket query with this name already (names compare ignoring case).",
    ),
    ("ticket_queries.not_found", "No such saved ticket query."),
    ("ticket_queries.not_owner", "The saved ticket query is someone else's: only its owner changes or deletes it."),
    // API: commands and requests.
    ("command.unknown_type", "The command type is not one this API knows."),
    ("command.invalid", "The command's fields are missing or malformed; the message names the field."),
    ("command.conflict", "Another command changed the stream first. Retryable: send the same command again."),
    ("command.payload_too_large", "The request body is over the size limit."),
    ("request.malformed_json", "The request body is not valid JSON."),
    // API: events.
    ("event.unknown_type", "A stored event has a type or schema version this build cannot read."),
    ("event.unreadable", "A stored event's payload does not match the schema of its type and version."),
    ("event.duplicate_id", "An event with this id is stored already (a command was replayed with the same event id)."),
    // API: authentication and permissions.
    ("auth.unauthenticated", "Log in first: send a valid bearer token."),
    ("auth.forbidden", "The user's roles do not allow this."),
    ("auth.invalid_credentials", "Wrong tenant, user name or password."),
    ("auth.locked_out", "Too many failed log-ins: wait until the time given or ask an administrator to unlock you."),
    ("auth.password_policy", "The new password does not meet the password policy; the message says which rule."),
    // API: web chat, the visitor side. On the WebSocket these are `error` frames; over HTTP:
    // bad_token 401, no_conversation 404, upload_too_large 413, upload_type_not_allowed 415,
    // attachment_not_found 404 (malformed_frame 400 and rate_limited 429 where HTTP applies).
    ("chat.malformed_frame", "A chat frame is not JSON, has an unknown type or lacks a field; the socket stays open."),
    (
        "chat.rate_limited",
        "Over 5 chat frames a second sustained (burst 20): the frame was dropped and the socket stays open. \
         Retryable, after a pause.",
    ),
    ("chat.bad_token", "The visitor token is missing, malformed or not signed by this server for this tenant."),
    ("chat.no_conversation", "The visitor has no such conversation (none is open, or the id is not theirs)."),
    ("chat.upload_too_large", "The uploaded file is over the chat's size limit (`maxUploadBytes`)."),
    ("chat.upload_type_not_allowed", "The uploaded file's type is not one the chat allows (`allowedUploadTypes`)."),
    ("chat.attachment_not_found", "No such uploaded file for this visitor; upload it first, then post its id."),
    ("chat.invalid_upload", "The upload is empty (400)."),
    (
        "chat_widget.no_queue",
        "The tenant's chat widget has no queue, so a chat cannot start; an administrator sets one (503).",
    ),
    // API: customer import (`POST /api/customers/import`).
    ("customer.import_unreadable", "The uploaded file is not a readable .xlsx spreadsheet (415)."),
    ("customer.import_too_large", "The import file is over 20 MB or 100,000 rows; split it (413)."),
    // API: the agent desk (403).
    (
        "acd.not_an_agent",
        "The caller is not registered as an agent in the ACD; an administrator sets up their routing first.",
    ),
    // API: the audit log, its export and forks of projections (400).
    (
        "audit.invalid_filter",
        "The audit log filter or export range is malformed: from is after to, a time is not RFC 3339, a stream \
         id is not <context>-<uuid>, or a list holds more than 100 values.",
    ),
    ("audit.invalid_cursor", "The cursor is not one this log handed out: pass the nextCursor of the previous page."),
    (
        "audit.invalid_fork",
        "The fork is refused: name a known projection, give exactly one of toPosition and toTime, and a fork name \
         of 1 to 32 lowercase letters, digits and underscores.",
    ),
    // API: infrastructure.
    ("store.unavailable", "The event store cannot be reached or is shutting down. Retryable, after a pause."),
    ("store.corrupt", "A stored event fails its integrity checks; operators should run `hotline audit verify`."),
    ("internal", "An unexpected error; the server log has the details."),
];

/// Codes after which sending the same request again may succeed.
pub const RETRYABLE_CODES: &[&str] = &["command.conflict", "chat.rate_limited", "store.unavailable"];

/// What a code means, if it is in the catalogue.
pub fn meaning(code: &str) -> Option<&'static str> {
    ERROR_CODES.iter().find(|(known, _)| *known == code).map(|(_, meaning)| *meaning)
}

pub fn is_retryable(code: &str) -> bool {
    RETRYABLE_CODES.contains(&code)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    use super::*;

    fn is_code_shaped(text: &str) -> bool {
        let Some((context, name)) = text.split_once('.') else {
            return false;
        };
        let is_snake_case = |word: &str| {
            word.starts_with(|first: char| first.is_ascii_lowercase())
                && word.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
        };
        is_snake_case(context) && is_snake_case(name)
    }

    /// Every `.rs` file under `directory`, recursively, so a new bounded context is covered
    /// without touching this test.
    fn rust_sources(directory: &Path) -> Vec<(PathBuf, String)> {
        let mut sources = Vec::new();
        let entries =
            std::fs::read_dir(directory).unwrap_or_else(|error| panic!("cannot list {}: {error}", directory.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                sources.extend(rust_sources(&path));
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
                sources.push((path, text));
            }
        }
        sources
    }

    /// The string literals of a source text that have the shape of an error code. Codes reach
    /// `DomainError::new` either directly or through helpers such as `validate_text`, so every
    /// `"<context>.<snake_case>"` literal counts; event type names have two dots and do not.
    /// Each quote is looked at on its own, so an escaped quote elsewhere cannot hide a code.
    fn code_shaped_literals(source: &str) -> BTreeSet<String> {
        let is_code_character =
            |character: char| character.is_ascii_lowercase() || character.is_ascii_digit() || "._".contains(character);
        source
            .match_indices('"')
            .filter_map(|(quote, _)| {
                let rest = &source[quote + 1..];
                let end = rest.find(|character| !is_code_character(character))?;
                (rest[end..].starts_with('"') && is_code_shaped(&rest[..end])).then(|| rest[..end].to_owned())
            })
            .collect()
    }

    /// The part of a source file that is not test code: everything before its first
    /// `#[cfg(test)]` item, except that an out-of-line test module (`#[cfg(test)] mod tests;`)
    /// only declares a file and does not end the code, wherever it stands.
    fn non_test_code(source: &str) -> String {
        let mut code = String::new();
        let mut rest = source;
        while let Some(start) = rest.find("#[cfg(test)]") {
            code.push_str(&rest[..start]);
            let after = &rest[start + "#[cfg(test)]".len()..];
            let declaration = after.trim_start().strip_prefix("mod ").and_then(|item| {
                let end = item.find(';')?;
                let name = item[..end].trim();
                name.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'_').then_some(&item[end + 1..])
            });
            match declaration {
                Some(after_declaration) => rest = after_declaration,
                None => return code,
            }
        }
        code.push_str(rest);
        code
    }

    /// Code-shaped literals of the domain's non-test code that are not permission keys
    /// (which share the `<context>.<snake_case>` shape). Out-of-line test modules
    /// (`tests.rs`) are test code and not read.
    fn domain_codes() -> BTreeSet<String> {
        let domain_sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("../domain/src");
        rust_sources(&domain_sources)
            .iter()
            .filter(|(path, _)| path.file_name().is_none_or(|name| name != "tests.rs"))
            .map(|(_, text)| non_test_code(text))
            .flat_map(|code| code_shaped_literals(&code))
            .filter(|literal| !hotline_domain::access::permissions::is_known_permission(literal))
            .collect()
    }

    #[test]
    fn test_code_is_left_out_of_the_scan() {
        let source =
            "//! Docs.\n#[cfg(test)]\nmod tests;\nfn a() { \"a.one\" }\n#[cfg(test)]\nmod inline {\n\"a.test\" }";
        assert_eq!(code_shaped_literals(&non_test_code(source)), BTreeSet::from(["a.one".to_owned()]));
        assert_eq!(non_test_code("fn b() {}"), "fn b() {}");
        let codes = domain_codes();
        assert!(codes.contains("conversation.invalid_priority"), "a file with `mod tests;` at its top is read");
    }

    #[test]
    fn every_code_the_domain_uses_is_in_the_catalogue() {
        let domain_codes = domain_codes();
        assert!(
            domain_codes.contains("user.no_role") && domain_codes.contains("tenant.invalid_name"),
            "the source scan found too little: {domain_codes:?}"
        );
        let missing: Vec<&String> = domain_codes.iter().filter(|code| meaning(code).is_none()).collect();
        assert!(
            missing.is_empty(),
            "domain error codes missing from ERROR_CODES in schemas/src/errors.rs: {missing:?}"
        );
    }

    #[test]
    fn every_catalogued_domain_code_is_still_used_by_the_domain() {
        let domain_codes = domain_codes();
        let domain_contexts: BTreeSet<&str> =
            domain_codes.iter().filter_map(|code| code.split_once('.').map(|(context, _)| context)).collect();
        // `tenant.not_found` is emitted by the API (no tenant behind a slug or id),
        // `acd.not_an_agent` by the agent desk (the caller has no agent in the ACD), and the
        // `customer.import_*` codes by the customer import (a file that cannot be imported).
        let emitted_by_the_api = [
            "tenant.not_found",
            "acd.not_an_agent",
            "chat_widget.no_queue",
            "customer.import_unreadable",
            "customer.import_too_large",
            "knowledge.invalid_query",
            "knowledge.category_not_found",
            "knowledge.category_not_empty",
            "knowledge.template_not_found",
            "knowledge.attachment_not_found",
            "knowledge.attachment_type_not_allowed",
            "knowledge.attachment_too_large",
            "knowledge.document_unreadable",
            "webhook.unknown_event_type",
            "webhook.delivery_not_found",
            "webhook.address_not_allowed",
            "webhook.endpoint_disabled",
            "call.invalid_transfer",
            "call.recording_not_found",
            "call.no_trunk",
            "call.no_phone",
            "call.agent_busy",
            "call.not_transferable",
            "call.agent_unavailable",
            "telephony.invalid_music_file",
            "ticket_type.not_published",
            "ticket.origin_not_found",
            "ticket_type.rules_failed",
            "ticket_type.template_too_large",
            "ticket.invalid_file",
            "ticket.file_too_large",
            "ticket.file_not_found",
            "ticket.upload_not_allowed",
            "ticket.no_such_query_field",
        ];
        let stale: Vec<&str> = ERROR_CODES
            .iter()
            .map(|(code, _)| *code)
            .filter(|code| {
                let context = code.split_once('.').map(|(context, _)| context);
                context.is_some_and(|context| domain_contexts.contains(context))
                    && !domain_codes.contains(*code)
                    && !emitted_by_the_api.contains(code)
            })
            .collect();
        assert!(stale.is_empty(), "ERROR_CODES lists domain codes the domain no longer uses: {stale:?}");
    }

    #[test]
    fn codes_are_unique_stable_shaped_and_explained() {
        let mut seen = BTreeSet::new();
        for (code, meaning) in ERROR_CODES {
            assert!(seen.insert(*code), "{code} is listed twice");
            assert!(is_code_shaped(code) || *code == "internal", "{code} is not <context>.<snake_case>");
            assert!(meaning.ends_with('.') && meaning.len() > 10, "{code} needs a meaning a person can act on");
        }
        for code in RETRYABLE_CODES {
            assert!(meaning(code).is_some_and(|text| text.contains("Retryable")), "{code}");
        }
    }

    #[test]
    fn lists_every_api_code() {
        for code in [
            "command.unknown_type",
            "command.invalid",
            "command.conflict",
            "command.payload_too_large",
            "request.malformed_json",
            "event.unknown_type",
            "tenant.not_found",
            "auth.unauthenticated",
            "auth.forbidden",
            "auth.invalid_credentials",
            "auth.password_policy",
            "store.unavailable",
            "internal",
            "chat.malformed_frame",
            "chat.rate_limited",
            "chat.bad_token",
            "chat.no_conversation",
            "chat.upload_too_large",
            "chat.upload_type_not_allowed",
            "chat.attachment_not_found",
            "chat.invalid_upload",
            "chat_widget.no_queue",
            "acd.not_an_agent",
            "customer.import_unreadable",
            "customer.import_too_large",
        ] {
            assert!(meaning(code).is_some(), "{code} is missing");
        }
        assert!(is_retryable("command.conflict"));
        assert!(!is_retryable("command.invalid"));
    }
}
