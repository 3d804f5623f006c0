/** The tenant's widget configuration, `GET /chat/config?tenant=<slug>`. */
import { reconnectDelay } from "./connection";
import type { WidgetConfig } from "./protocol";

/** About a minute of retries (0.5 s doubling to 10 s) before the widget gives up for this page. */
const MAX_ATTEMPTS = 9;

/** The configuration, or null for an unknown tenant or a server that stays unreachable. */
export async function loadConfig(serverOrigin: string, tenant: string): Promise<WidgetConfig | null> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    try {
      const response = await fetch(`${serverOrigin}/chat/config?tenant=${encodeURIComponent(tenant)}`);
      if (response.ok) return (await response.json()) as WidgetConfig;
      // An unknown tenant stays unknown; only the server's own troubles are worth waiting out.
      if (response.status < 500) return null;
    } catch {
      // Offline, or the server is restarting: try again below.
    }
    await new Promise((resolve) => setTimeout(resolve, reconnectDelay(attempt)));
  }
  return null;
}
