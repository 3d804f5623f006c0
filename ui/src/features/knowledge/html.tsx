/**
 * HTML the server made safe, and the styles it is shown with. Only three fields are ever
 * put into the page as HTML: a hit's `titleHtml` and `snippetHtml` (the server escapes the
 * text and adds only `<mark>`) and an article's `bodyHtml` (sanitised by the server). Every
 * other text goes through React as text. Colours come from the skin's tokens.
 */
import { theme } from "antd";
import type { CSSProperties } from "react";

const HTML_CLASS = "hotline-knowledge-html";
const BODY_CLASS = "hotline-knowledge-body";

/** The styles of highlighted hits and article bodies, in the skin's colours. */
export function KnowledgeHtmlStyle() {
  const { token } = theme.useToken();
  const css = `
.${HTML_CLASS} mark {
  background: ${token.colorWarningBgHover};
  color: inherit;
  padding: 0 1px;
  border-radius: ${token.borderRadiusSM}px;
  box-shadow: inset 0 -2px 0 ${token.colorWarningBorder};
}
.${BODY_CLASS} { line-height: 1.7; overflow-wrap: anywhere; }
.${BODY_CLASS} img, .${BODY_CLASS} video { max-width: 100%; height: auto; }
.${BODY_CLASS} table { border-collapse: collapse; display: block; max-width: 100%; overflow-x: auto; }
.${BODY_CLASS} th, .${BODY_CLASS} td { border: 1px solid ${token.colorBorder}; padding: ${token.paddingXXS}px ${token.paddingXS}px; }
.${BODY_CLASS} blockquote {
  margin: 0 0 ${token.margin}px;
  padding-inline-start: ${token.paddingSM}px;
  border-inline-start: 3px solid ${token.colorBorder};
  color: ${token.colorTextSecondary};
}
.${BODY_CLASS} pre {
  background: ${token.colorFillTertiary};
  padding: ${token.paddingXS}px ${token.paddingSM}px;
  border-radius: ${token.borderRadius}px;
  overflow-x: auto;
}
.${BODY_CLASS} code { background: ${token.colorFillTertiary}; padding: 0 ${token.paddingXXS}px; border-radius: ${token.borderRadiusSM}px; }
.${BODY_CLASS} pre code { background: none; padding: 0; }
.${BODY_CLASS} a { color: ${token.colorLink}; }
.${BODY_CLASS} hr { border: none; border-top: 1px solid ${token.colorBorderSecondary}; }
`;
  return <style>{css}</style>;
}

interface HighlightProps {
  /** `titleHtml` or `snippetHtml` of a search hit: escaped by the server, `<mark>` added. */
  html: string;
  style?: CSSProperties;
  testId?: string;
}

/** A search hit's highlighted title or snippet. */
export function Highlighted({ html, style, testId }: HighlightProps) {
  return <span className={HTML_CLASS} style={style} data-testid={testId} dangerouslySetInnerHTML={{ __html: html }} />;
}

/** An article's body: `bodyHtml`, sanitised by the server. */
export function ArticleBody({ html }: { html: string }) {
  return <div className={`${HTML_CLASS} ${BODY_CLASS}`} data-testid="knowledge-article-body" dangerouslySetInnerHTML={{ __html: html }} />;
}

/** The body's look, for the editor's content too. */
export const ARTICLE_BODY_CLASS = BODY_CLASS;
