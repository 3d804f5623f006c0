/**
 * The rich-text editor of articles and templates: TipTap (ProseMirror) with its starter kit
 * (headings, lists, quotes, code, links, underline, undo). Its own chunk: the page loads it
 * with React.lazy (see LazyRichTextEditor), so agents who only read never download it.
 * A form control: `value` and `onChange` carry HTML; an empty document is "". Read-only
 * (`editable` false, as ticket forms show rich text fields) it shows the document without
 * the toolbar: still through the editor, never as raw HTML in the page.
 */
import {
  BoldOutlined,
  CodeOutlined,
  ItalicOutlined,
  LinkOutlined,
  MinusOutlined,
  OrderedListOutlined,
  RedoOutlined,
  StrikethroughOutlined,
  UnderlineOutlined,
  UndoOutlined,
  UnorderedListOutlined,
} from "@ant-design/icons";
import { EditorContent, type Editor, useEditor, useEditorState } from "@tiptap/react";
import StarterKit from "@tiptap/starter-kit";
import { Button, Divider, Input, Popover, Space, theme, Tooltip } from "antd";
import { type ReactNode, useEffect, useRef, useState } from "react";
import { useT } from "../../i18n";
import { ARTICLE_BODY_CLASS } from "./html";

export interface RichTextEditorProps {
  value?: string;
  onChange?: (html: string) => void;
  id?: string;
  "aria-label"?: string;
  "aria-describedby"?: string;
  "data-testid"?: string;
  minHeight?: number;
  /** False: read-only, no toolbar. */
  editable?: boolean;
  /** "error": a red border, as antd's inputs show a problem. */
  status?: "error";
  onBlur?: () => void;
}

function htmlOf(editor: Editor): string {
  return editor.isEmpty ? "" : editor.getHTML();
}

/** Only http(s) and mailto links: the server drops anything else anyway. */
function safeLink(text: string): string | null {
  const trimmed = text.trim();
  if (!trimmed) return null;
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(trimmed) ? trimmed : `https://${trimmed}`;
  return /^(https?:|mailto:)/i.test(withScheme) ? withScheme : null;
}

function ToolButton({ label, active, disabled, onClick, children }: { label: string; active?: boolean; disabled?: boolean; onClick: () => void; children: ReactNode }) {
  return (
    <Tooltip title={label}>
      <Button
        size="small"
        type={active ? "primary" : "text"}
        aria-label={label}
        aria-pressed={active}
        disabled={disabled}
        onMouseDown={(event) => event.preventDefault()}
        onClick={onClick}
      >
        {children}
      </Button>
    </Tooltip>
  );
}

