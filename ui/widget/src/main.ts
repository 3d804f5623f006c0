/**
 * hotline-chat.js: finds its own <script> tag, loads the tenant's configuration from the
 * server the script came from and mounts the widget (docs/chat.md).
 *
 *   <script src="https://HOST/widget/hotline-chat.js" data-tenant="demo" async></script>
 *
 * Optional: `data-mode="page"` (the whole page is the chat, no launcher: the H5 page, which
 * names the tenant and language in its own URL instead) and `data-language`.
 */
import { loadConfig } from "./config";
import { ChatConnection, type ChatSnapshot, type StorageLike } from "./connection";
import { type Language, pickLanguage, translate } from "./i18n";
import { ChatWidget, type WidgetMode } from "./view";

/** For end-to-end tests: drive the widget and read its state without reaching into the DOM. */
interface HotlineChatHook {
  open(): void;
  close(): void;
  state(): Omit<ChatSnapshot, "messages"> & {
    open: boolean;
    mode: WidgetMode;
    language: Language;
    pending: number;
    messages: { seq: number | null; author: string; name?: string; text?: string; attachment?: string; delivery: string }[];
  };
  /** Closes the socket as a network failure would, so that the reconnect path runs. */
  dropConnection(): void;
}

declare global {
  interface Window {
    HotlineChat?: HotlineChatHook;
  }
}

/** Only while the script first runs does `currentScript` name it; an async load still sets it. */
function findOwnScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement) return current;
  return [...document.scripts].find((script) => /\/hotline-chat\.js([?#]|$)/.test(script.src)) ?? null;
}

/** Storage can be blocked (privacy settings, sandboxed frames): the chat then simply forgets. */
function storage(get: () => Storage): StorageLike | null {
  try {
    return get();
  } catch {
    return null;
  }
}

function remember(store: StorageLike | null, key: string, value: string): void {
  try {
    store?.setItem(key, value);
  } catch {
    // Full or blocked: not worth bothering the visitor about.
  }
}

function domReady(): Promise<void> {
  if (document.readyState !== "loading") return Promise.resolve();
  return new Promise((resolve) => document.addEventListener("DOMContentLoaded", () => resolve(), { once: true }));
}

async function boot(script: HTMLScriptElement): Promise<void> {
  const serverOrigin = new URL(script.src, location.href).origin;
  const mode: WidgetMode = script.dataset.mode === "page" ? "page" : "bubble";
  const pageParameters = new URLSearchParams(mode === "page" ? location.search : "");
  const tenant = script.dataset.tenant ?? pageParameters.get("tenant");
  if (!tenant) {
    console.warn("hotline-chat: the script tag needs data-tenant");
    return;
  }
  const localStore = storage(() => localStorage);
  const sessionStore = storage(() => sessionStorage);
  const storageKey = `hotline.chat.${tenant}`;
  const languageKey = `${storageKey}.language`;
  const openKey = `${storageKey}.open`;

  const config = await loadConfig(serverOrigin, tenant);
  await domReady();
  if (!config) {
    if (mode === "page") document.body.textContent = translate(pickLanguage(navigator.languages), "unavailable");
    return;
  }

  let language = pickLanguage([
    localStore?.getItem(languageKey),
    script.dataset.language,
    pageParameters.get("language"),
    config.defaultLanguage,
    ...navigator.languages,
  ]);
  const connection = new ChatConnection({
    url: `${serverOrigin.replace(/^http/, "ws")}/chat/ws?tenant=${encodeURIComponent(tenant)}`,
    storage: localStore,
    storageKey,
    language: () => language,
  });
  const widget = new ChatWidget({
    config,
    connection,
    serverOrigin,
    tenant,
    mode,
    language,
    // The panel stays open as the visitor moves between the host site's pages.
    open: sessionStore?.getItem(openKey) === "1",
    onLanguageChange: (next) => {
      language = next;
      remember(localStore, languageKey, next);
    },
    onOpenChange: (open) => remember(sessionStore, openKey, open ? "1" : ""),
  });
  document.body.append(widget.host);
  if (mode === "page") {
    document.title = config.organisationName;
    document.documentElement.lang = language;
  }

  // A visitor who never opens the chat costs the server no socket, unless there is a
  // conversation to carry on.
  if (widget.isOpen || connection.snapshot().conversationId !== null) connection.start();
  let connectedWhenHidden = false;
  addEventListener("pagehide", () => {
    connectedWhenHidden = connection.snapshot().connection !== "stopped";
    connection.stop();
  });
  // Back from the back-forward cache.
  addEventListener("pageshow", (event) => {
    if (event.persisted && connectedWhenHidden) connection.start();
  });

  window.HotlineChat = {
    open: () => widget.setOpen(true),
    close: () => widget.setOpen(false),
    dropConnection: () => connection.dropConnection(),
    state: () => {
      const snapshot = connection.snapshot();
      return {
        ...snapshot,
        open: widget.isOpen,
        mode,
        language: widget.language,
        pending: snapshot.messages.filter((entry) => entry.delivery === "pending").length,
        messages: snapshot.messages.map((entry) => ({
          seq: entry.seq,
          author: entry.author.kind,
          name: entry.author.name,
          text: entry.text,
          attachment: entry.attachment?.name,
          delivery: entry.delivery,
        })),
      };
    },
  };
}

const ownScript = findOwnScript();
if (ownScript) void boot(ownScript);
else console.warn("hotline-chat: cannot find its own <script> tag");
