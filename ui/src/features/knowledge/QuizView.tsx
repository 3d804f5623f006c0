/**
 * "Check yourself": an article's questions. The reader picks options (one, or several when
 * the question has several right answers), then checks: each option shows whether it was
 * right, and the explanation follows. Nothing is sent to the server.
 */
import { CheckCircleFilled, CloseCircleFilled } from "@ant-design/icons";
import { Button, Card, Checkbox, Radio, Space, theme, Typography } from "antd";
import { useState } from "react";
import { useT } from "../../i18n";
import type { KnowledgeQuizQuestion } from "./knowledge.graphql";

function sameSet(left: readonly number[], right: readonly number[]): boolean {
  return left.length === right.length && left.every((value) => right.includes(value));
}

function Question({ question, number }: { question: KnowledgeQuizQuestion; number: number }) {
  const t = useT();
  const { token } = theme.useToken();
  const [picked, setPicked] = useState<number[]>([]);
  const [checked, setChecked] = useState(false);
  const several = question.correctOptions.length > 1;
  const right = sameSet(picked, question.correctOptions);

  const optionLabel = (option: string, index: number) => {
    if (!checked) return option;
    const correct = question.correctOptions.includes(index);
    const chosen = picked.includes(index);
    return (
      <Space size={4} data-testid="knowledge-quiz-option-result" data-correct={String(correct)}>
        <span style={{ color: correct ? token.colorSuccessText : chosen ? token.colorErrorText : undefined }}>{option}</span>
        {correct ? <CheckCircleFilled style={{ color: token.colorSuccess }} aria-label={t("knowledge.quiz.correctOption")} /> : null}
        {chosen && !correct ? <CloseCircleFilled style={{ color: token.colorError }} aria-label={t("knowledge.quiz.wrongOption")} /> : null}
      </Space>
    );
  };

  return (
    <Card size="small" data-testid="knowledge-quiz-question" data-question-id={question.id}>
      <Typography.Paragraph strong style={{ marginBottom: token.marginXS }}>
        {number}. {question.text}
        {several ? (
          <Typography.Text type="secondary" style={{ fontWeight: "normal" }}>
            {" "}
            {t("knowledge.quiz.several")}
          </Typography.Text>
        ) : null}
      </Typography.Paragraph>
      {several ? (
        <Checkbox.Group
          value={picked}
          disabled={checked}
          onChange={(values) => setPicked(values as number[])}
          style={{ display: "flex", flexDirection: "column", gap: token.marginXXS }}
          options={question.options.map((option, index) => ({ value: index, label: optionLabel(option, index) }))}
        />
      ) : (
        <Radio.Group
          value={picked[0]}
          disabled={checked}
          onChange={(event) => setPicked([event.target.value as number])}
          style={{ display: "flex", flexDirection: "column", gap: token.marginXXS }}
          options={question.options.map((option, index) => ({ value: index, label: optionLabel(option, index) }))}
        />
      )}
      <div style={{ marginTop: token.marginXS }}>
        {checked ? (
          <Space orientation="vertical" size={4} style={{ width: "100%" }}>
            <Typography.Text type={right ? "success" : "danger"} strong data-testid="knowledge-quiz-verdict" data-right={String(right)}>
              {right ? t("knowledge.quiz.right") : t("knowledge.quiz.wrong")}
            </Typography.Text>
            {question.explanation ? <Typography.Text data-testid="knowledge-quiz-explanation">{question.explanation}</Typography.Text> : null}
            <Button
              size="small"
              onClick={() => {
                setPicked([]);
                setChecked(false);
              }}
            >
              {t("knowledge.quiz.again")}
            </Button>
          </Space>
        ) : (
          <Button size="small" type="primary" ghost disabled={picked.length === 0} onClick={() => setChecked(true)} data-testid="knowledge-quiz-check">
            {t("knowledge.quiz.check")}
          </Button>
        )}
      </div>
    </Card>
  );
}

export function QuizView({ questions }: { questions: readonly KnowledgeQuizQuestion[] }) {
  const t = useT();
  if (questions.length === 0) return null;
  return (
    <section data-testid="knowledge-quiz">
      <Typography.Title level={5}>{t("knowledge.quiz.title")}</Typography.Title>
      <Space orientation="vertical" size="small" style={{ width: "100%" }}>
        {questions.map((question, index) => (
          <Question key={question.id} question={question} number={index + 1} />
        ))}
      </Space>
    </section>
  );
}