export default function RichTextEditor({
  value = "",
  onChange,
  id,
  "aria-label": ariaLabel,
  "aria-describedby": describedBy,
  "data-testid": testId,
  minHeight = 240,
  editable = true,
  status,
  onBlur,
}: RichTextEditorProps) {
  const t = useT();
  const { token } = theme.useToken();
  /** The HTML this editor last reported, to tell its own changes from the form's. */
  const reported = useRef(value);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const onBlurRef = useRef(onBlur);
  onBlurRef.current = onBlur;
  const [linkOpen, setLinkOpen] = useState(false);
  const [linkText, setLinkText] = useState("");

  const editor = useEditor({
    extensions: [StarterKit.configure({ link: { openOnClick: false, autolink: true, defaultProtocol: "https" } })],
    content: value,
    editable,
    editorProps: {
      attributes: {
        class: ARTICLE_BODY_CLASS,
        role: "textbox",
        "aria-multiline": "true",
        ...(editable ? {} : { "aria-readonly": "true" }),
        ...(ariaLabel ? { "aria-label": ariaLabel } : {}),
        ...(describedBy ? { "aria-describedby": describedBy } : {}),
        ...(id ? { id } : {}),
      },
    },
    onUpdate: ({ editor: changed }) => {
      const html = htmlOf(changed);
      reported.current = html;
      onChangeRef.current?.(html);
    },
    onBlur: () => onBlurRef.current?.(),
  });

  useEffect(() => {
    if (editor && editor.isEditable !== editable) editor.setEditable(editable, false);
  }, [editor, editable]);

  // A value from outside (a template, the form reset, a reload): show it.
  useEffect(() => {
    if (!editor || value === reported.current) return;
    reported.current = value;
    editor.commands.setContent(value || "", { emitUpdate: false });
  }, [editor, value]);

  const state = useEditorState({
    editor,
    selector: ({ editor: current }) => ({
      bold: current.isActive("bold"),
      italic: current.isActive("italic"),
      underline: current.isActive("underline"),
      strike: current.isActive("strike"),
      heading2: current.isActive("heading", { level: 2 }),
      heading3: current.isActive("heading", { level: 3 }),
      bulletList: current.isActive("bulletList"),
      orderedList: current.isActive("orderedList"),
      blockquote: current.isActive("blockquote"),
      codeBlock: current.isActive("codeBlock"),
      link: current.isActive("link"),
      canUndo: current.can().undo(),
      canRedo: current.can().redo(),
    }),
  });

  const chain = () => editor.chain().focus();

  const applyLink = () => {
    const href = safeLink(linkText);
    if (href) chain().extendMarkRange("link").setLink({ href }).run();
    else chain().extendMarkRange("link").unsetLink().run();
    setLinkOpen(false);
  };

  const css = `
.hotline-knowledge-editor .ProseMirror { min-height: ${minHeight}px; padding: ${token.paddingXS}px ${token.paddingSM}px; outline: none; }
.hotline-knowledge-editor .ProseMirror > :first-child { margin-top: 0; }
`;

  return (
    <div
      className="hotline-knowledge-editor"
      data-testid={testId}
      style={{
        border: `1px solid ${status === "error" ? token.colorError : token.colorBorder}`,
        borderRadius: token.borderRadius,
        background: editable ? token.colorBgContainer : token.colorBgContainerDisabled,
      }}
    >
      <style>{css}</style>
      {editable ? (
        <Space
          size={2}
          wrap
          role="toolbar"
          aria-label={t("knowledge.editor.toolbar")}
          style={{ padding: token.paddingXXS, borderBottom: `1px solid ${token.colorBorderSecondary}`, width: "100%" }}
        >
          <ToolButton label={t("knowledge.editor.bold")} active={state?.bold} onClick={() => chain().toggleBold().run()}>
            <BoldOutlined />
          </ToolButton>
          <ToolButton label={t("knowledge.editor.italic")} active={state?.italic} onClick={() => chain().toggleItalic().run()}>
            <ItalicOutlined />
          </ToolButton>
          <ToolButton label={t("knowledge.editor.underline")} active={state?.underline} onClick={() => chain().toggleUnderline().run()}>
            <UnderlineOutlined />
          </ToolButton>
          <ToolButton label={t("knowledge.editor.strike")} active={state?.strike} onClick={() => chain().toggleStrike().run()}>
            <StrikethroughOutlined />
          </ToolButton>
          <Divider orientation="vertical" />
          <ToolButton label={t("knowledge.editor.headingLarge")} active={state?.heading2} onClick={() => chain().toggleHeading({ level: 2 }).run()}>
            H2
          </ToolButton>
          <ToolButton label={t("knowledge.editor.headingSmall")} active={state?.heading3} onClick={() => chain().toggleHeading({ level: 3 }).run()}>
            H3
          </ToolButton>
          <ToolButton label={t("knowledge.editor.bulletList")} active={state?.bulletList} onClick={() => chain().toggleBulletList().run()}>
            <UnorderedListOutlined />
          </ToolButton>
          <ToolButton label={t("knowledge.editor.orderedList")} active={state?.orderedList} onClick={() => chain().toggleOrderedList().run()}>
            <OrderedListOutlined />
          </ToolButton>
          <ToolButton label={t("knowledge.editor.quote")} active={state?.blockquote} onClick={() => chain().toggleBlockquote().run()}>
            “ ”
          </ToolButton>
          <ToolButton label={t("knowledge.editor.codeBlock")} active={state?.codeBlock} onClick={() => chain().toggleCodeBlock().run()}>
            <CodeOutlined />
          </ToolButton>
          <ToolButton label={t("knowledge.editor.rule")} onClick={() => chain().setHorizontalRule().run()}>
            <MinusOutlined />
          </ToolButton>
          <Popover
            open={linkOpen}
            onOpenChange={(open) => {
              setLinkOpen(open);
              if (open) setLinkText(String(editor.getAttributes("link").href ?? ""));
            }}
            trigger="click"
            content={
              <Space.Compact>
                <Input
                  autoFocus
                  size="small"
                  placeholder="https://"
                  aria-label={t("knowledge.editor.linkAddress")}
                  value={linkText}
                  onChange={(event) => setLinkText(event.target.value)}
                  onPressEnter={applyLink}
                  style={{ width: 240 }}
                />
                <Button size="small" type="primary" onClick={applyLink}>
                  {t("common.confirm")}
                </Button>
              </Space.Compact>
            }
          >
            <span>
              <ToolButton label={t("knowledge.editor.link")} active={state?.link} onClick={() => setLinkOpen(true)}>
                <LinkOutlined />
              </ToolButton>
            </span>
          </Popover>
          <Divider orientation="vertical" />
          <ToolButton label={t("knowledge.editor.undo")} disabled={!state?.canUndo} onClick={() => chain().undo().run()}>
            <UndoOutlined />
          </ToolButton>
          <ToolButton label={t("knowledge.editor.redo")} disabled={!state?.canRedo} onClick={() => chain().redo().run()}>
            <RedoOutlined />
          </ToolButton>
        </Space>
      ) : null}
      <EditorContent editor={editor} />
    </div>
  );
}
